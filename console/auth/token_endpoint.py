"""The LWA token endpoint: code exchange, refresh and revocation (form-encoded, RFC 6749)."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from console.api.errors import (
    AuthError,
    NetworkError,
    ProtocolError,
    ServerError,
    ThrottledError,
)
from console.api.models import Attempt, AttemptListener
from console.api.parsing import request_id
from console.api.redact import redact
from console.api.retry import Action, Outcome, RetryPolicy, decide, parse_retry_after
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


class LwaClient:
    """One LWA security profile's token endpoint; retries 429/5xx like the API client does."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str | None,
        *,
        timeout: float = 15.0,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self.listeners: list[AttemptListener] = []
        self._sleep = sleep
        self._rng = random.Random()  # noqa: S311 (jitter, not crypto)

    def __repr__(self) -> str:  # never show the client secret, even in a traceback
        return f"LwaClient(token_url={self.token_url!r}, client_id={self.client_id!r})"

    async def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> TokenSet:
        """The code is single-use: only a request that provably never left is repeated."""
        return await self._grant(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            secrets=(code, verifier),
            idempotent=False,
        )

    async def refresh(self, refresh_token: str) -> TokenSet:
        tokens = await self._grant(
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
            secrets=(refresh_token,),
            idempotent=True,
        )
        if tokens.refresh_token is None:  # LWA may omit it: the old one stays valid
            return TokenSet(tokens.access_token, refresh_token, tokens.expires_at, tokens.scope)
        return tokens

    async def revoke(self, token: str) -> str | None:
        """Revoke at the endpoint beside the token URL; None if done, else why it was not."""
        url = self.token_url.rsplit("/", 1)[0] + "/revoke"
        async with httpx.AsyncClient(timeout=self.timeout, verify=shared_ssl_context()) as http:
            try:
                response = await http.post(url, data={"token": token, **self._client_fields()})
            except httpx.HTTPError as exc:
                return f"{url} could not be reached ({type(exc).__name__})"
        if response.status_code != 200:
            return f"{url} answered {response.status_code}"
        return None

    def _client_fields(self) -> dict[str, str]:
        fields = {"client_id": self.client_id}
        if self.client_secret:
            fields["client_secret"] = self.client_secret
        return fields

    async def _grant(
        self, fields: dict[str, str], secrets: tuple[str, ...], *, idempotent: bool
    ) -> TokenSet:
        all_secrets = (*secrets, self.client_secret)
        deadline = time.monotonic() + self.policy.deadline
        tries = 0
        async with httpx.AsyncClient(timeout=self.timeout, verify=shared_ssl_context()) as http:
            while True:
                tries += 1
                started, t0 = datetime.now(UTC), time.perf_counter()
                response, failure, sent = await self._post(http, fields, all_secrets)
                outcome = Outcome(
                    response.status_code if response is not None else None,
                    sent,
                    retry_after=parse_retry_after(
                        response.headers.get("retry-after") if response is not None else None
                    ),
                )
                decision = decide(
                    outcome,
                    success=frozenset({200}),
                    attempt=tries,
                    policy=self.policy,
                    remaining=deadline - time.monotonic(),
                    refreshed=True,  # a 401 here is the client's credentials: final
                    idempotent=idempotent,
                    more_candidates=False,
                    rng=self._rng,
                )
                answered_id = request_id(response.headers) if response is not None else None
                self._report(
                    outcome.status, failure, tries, decision.describe(), started, t0, answered_id
                )
                if decision.action is not Action.RETRY:
                    break
                await self._sleep(decision.delay)
        if response is None:
            raise NetworkError(
                f"Could not reach the login service: {failure} ({_tries(tries)})",
                endpoint=self.token_url,
            )
        return self._token_set(response, all_secrets, tries)

    async def _post(
        self, http: httpx.AsyncClient, fields: dict[str, str], secrets: tuple[str | None, ...]
    ) -> tuple[httpx.Response | None, str | None, bool]:
        """One POST: the response, or what went wrong and whether the request left."""
        try:
            response = await http.post(
                self.token_url,
                data=fields | self._client_fields(),
                headers={"Accept": "application/json"},
            )
            await response.aread()
        except httpx.HTTPError as exc:
            sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            return None, redact(str(exc) or type(exc).__name__, *secrets), sent
        return response, None, True

    def _report(
        self,
        status: int | None,
        failure: str | None,
        tries: int,
        decision: str,
        started: datetime,
        t0: float,
        answered_id: str | None = None,
    ) -> None:
        attempt = Attempt(
            method="POST",
            url=self.token_url.split("?", 1)[0],
            status=status,
            elapsed_ms=(time.perf_counter() - t0) * 1000,
            attempt=tries,
            decision=decision,
            started_at=started,
            error=failure,
            request_id=answered_id,
        )
        for listener in self.listeners:
            listener(attempt)

    def _token_set(
        self, response: httpx.Response, secrets: tuple[str | None, ...], tries: int
    ) -> TokenSet:
        """The tokens of a 200, or the error a person can act on."""
        try:
            data = response.json()
        except ValueError:
            data = None
        status = response.status_code
        if status == 200 and isinstance(data, dict):
            return _token_set(data, self.token_url)
        common: dict[str, Any] = {"endpoint": self.token_url, "http_status": status}
        if status == 429:
            raise ThrottledError(f"The login service is throttling ({_tries(tries)})", **common)
        if status >= 500:
            raise ServerError(f"The login service failed with {status} ({_tries(tries)})", **common)
        error = data.get("error") if isinstance(data, dict) else None
        if status not in (400, 401) or not isinstance(error, str):
            raise ProtocolError(
                f"The login service answered {status}, not an OAuth answer",
                hint="Check the LWA token URL (SKILL_CONSOLE_LWA_TOKEN_URL or the profile).",
                **common,
            )
        text = data.get("error_description") if isinstance(data, dict) else None
        message = f"The login service refused the request ({error})"
        if isinstance(text, str):
            message += f": {redact(text, *secrets)}"
        raise AuthError(message, hint=_HINTS.get(error), code=error, **common)


def _tries(n: int) -> str:
    return f"after {n} attempt{'s' if n != 1 else ''}"


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
