"""Which login a face uses: tokens from the environment (and, later, the keychain)."""

from __future__ import annotations

from collections.abc import Mapping

from console.api.errors import AuthError
from console.api.tokens import TokenProvider
from console.auth.provider import RefreshingTokenProvider, StaticTokenProvider
from console.auth.token_endpoint import LwaClient
from console.config import lwa_settings

__all__ = ["token_provider"]


def token_provider(env: Mapping[str, str]) -> TokenProvider:
    """From SKILL_CONSOLE_REFRESH_TOKEN (+ client) or SKILL_CONSOLE_ACCESS_TOKEN."""
    lwa = lwa_settings(env)
    refresh = env.get("SKILL_CONSOLE_REFRESH_TOKEN")
    access = env.get("SKILL_CONSOLE_ACCESS_TOKEN")
    if refresh:
        if not lwa.client_id:
            raise AuthError(
                "A refresh token is set but no LWA client id",
                hint="Set SKILL_CONSOLE_CLIENT_ID and SKILL_CONSOLE_CLIENT_SECRET.",
            )
        client = LwaClient(lwa.token_url, lwa.client_id, lwa.client_secret)
        return RefreshingTokenProvider(client, refresh)
    if access:
        return StaticTokenProvider(access)
    raise AuthError(
        "Not logged in: no access or refresh token",
        hint="Set SKILL_CONSOLE_REFRESH_TOKEN (with SKILL_CONSOLE_CLIENT_ID/SECRET) or "
        "SKILL_CONSOLE_ACCESS_TOKEN, or try it out with --sandbox.",
    )
