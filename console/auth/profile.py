"""Who signed in: Login with Amazon's customer profile (`profile` scope, GET /user/profile).

The customer scope (`alexa::skills:account_linking`) says nothing about who the customer is, and
operation 6's `user.id` is a per-skill id that may change; LWA's profile gives the name and email
of the Amazon account that consented. It is fetched once after a customer login and kept with
the login in the keychain. Its answer is personal data: it never reaches a log, an exception,
a settings file or the history — only the activity log's line that a GET was made.

A profile that cannot be had (scope not granted, an error, a timeout) is not a failed sign-in:
the login stands, and `Customer.missing` says why the name is not known.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from console.api.models import Attempt, AttemptListener
from console.api.redact import redact

__all__ = [
    "NOT_ASKED",
    "PROFILE_SCOPE",
    "Customer",
    "customer_words",
    "elide",
    "fetch_customer",
    "profile_url",
    "who_line",
]

PROFILE_SCOPE = "profile"
PROFILE_PATH = "/user/profile"
NOT_ASKED = "signed in before the console asked for it; log in again to see it"


def profile_url(token_url: str) -> str:
    """The profile endpoint on the token URL's host: https://api.amazon.com/auth/o2/token ->
    https://api.amazon.com/user/profile (api.amazon.co.uk, .co.jp and a sandbox likewise)."""
    parts = urlsplit(token_url.strip())
    return f"{parts.scheme}://{parts.netloc}{PROFILE_PATH}"


def elide(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis (the full text goes in a tooltip)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


@dataclass(frozen=True)
class Customer:
    """The signed-in customer as LWA's profile told it, or why that is not known."""

    name: str | None = None
    email: str | None = None
    user_id: str | None = None  # LWA's id of the Amazon account (not operation 6's user.id)
    missing: str | None = None  # why Amazon did not share the name (None: it did)

    def __repr__(self) -> str:  # personal data never reaches a traceback or a log line
        return "Customer(known)" if self.known else f"Customer(missing={self.missing!r})"

    @property
    def known(self) -> bool:
        return bool(self.name or self.email)

    def who(self, limit: int | None = None) -> str:
        """Name and email ("Jane Doe <jane@example.com>"), each elided to `limit`; "" if unknown."""
        name, email = self.name or "", self.email or ""
        if limit is not None:
            name, email = elide(name, limit), elide(email, limit)
        if name and email:
            return f"{name} <{email}>"
        return name or email

    def describe(self, limit: int | None = None) -> str:
        """Who, or plainly why not (for the account bar, the login pane and skillctl)."""
        if self.known:
            return self.who(limit)
        why = self.missing or "no reason given"
        return f"Amazon did not share the customer's name: {why}"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "email": self.email,
            "user_id": self.user_id,
            "missing": self.missing,
        }

    @classmethod
    def from_dict(cls, data: object) -> Customer | None:
        if not isinstance(data, dict):
            return None
        fields = {k: data.get(k) for k in ("name", "email", "user_id", "missing")}
        return cls(**{k: v if isinstance(v, str) and v else None for k, v in fields.items()})


def customer_words(customer: Customer | None, limit: int | None = None) -> str:
    """Who a stored customer login is, for people; a login stored before this was asked
    for says so."""
    if customer is None:
        return f"name not known ({NOT_ASKED})"
    return customer.describe(limit)


def who_line(customer: Customer | None, limit: int | None = None) -> str:
    """`Customer: Jane Doe <jane@example.com>`, or plainly that the customer signed in and
    why the name is not known (the account bar, the login pane)."""
    if customer is not None and customer.known:
        return f"Customer: {customer.who(limit)}"
    return f"Customer — signed in; {customer_words(customer)}"


async def fetch_customer(
    token_url: str,
    access_token: str,
    *,
    request_timeout: float = 15.0,
    listeners: list[AttemptListener] | None = None,
) -> Customer:
    """One GET of the profile, over within `request_timeout` as a whole (the sign-in waits
    for it); never raises for what the service or the network did."""
    import asyncio

    import httpx

    from console.api.tls import shared_ssl_context

    url = profile_url(token_url)
    started, t0 = datetime.now(UTC), time.perf_counter()
    status: int | None = None
    failure: str | None = None
    body: Any = None
    kind = ""
    try:
        # httpx's timeout is per connect, write and read: an answer that trickles in a byte at
        # a time would hold the sign-in for as long as it lasts. This bounds the whole GET.
        async with asyncio.timeout(request_timeout):
            async with httpx.AsyncClient(
                timeout=request_timeout, verify=shared_ssl_context()
            ) as http:
                response = await http.get(
                    url,
                    headers={
                        "Authorization": f"Bearer {access_token}",
                        "Accept": "application/json",
                    },
                )
                status = response.status_code
                try:
                    body = response.json()
                except ValueError:
                    body = None
    except httpx.HTTPError as exc:
        failure = redact(str(exc) or type(exc).__name__, access_token)
        kind = type(exc).__name__
    except TimeoutError:
        status, failure = None, f"no complete answer within {request_timeout:g} s"
        kind = "timed out"
    attempt = Attempt(
        method="GET",
        url=url,
        status=status,
        elapsed_ms=(time.perf_counter() - t0) * 1000,
        attempt=1,
        decision="done" if status == 200 else "give up (the sign-in stands)",
        started_at=started,
        error=failure,
    )
    for listener in listeners or ():
        listener(attempt)
    if status is None:
        return Customer(missing=f"the profile could not be fetched ({kind})")
    return _customer(status, body, access_token)


def _customer(status: int, body: Any, access_token: str) -> Customer:
    """The profile of a 200, or why there is none (LWA's OAuth error, told briefly)."""
    if status == 200 and isinstance(body, dict):
        name, email, user_id = (body.get(k) for k in ("name", "email", "user_id"))
        customer = Customer(
            name=name if isinstance(name, str) and name.strip() else None,
            email=email if isinstance(email, str) and email.strip() else None,
            user_id=user_id if isinstance(user_id, str) and user_id else None,
        )
        if customer.known:
            return customer
        return Customer(user_id=customer.user_id, missing="the profile held no name or email")
    if status == 200:
        return Customer(missing="the profile answer was not readable")
    error = body.get("error") if isinstance(body, dict) else None
    if status == 403 or error == "insufficient_scope":
        return Customer(
            missing=f"the 'profile' permission was not granted ({status}"
            + (f" {error})" if isinstance(error, str) else ")")
        )
    said = f" {redact(error, access_token)}" if isinstance(error, str) else ""
    return Customer(missing=f"the profile request was refused ({status}{said})")
