"""A partner's OAuth server: issues the authCode that operation 5 hands to Alexa to redeem.

It auto-approves (it is a test partner), but only for its client_id and the redirect URIs the
seed registers for it (Alexa's per-region account-linking redirects). Alexa's side of the
sandbox redeems codes through `redeem`, so expired, reused or mismatched codes fail operation 5
as they would for real.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from console.sandbox.http import basic_credentials, oauth_error, read_params
from console.sandbox.pkce import CHALLENGE_RE, VERIFIER_RE, verifier_matches
from console.sandbox.state import CODE_LIFETIME, PartnerCode, SandboxState, new_secret


def redeem(state: SandboxState, code: str, redirect_uri: str, verifier: str | None) -> str | None:
    """Use a partner code once; None on success, else the OAuth error description."""
    with state.lock:
        entry = state.world.partner_codes.get(code)
        if entry is None:
            return "invalid_grant: the partner authorization code is unknown"
        if entry.used:
            return "invalid_grant: the partner authorization code was already used"
        entry.used = True
        if state.clock.now() - entry.issued_at > CODE_LIFETIME:
            return "invalid_grant: the partner authorization code has expired"
        if redirect_uri != entry.redirect_uri:
            return "invalid_grant: redirectUri does not match the one used to get the code"
        if entry.code_challenge is not None and (
            verifier is None or not verifier_matches(verifier, entry.code_challenge)
        ):
            return "invalid_grant: codeVerifier does not match the code challenge"
        if entry.code_challenge is None and verifier is not None:
            return "invalid_request: a codeVerifier was sent for a code issued without PKCE"
        return None


class PartnerRoutes:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/oauth/authorize", self.authorize, methods=["GET"]),
            Route("/oauth/token", self.token, methods=["POST"]),
        ]

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        world = self.state.world
        # Neither an unknown client nor an unregistered redirect may be redirected to: that would
        # hand a code to whoever named the URL (RFC 6749 §4.1.2.1). Exact string match only.
        if q.get("client_id") != world.partner_client_id:
            return oauth_error(400, "invalid_client", "Unknown client_id for this partner")
        redirect_uri = q.get("redirect_uri", "")
        if redirect_uri not in world.partner_redirect_uris:
            return oauth_error(
                400, "invalid_request", "redirect_uri is not registered for this client"
            )
        state = {"state": q["state"]} if q.get("state") else {}
        if q.get("response_type") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type"} | state)
        challenge = q.get("code_challenge")
        if challenge is not None and (
            q.get("code_challenge_method") != "S256" or not CHALLENGE_RE.fullmatch(challenge)
        ):
            return _redirect(
                redirect_uri,
                {"error": "invalid_request", "error_description": "PKCE needs S256"} | state,
            )
        code = new_secret("partner-")
        with self.state.lock:
            world.partner_codes[code] = PartnerCode(
                redirect_uri=redirect_uri,
                code_challenge=challenge,
                issued_at=self.state.clock.now(),
            )
        return _redirect(redirect_uri, {"code": code} | state)

    async def token(self, request: Request) -> Response:
        """The partner's own token endpoint, for clients that want to exercise it directly."""
        params = await read_params(request)
        if params is None:
            return oauth_error(400, "invalid_request", "Send a form or JSON body")
        client_id, secret = basic_credentials(request) or (
            params.get("client_id", ""),
            params.get("client_secret", ""),
        )
        world = self.state.world
        if client_id != world.partner_client_id or secret != world.partner_client_secret:
            return oauth_error(401, "invalid_client", "Client authentication failed")
        if params.get("grant_type") != "authorization_code":
            return oauth_error(400, "unsupported_grant_type", "Only authorization_code")
        verifier = params.get("code_verifier")
        if verifier is not None and not VERIFIER_RE.fullmatch(verifier):
            return oauth_error(400, "invalid_request", "code_verifier must be 43-128 characters")
        problem = redeem(
            self.state, params.get("code", ""), params.get("redirect_uri", ""), verifier
        )
        if problem is not None:
            error, _, description = problem.partition(": ")
            return oauth_error(400, error, description)
        return JSONResponse(
            {"access_token": new_secret("partner-at-"), "token_type": "bearer", "expires_in": 3600}
        )


def _redirect(uri: str, params: dict[str, str]) -> RedirectResponse:
    sep = "&" if urlsplit(uri).query else "?"
    return RedirectResponse(uri + sep + urlencode(params), status_code=302)
