"""Plain-httpx helpers for driving the sandbox in tests (a scripted browser and partner)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import secrets
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

SKILL_TRIVIA = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"
SKILL_WEATHER = "amzn1.ask.skill.00000000-0000-4000-8000-000000000002"
SKILL_FLAKY = "amzn1.ask.skill.00000000-0000-4000-8000-000000000003"
SKILL_OTHER = "amzn1.ask.skill.00000000-0000-4000-8000-000000000004"
SKILL_UNREADY = "amzn1.ask.skill.00000000-0000-4000-8000-000000000005"  # 403 + violations
CLIENT_ID = "amzn1.application-oa2-client.sandbox"
CLIENT_SECRET = "sandbox-client-secret"
PARTNER_CLIENT = "alexa-skill-sandbox"
PARTNER_REDIRECT = "https://pitangui.amazon.com/api/skill/link/SANDBOX"
SMAPI = "alexa::ask:skills:readwrite alexa::ask:skills:test"
CUSTOMER_SCOPE = "alexa::skills:account_linking"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def bearer(token: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def consent(
    authorize_url: str, params: dict[str, str], account: str = "developer", decision: str = "allow"
) -> httpx.Response:
    """Act as the browser: load the consent page, pick an account, press Allow or Deny."""
    with httpx.Client() as browser:
        page = browser.get(authorize_url, params=params)
        page.raise_for_status()
        fields = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
        )
        fields = {k: v.replace("&amp;", "&").replace("&quot;", '"') for k, v in fields.items()}
        action = urlsplit(authorize_url)._replace(path="/ap/oa", query="").geturl()
        return browser.post(action, data=fields | {"account": account, "decision": decision})


def redirect_params(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    query = urlsplit(response.headers["location"]).query
    return {k: v[0] for k, v in parse_qs(query).items()}


def partner_code(
    sandbox: Any, redirect_uri: str = PARTNER_REDIRECT, challenge: str | None = None
) -> str:
    params = {
        "response_type": "code",
        "client_id": PARTNER_CLIENT,
        "redirect_uri": redirect_uri,
        "state": "s1",
    }
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    response = httpx.get(sandbox.urls.partner_authorize_url + "?" + urlencode(params))
    return redirect_params(response)["code"]


def link_body(
    code: str, stage: str = "live", redirect_uri: str = PARTNER_REDIRECT, **extra: str
) -> dict[str, Any]:
    return {
        "stage": stage,
        "accountLinkRequest": {"redirectUri": redirect_uri, "authCode": code, "type": "AUTH_CODE"}
        | extra,
    }


def scripted_browser(
    account: str = "developer", decision: str = "allow", *, tamper: Any = None, before: Any = None
) -> tuple[Any, list[httpx.Response]]:
    """An `open_browser` stand-in: consents on the sandbox page, then follows the redirect.

    It runs in a thread (the receiver needs the caller's loop free); `tamper` may rewrite the
    redirect URL, `before` runs just before the redirect is followed. Returns the opener and
    the list the receiver's answers are appended to.
    """
    import threading

    answers: list[httpx.Response] = []

    def run(url: str) -> None:
        split = urlsplit(url)
        params = {k: v[0] for k, v in parse_qs(split.query).items()}
        authorize = split._replace(query="").geturl()
        location = consent(authorize, params, account=account, decision=decision).headers[
            "location"
        ]
        if tamper:
            location = tamper(location)
        if before:
            before()
        # A failure is like a browser's "cannot connect" page: the user may paste the URL.
        with contextlib.suppress(httpx.HTTPError):
            answers.append(httpx.get(location))

    def opener(url: str) -> bool:
        threading.Thread(target=run, args=(url,), daemon=True).start()
        return True

    return opener, answers


def fake_xdg_open(tmp_path: Path, monkeypatch: Any, exit_code: int) -> Path:
    """An `xdg-open` first on PATH that, like the real one without a browser, prints the URL."""
    script = tmp_path / "xdg-open"
    script.write_text(
        f"#!/bin/sh\necho \"xdg-open: no method available for opening '$1'\" >&2\n"
        f'echo "$1" > "{tmp_path}/handed"\nexit {exit_code}\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    return tmp_path / "handed"
