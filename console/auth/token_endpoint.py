"""The LWA token endpoint: code exchange, refresh and revocation (form-encoded, RFC 6749)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from console.api.errors import AuthError, NetworkError, ProtocolError
from console.api.redact import redact
from console.api.tls import shared_ssl_context

__all__ = ["LwaClient", "TokenSet"]

# LWA's OAuth error codes, told as what a person should do.
_HINTS = {
    "invalid_grant": "The login has expired or was revoked: log in again.",
    "invalid_client": "Check the LWA client id and client secret of this profile.",
    "unauthorized_client": "This security profile may not use this grant: check its settings.",
    "invalid_scope": "The security profile is not allowed these scopes.",
}


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: float  # time.time() seconds
    scope: str | None = None

    def __repr__(self) -> str:  # never print secrets, even in a debugger or traceback
        return f"TokenSet(expires_at={self.expires_at:.0f}, scope={self.scope!r})"

    def expired(self, skew: float = 60.0) -> bool:
        return time.time() + skew >= self.expires_at


@dataclass(frozen=True)
class LwaClient:
    token_url: str
    client_id: str
    client_secret: str | None
    timeout: float = 15.0

    async def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> TokenSet:
        return await self._grant(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            secrets=(code, verifier),
        )

    async def refresh(self, refresh_token: str) -> TokenSet:
        tokens = await self._grant(
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
            secrets=(refresh_token,),
        )
        if tokens.refresh_token is None:  # LWA may omit it: the old one stays valid
            return TokenSet(tokens.access_token, refresh_token, tokens.expires_at, tokens.scope)
        return tokens

    async def revoke(self, token: str) -> None:
        """Best effort: a revocation endpoint beside the token URL (sandbox has one)."""
        url = self.token_url.rsplit("/", 1)[0] + "/revoke"
        async with httpx.AsyncClient(timeout=self.timeout, verify=shared_ssl_context()) as http:
            try:
                await http.post(url, data={"token": token, **self._client_fields()})
            except httpx.HTTPError:
                return

    def _client_fields(self) -> dict[str, str]:
        fields = {"client_id": self.client_id}
        if self.client_secret:
            fields["client_secret"] = self.client_secret
        return fields

    async def _grant(self, fields: dict[str, str], secrets: tuple[str, ...]) -> TokenSet:
        all_secrets = (*secrets, self.client_secret)
        async with httpx.AsyncClient(timeout=self.timeout, verify=shared_ssl_context()) as http:
            try:
                response = await http.post(
                    self.token_url,
                    data=fields | self._client_fields(),
                    headers={"Accept": "application/json"},
                )
            except httpx.HTTPError as exc:
                raise NetworkError(
                    f"Could not reach the login service: {redact(str(exc), *all_secrets)}",
                    endpoint=self.token_url,
                ) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code != 200 or not isinstance(data, dict):
            error = data.get("error") if isinstance(data, dict) else None
            text = data.get("error_description") if isinstance(data, dict) else None
            message = f"The login service refused the request ({error or response.status_code})"
            if isinstance(text, str):
                message += f": {redact(text, *all_secrets)}"
            raise AuthError(
                message,
                hint=_HINTS.get(str(error)),
                endpoint=self.token_url,
                http_status=response.status_code,
                code=str(error) if error else None,
            )
        return _token_set(data, self.token_url)


def _token_set(data: dict[str, object], endpoint: str) -> TokenSet:
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise ProtocolError("The login service answered without an access token", endpoint=endpoint)
    expires_in = data.get("expires_in")
    lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
    refresh = data.get("refresh_token")
    scope = data.get("scope")
    return TokenSet(
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) else None,
        expires_at=time.time() + lifetime,
        scope=scope if isinstance(scope, str) else None,
    )
