"""A client for the sandbox's admin routes (/__admin/...): faults, reset, clock, config.

Written against the documented HTTP routes only (README "Sandbox reference"): the sandbox
package stays independent of client code, and this module imports nothing from it. Every
failure is a `ConsoleError` whose message names the admin address and says what to do.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import httpx

from console.api.errors import NetworkError, ProtocolError, RefusedError
from console.api.tls import shared_ssl_context

__all__ = [
    "FAULT_ROUTES",
    "FAULT_TARGETS",
    "ActiveFault",
    "FaultSpec",
    "SandboxAdmin",
]

TIMEOUT = 5.0
# Route names the sandbox's fault injection knows, with what a person calls them.
FAULT_ROUTES: dict[str, str] = {
    "*": "every route",
    "get-enablement": "owner: read enablement",
    "enable": "owner: enable",
    "disable": "owner: disable",
    "endpoint": "customer: find endpoint",
    "customer-status": "customer: status",
    "customer-enable": "customer: enable + link",
    "customer-disable": "customer: disable",
    "token": "Login with Amazon: token",
    "revoke": "Login with Amazon: revoke",
    "profile": "Login with Amazon: customer profile",
    "partner-token": "partner: token",
}
# Listeners a fault can be limited to ("lwa" is the hub's Login with Amazon).
FAULT_TARGETS: dict[str, str] = {
    "*": "any listener",
    "na": "NA endpoint",
    "eu": "EU endpoint",
    "fe": "FE endpoint",
    "lwa": "Login with Amazon",
    "partner": "partner",
}


class FaultSpec(NamedTuple):
    """One fault to inject (the fields of POST /__admin/faults that the panel offers)."""

    route: str = "*"
    region: str = "*"
    status: int | None = None
    retry_after: str | None = None
    latency: float | None = None
    drop: bool = False
    drop_response: bool = False
    times: int = 1  # the next N matching calls (the sandbox's `count`)

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"route": self.route, "region": self.region, "count": self.times}
        if self.status is not None:
            body["status"] = self.status
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        if self.latency:
            body["latency"] = self.latency
        if self.drop:
            body["drop"] = True
        if self.drop_response:
            body["drop_response"] = True
        return body


class ActiveFault(NamedTuple):
    """A rule the sandbox still holds: what it does, where, and how many calls are left."""

    route: str
    region: str
    effect: str
    remaining: int | None  # None: applies to a share of calls, until cleared

    def describe(self) -> str:
        where = FAULT_ROUTES.get(self.route, self.route)
        target = "" if self.region == "*" else f" on {FAULT_TARGETS.get(self.region, self.region)}"
        left = (
            "until cleared"
            if self.remaining is None
            else f"{self.remaining} more call{'s' if self.remaining != 1 else ''}"
        )
        return f"{self.effect} — {where}{target}, {left}"


def describe_effect(rule: dict[str, Any]) -> str:
    """'503 (Retry-After 2)', 'latency 3 s', 'drop', … from a rule as the sandbox lists it."""
    parts: list[str] = []
    if rule.get("status"):
        retry = f" (Retry-After {rule['retry_after']})" if rule.get("retry_after") else ""
        parts.append(f"{rule['status']}{retry}")
    for flag, text in (
        ("drop", "drop the connection"),
        ("drop_response", "drop the answer (after the change)"),
        ("malformed", "malformed body"),
        ("truncated", "truncated body"),
    ):
        if rule.get(flag):
            parts.append(text)
    if rule.get("latency"):
        parts.append(f"latency {float(rule['latency']):g} s")
    return " + ".join(parts) or "fault"


def _active(rule: dict[str, Any]) -> ActiveFault:
    count, hits = rule.get("count"), int(rule.get("hits") or 0)
    remaining = None if count is None else max(0, int(count) - hits)
    return ActiveFault(
        str(rule.get("route", "*")), str(rule.get("region", "*")), describe_effect(rule), remaining
    )


class SandboxAdmin:
    """Async calls to one sandbox's admin routes; `admin_url` is its `…/__admin` address."""

    def __init__(self, admin_url: str, *, timeout: float = TIMEOUT) -> None:
        self.admin_url = admin_url.rstrip("/")
        # Loopback: no proxy. The shared TLS context spares the UI thread ~20 ms.
        self._http = httpx.AsyncClient(
            timeout=timeout, trust_env=False, verify=shared_ssl_context()
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.admin_url}/{path}"
        try:
            response = await self._http.request(method, url, json=body)
        except httpx.HTTPError as exc:
            raise NetworkError(
                f"The sandbox's admin address did not answer ({type(exc).__name__})",
                hint="Is the sandbox still running? Restart the app with --sandbox.",
                endpoint=url,
            ) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            said = data.get("message") if isinstance(data, dict) else None
            raise RefusedError(
                f"The sandbox refused this: {said or f'status {response.status_code}'}",
                hint="Change the values and try again.",
                endpoint=url,
                http_status=response.status_code,
            )
        if not isinstance(data, dict):
            raise ProtocolError("The sandbox's admin answer was not JSON", endpoint=url)
        return data

    async def faults(self) -> list[ActiveFault]:
        """The faults still waiting for calls."""
        return _fault_list(await self._call("GET", "faults"))

    async def add_fault(self, spec: FaultSpec) -> list[ActiveFault]:
        """Inject one fault; returns every active fault."""
        return _fault_list(await self._call("POST", "faults", spec.to_json()))

    async def clear_faults(self) -> list[ActiveFault]:
        return _fault_list(await self._call("DELETE", "faults"))

    async def reset(self) -> None:
        """The seed state again: enablements, links, logins, clock, config and faults."""
        await self._call("POST", "reset")

    async def clock(self) -> float:
        """The sandbox's clock (Unix seconds)."""
        return _number(await self._call("GET", "clock"), "now")

    async def advance_clock(self, seconds: float) -> float:
        """Move the sandbox's clock forward (codes, tokens and transitions expire); the new time."""
        return _number(await self._call("POST", "clock", {"advance": seconds}), "now")

    async def rotation(self) -> bool:
        """Whether each token refresh hands out a new refresh token."""
        return bool((await self._call("GET", "config")).get("rotate_refresh_tokens"))

    async def set_rotation(self, on: bool) -> bool:
        data = await self._call("POST", "config", {"rotate_refresh_tokens": on})
        return bool(data.get("rotate_refresh_tokens"))


def _fault_list(data: dict[str, Any]) -> list[ActiveFault]:
    rules = data.get("faults")
    if not isinstance(rules, list):
        raise ProtocolError("The sandbox's fault list was not a list")
    return [_active(rule) for rule in rules if isinstance(rule, dict)]


def _number(data: dict[str, Any], name: str) -> float:
    value = data.get(name)
    if not isinstance(value, int | float):
        raise ProtocolError(f"The sandbox's answer had no {name!r}")
    return float(value)
