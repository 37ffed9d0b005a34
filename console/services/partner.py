"""Fetch a fresh partner authorization code from a (sandbox) partner OAuth server.

A real partner shows its own login page; the sandbox's test partner approves at once, so the
code can be read from its redirect without a browser.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from console.api.errors import NetworkError, ProtocolError, RefusedError
from console.api.tls import shared_ssl_context

SANDBOX_PARTNER_CLIENT = "alexa-skill-sandbox"
SANDBOX_PARTNER_REDIRECT = "https://pitangui.amazon.com/api/skill/link/SANDBOX"


async def fetch_partner_code(
    authorize_url: str,
    *,
    client_id: str = SANDBOX_PARTNER_CLIENT,
    redirect_uri: str = SANDBOX_PARTNER_REDIRECT,
    code_challenge: str | None = None,
) -> str:
    state = secrets.token_urlsafe(16)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if code_challenge:
        params |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
    try:
        async with httpx.AsyncClient(
            timeout=10, follow_redirects=False, verify=shared_ssl_context()
        ) as http:
            response = await http.get(authorize_url + "?" + urlencode(params))
    except httpx.HTTPError:
        raise NetworkError(
            "Could not reach the partner's authorization server", endpoint=authorize_url
        ) from None
    query = parse_qs(urlsplit(response.headers.get("location", "")).query)
    if response.status_code == 400:
        raise RefusedError(
            f"The partner refused to issue a code: {_oauth_error(response)}",
            hint=f"Use a redirect URI the partner knows, such as {SANDBOX_PARTNER_REDIRECT}.",
            endpoint=authorize_url,
            http_status=400,
        )
    if response.status_code != 302 or query.get("state") != [state] or "code" not in query:
        raise ProtocolError(
            "The partner did not redirect back with a code",
            endpoint=authorize_url,
            http_status=response.status_code,
        )
    return str(query["code"][0])


def _oauth_error(response: httpx.Response) -> str:
    """`error: description` of an OAuth error body, or its status."""
    try:
        data = response.json()
    except ValueError:
        return f"status {response.status_code}"
    if not isinstance(data, dict):
        return f"status {response.status_code}"
    described = data.get("error_description")
    return f"{data.get('error')}: {described}" if described else str(data.get("error"))
