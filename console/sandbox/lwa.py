"""Login with Amazon: the consent page (/ap/oa), the token endpoint and revocation."""

from __future__ import annotations

import hmac
import html
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from console.sandbox.http import basic_credentials, oauth_error, read_params
from console.sandbox.pkce import CHALLENGE_RE, VERIFIER_RE, verifier_matches
from console.sandbox.state import (
    ACCESS_TOKEN_LIFETIME,
    CODE_LIFETIME,
    KNOWN_SCOPES,
    PROFILE_SCOPE,
    AuthCode,
    SandboxState,
    new_secret,
)

AUTHORIZE_FIELDS = (
    "client_id",
    "scope",
    "response_type",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def is_registered_redirect(uri: str) -> bool:
    """Loopback http redirects on any port are registered (RFC 8252 §7.3); nothing else."""
    parts = urlsplit(uri)
    return (
        parts.scheme == "http"
        and parts.hostname in ("127.0.0.1", "localhost", "::1")
        and not parts.fragment
        and not parts.username
    )


def _redirect(uri: str, params: dict[str, str]) -> RedirectResponse:
    sep = "&" if urlsplit(uri).query else "?"
    return RedirectResponse(uri + sep + urlencode(params), status_code=302)


def _error_page(status: int, title: str, detail: str) -> HTMLResponse:
    body = (
        "<!doctype html><html><head><title>Sandbox Login with Amazon</title></head><body>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(detail)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status)


class LwaRoutes:
    """Routes of the LWA hub, bound to one sandbox state."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/ap/oa", self.authorize, methods=["GET", "POST"]),
            Route("/auth/o2/token", self.token, methods=["POST"]),
            Route("/auth/O2/token", self.token, methods=["POST"]),
            Route("/auth/o2/revoke", self.revoke, methods=["POST"]),
            Route("/auth/O2/revoke", self.revoke, methods=["POST"]),
            Route("/user/profile", self.profile, methods=["GET"]),
        ]

    # --- authorize ----------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        if request.method == "GET":
            params = dict(request.query_params)
        else:
            form = await request.form()
            params = {k: str(v) for k, v in form.items()}
        problem = self._check_client(params)
        if problem is not None:
            return problem
        redirect_uri = params["redirect_uri"]
        state = params.get("state", "")
        error = self._check_request(params)
        if error is not None:
            return _redirect(
                redirect_uri,
                {"error": error[0], "error_description": error[1]}
                | ({"state": state} if state else {}),
            )
        if request.method == "GET":
            return self._consent_page(params)
        return self._decide(params)

    def _check_client(self, params: dict[str, str]) -> Response | None:
        """Errors that must not redirect (the redirect target is not trusted yet)."""
        world = self.state.world
        if params.get("client_id") != world.client_id:
            return _error_page(400, "Unknown client", "The client_id is not registered.")
        uri = params.get("redirect_uri", "")
        if not is_registered_redirect(uri):
            return _error_page(
                400,
                "Redirect URI not allowed",
                "redirect_uri must be a loopback http address registered with the "
                "security profile (e.g. http://127.0.0.1:PORT/callback).",
            )
        return None

    def _check_request(self, params: dict[str, str]) -> tuple[str, str] | None:
        if params.get("response_type") != "code":
            return ("unsupported_response_type", "response_type must be code")
        scopes = params.get("scope", "").split()
        if not scopes or any(s not in KNOWN_SCOPES for s in scopes):
            return ("invalid_scope", "scope is missing or names an unknown scope")
        if not params.get("state"):
            return ("invalid_request", "state is required (the client checks it on return)")
        # PKCE is required, as the contract's clients always send it: a client that drops it
        # must fail here rather than against Amazon.
        if params.get("code_challenge_method") != "S256":
            return ("invalid_request", "code_challenge_method must be S256 (PKCE is required)")
        challenge = params.get("code_challenge")
        if not challenge or not CHALLENGE_RE.fullmatch(challenge):
            return ("invalid_request", "code_challenge must be 43 base64url characters")
        return None

    def _consent_page(self, params: dict[str, str]) -> HTMLResponse:
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(params[k], quote=True)}">'
            for k in AUTHORIZE_FIELDS
            if k in params
        )
        accounts = "".join(
            f'<label><input type="radio" name="account" value="{a.name}"'
            f"{' checked' if i == 0 else ''}> {html.escape(a.label)} "
            f"<code>{a.name}</code></label><br>"
            for i, a in enumerate(self.state.world.accounts.values())
        )
        scopes = html.escape(params.get("scope", ""))
        body = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Sandbox Login with Amazon</title></head>
<body>
<h1>Sandbox Login with Amazon</h1>
<p>An application asks for: <code>{scopes}</code></p>
<form method="post" action="/ap/oa">
{hidden}
<fieldset><legend>Sign in as</legend>
{accounts}
</fieldset>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>"""
        return HTMLResponse(body, headers={"Cache-Control": "no-store"})

    def _decide(self, params: dict[str, str]) -> Response:
        redirect_uri = params["redirect_uri"]
        state = {"state": params["state"]} if params.get("state") else {}
        if params.get("decision") != "allow":
            return _redirect(
                redirect_uri,
                {"error": "access_denied", "error_description": "The user denied the request"}
                | state,
            )
        account = params.get("account", "")
        if account not in self.state.world.accounts:
            return _error_page(400, "Unknown account", "Choose one of the sandbox accounts.")
        code = new_secret("ANsandbox")
        with self.state.lock:
            self.state.world.auth_codes[code] = AuthCode(
                client_id=params["client_id"],
                redirect_uri=redirect_uri,
                account=account,
                scopes=tuple(params["scope"].split()),
                code_challenge=params.get("code_challenge"),
                issued_at=self.state.clock.now(),
            )
        return _redirect(redirect_uri, {"code": code, "scope": params["scope"]} | state)

    # --- token --------------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        params = await read_params(request)
        if params is None:
            return oauth_error(
                400,
                "invalid_request",
                "Send the request as application/x-www-form-urlencoded or application/json",
            )
        client = self._client_credentials(request, params)
        if client is not None:
            return client
        grant_type = params.get("grant_type")
        if grant_type == "authorization_code":
            return self._code_grant(params)
        if grant_type == "refresh_token":
            return self._refresh_grant(params)
        if not grant_type:
            return oauth_error(400, "invalid_request", "grant_type is required")
        return oauth_error(
            400, "unsupported_grant_type", f"grant_type {grant_type} is not supported"
        )

    def _client_credentials(self, request: Request, params: dict[str, str]) -> Response | None:
        basic = basic_credentials(request)
        client_id, secret = basic or (params.get("client_id", ""), params.get("client_secret", ""))
        world = self.state.world
        if not client_id:
            return oauth_error(400, "invalid_request", "client_id is required")
        if client_id != world.client_id or not hmac.compare_digest(
            secret.encode(), world.client_secret.encode()
        ):
            return oauth_error(401, "invalid_client", "Client authentication failed")
        return None

    def _code_grant(self, params: dict[str, str]) -> Response:
        code = params.get("code", "")
        redirect_uri = params.get("redirect_uri", "")
        verifier = params.get("code_verifier")
        if not code or not redirect_uri:
            return oauth_error(400, "invalid_request", "code and redirect_uri are required")
        if verifier is not None and not VERIFIER_RE.fullmatch(verifier):
            return oauth_error(400, "invalid_request", "code_verifier must be 43-128 characters")
        with self.state.lock:
            entry = self.state.world.auth_codes.get(code)
            if entry is None:
                return oauth_error(400, "invalid_grant", "The authorization code is invalid")
            if entry.used:
                # A replayed code revokes what it already issued (RFC 6749 §4.1.2).
                if entry.issued_refresh_token:
                    self.state.revoke(entry.issued_refresh_token)
                return oauth_error(400, "invalid_grant", "The authorization code was already used")
            entry.used = True
            if self.state.clock.now() - entry.issued_at > CODE_LIFETIME:
                return oauth_error(400, "invalid_grant", "The authorization code has expired")
            if redirect_uri != entry.redirect_uri:
                return oauth_error(400, "invalid_grant", "redirect_uri does not match")
            if entry.client_id != params.get("client_id", entry.client_id):
                return oauth_error(400, "invalid_grant", "The code was issued to another client")
            if entry.code_challenge is not None and (
                verifier is None or not verifier_matches(verifier, entry.code_challenge)
            ):
                return oauth_error(400, "invalid_grant", "code_verifier does not match")
            refresh = self.state.issue_grant(entry.account, entry.scopes)
            entry.issued_refresh_token = refresh
            access = self.state.issue_access_token(refresh)
        return _token_response(access, refresh, entry.scopes)

    def _refresh_grant(self, params: dict[str, str]) -> Response:
        refresh = params.get("refresh_token", "")
        if not refresh:
            return oauth_error(400, "invalid_request", "refresh_token is required")
        with self.state.lock:
            grant = self.state.world.grants.get(refresh)
            if grant is None or grant.revoked:
                return oauth_error(400, "invalid_grant", "The refresh token is invalid or revoked")
            if self.state.config.rotate_refresh_tokens:
                refresh = self.state.rotate_grant(refresh)  # the old one answers invalid_grant
            access = self.state.issue_access_token(refresh)
            scopes = grant.scopes
        return _token_response(access, refresh, scopes)

    # --- revoke -------------------------------------------------------------------------------

    async def revoke(self, request: Request) -> Response:
        params = await read_params(request)
        if params is None:
            return oauth_error(400, "invalid_request", "Send a form or JSON body")
        client = self._client_credentials(request, params)
        if client is not None:
            return client
        token = params.get("token", "")
        if not token:
            return oauth_error(400, "invalid_request", "token is required")
        self.state.revoke(token)
        return Response(status_code=200)  # RFC 7009: 200 even for unknown tokens

    # --- customer profile ---------------------------------------------------------------------

    async def profile(self, request: Request) -> Response:
        """LWA's customer profile: 401 invalid_token for a token it does not know (or one that
        expired or was revoked), 403 insufficient_scope without `profile`, else the profile."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _profile_error(401, "invalid_request", "The request has no bearer token")
        resolved = self.state.resolve_access_token(token.strip())
        if isinstance(resolved, str):
            return _profile_error(401, "invalid_token", resolved)
        account, scopes = resolved
        if PROFILE_SCOPE not in scopes:
            return _profile_error(
                403, "insufficient_scope", "The access token was not granted the profile scope"
            )
        body = dict(account.profile) or {"user_id": account.user_id, "name": account.label}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _profile_error(status: int, error: str, description: str) -> JSONResponse:
    """As LWA's resource endpoints answer: the OAuth error body and a WWW-Authenticate header."""
    response = oauth_error(status, error, description)
    response.headers["WWW-Authenticate"] = f'Bearer error="{error}"'
    return response


def _token_response(access: str, refresh: str, scopes: tuple[str, ...]) -> JSONResponse:
    return JSONResponse(
        {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": int(ACCESS_TOKEN_LIFETIME),
            "scope": " ".join(scopes),
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
