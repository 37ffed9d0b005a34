"""Fault injection: status codes with Retry-After, latency, dropped connections, bad bodies.

`drop` hangs up before the handler runs (nothing changes); `drop_response` runs the handler
(the state changes) and then hangs up without an answer, as a timeout after commit would.

A fault rule matches a route name (see `route_name`) and a listener (na, eu, fe, lwa, partner),
applies to the next `count` matching calls or to a `share` of them, and is applied by an ASGI
middleware in front of each listener. The book also keeps a journal of the calls it saw: which
fault each got and whether the real handler ran (a change was processed), for tests to check a
client against (e.g. that a non-idempotent request was never repeated after it was processed).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict, dataclass
from typing import Any

from starlette.requests import ClientDisconnect

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
TransportFinder = Callable[[Scope], Any]

JOURNAL_SIZE = 10_000
LISTENERS = ("na", "eu", "fe", "lwa", "partner", "*")
FAULT_STATUSES = frozenset({400, 401, 403, 404, 408, 429, 500, 502, 503, 504})

_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("PUT", r"/v1/skills/[^/]+/stages/[^/]+/enablement", "enable"),
    ("DELETE", r"/v1/skills/[^/]+/stages/[^/]+/enablement", "disable"),
    ("GET", r"/v1/skills/[^/]+/stages/[^/]+/enablement", "get-enablement"),
    ("GET", r"/v1/alexaApiEndpoint", "endpoint"),
    ("POST", r"/v1/users/~current/skills/[^/]+/enablement", "customer-enable"),
    ("GET", r"/v1/users/~current/skills/[^/]+/enablement", "customer-status"),
    ("DELETE", r"/v1/users/~current/skills/[^/]+/enablement", "customer-disable"),
    ("*", r"/ap/oa", "authorize"),
    ("POST", r"/auth/[oO]2/token", "token"),
    ("POST", r"/auth/[oO]2/revoke", "revoke"),
    ("GET", r"/user/profile", "profile"),
    ("GET", r"/oauth/authorize", "partner-authorize"),
    ("POST", r"/oauth/token", "partner-token"),
)
ROUTE_NAMES = frozenset(name for _, _, name in _ROUTES) | {"*"}


def route_name(method: str, path: str) -> str | None:
    """The fault-injection name of a request, or None for routes faults never touch."""
    for want, pattern, name in _ROUTES:
        if (want in ("*", method)) and re.fullmatch(pattern, path):
            return name
    return None


@dataclass
class FaultRule:
    route: str = "*"
    region: str = "*"
    status: int | None = None
    retry_after: str | None = None
    latency: float = 0.0
    drop: bool = False
    drop_response: bool = False
    malformed: bool = False
    truncated: bool = False
    count: int | None = 1  # None with share set: every matching call, by chance
    share: float | None = None
    hits: int = 0

    def validate(self) -> None:
        if self.route not in ROUTE_NAMES:
            raise ValueError(f"unknown route {self.route!r}; one of {sorted(ROUTE_NAMES)}")
        if self.region not in LISTENERS:
            raise ValueError(f"unknown region {self.region!r}; one of {list(LISTENERS)}")
        if self.status is not None and self.status not in FAULT_STATUSES:
            raise ValueError(f"status must be one of {sorted(FAULT_STATUSES)}")
        if not 0 <= self.latency <= 120:
            raise ValueError("latency must be between 0 and 120 seconds")
        if self.share is not None and not 0 < self.share <= 1:
            raise ValueError("share must be in (0, 1]")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")
        self._check_effects()

    def _check_effects(self) -> None:
        """At least one effect; drop_response goes with latency only (others replace the answer)."""
        answers = (self.drop, self.status, self.malformed, self.truncated)
        if self.drop_response and any(answers):
            raise ValueError(
                "drop_response cannot be combined with drop, status, malformed or truncated"
            )
        if not any((*answers, self.latency, self.drop_response)):
            raise ValueError(
                "a fault needs status, latency, drop, drop_response, malformed or truncated"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def effect(self) -> str:
        """A short name of what this rule does to a call, for the journal."""
        parts = [f"{self.status}" if self.status else ""]
        parts += [
            n for n in ("drop", "drop_response", "malformed", "truncated") if getattr(self, n)
        ]
        if self.latency:
            parts.append(f"latency {self.latency:g} s")
        return "+".join(p for p in parts if p)


@dataclass
class JournalEntry:
    """One call a listener saw: its route, listener, the fault applied and if the handler ran."""

    route: str
    region: str
    fault: str | None
    handled: bool = False


class FaultBook:
    """The active rules; thread-safe because admin calls come from other threads too."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._rng = rng or random.Random()
        self._journal: deque[JournalEntry] = deque(maxlen=JOURNAL_SIZE)  # a bounded memory

    def add(self, rule: FaultRule) -> None:
        rule.validate()
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._journal.clear()

    def note(self, route: str, region: str, rule: FaultRule | None) -> JournalEntry:
        entry = JournalEntry(route, region, rule.effect() if rule else None)
        with self._lock:
            self._journal.append(entry)
        return entry

    def journal(self) -> list[dict[str, Any]]:
        """Every routed call since the last clear, oldest first."""
        with self._lock:
            return [asdict(e) for e in self._journal]

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.to_dict() for r in self._rules]

    def take(self, route: str, region: str) -> FaultRule | None:
        """The rule that applies to this call (consuming one of its count), if any."""
        with self._lock:
            for rule in self._rules:
                if rule.route not in ("*", route) or rule.region not in ("*", region):
                    continue
                if rule.share is not None and self._rng.random() >= rule.share:
                    continue
                rule.hits += 1
                if rule.count is not None and rule.hits >= rule.count:
                    self._rules.remove(rule)
                return rule
        return None


class FaultMiddleware:
    """Applies the first matching fault before (or instead of) the real handler."""

    def __init__(
        self, app: ASGIApp, book: FaultBook, region: str, find_transport: TransportFinder
    ) -> None:
        self.app = app
        self.book = book
        self.region = region
        self.find_transport = find_transport
        self.active = 0  # requests inside this listener now; read by SandboxServer.in_flight()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.active += 1
        try:
            await self._handle(scope, receive, send)
        except ClientDisconnect:
            pass  # the client hung up mid-body: there is no one to answer and nothing to log
        finally:
            self.active -= 1

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = route_name(scope["method"], scope["path"])
        rule = self.book.take(name, self.region) if name else None
        entry = self.book.note(name, self.region, rule) if name else None
        app = self.app

        async def handler(scope: Scope, receive: Receive, send: Send) -> None:
            if entry is not None:
                entry.handled = True
            await app(scope, receive, send)

        if rule is None:
            await handler(scope, receive, send)
            return
        if rule.latency:
            replay = await _sit_out(rule.latency, receive)
            if replay is None:
                return  # the client gave up during the latency: the handler never runs
            receive = replay
        if rule.drop:
            self._abort(scope)
            return
        if rule.drop_response:
            await handler(scope, receive, _discard)  # the handler's changes stand
            self._abort(scope)
            return
        if rule.status is not None:
            await self._send_status(send, rule)
            return
        if rule.malformed:
            await _send(send, 200, b'{"endpoints": ["https://api.amazonalexa.com", ', True)
            return
        if rule.truncated:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
                }
            )
            await send(
                {"type": "http.response.body", "body": b'{"status": "ENAB', "more_body": True}
            )
            self._abort(scope)
            return
        await handler(scope, receive, send)

    def _abort(self, scope: Scope) -> None:
        transport = self.find_transport(scope)
        if transport is not None:
            transport.abort()

    async def _send_status(self, send: Send, rule: FaultRule) -> None:
        status = rule.status or 500
        body = json.dumps(fault_body(status)).encode()
        headers = [(b"retry-after", rule.retry_after.encode())] if rule.retry_after else []
        await _send(send, status, body, extra=headers)


def fault_body(status: int) -> dict[str, Any]:
    """An injected answer in Amazon's shapes: BadRequestError for 400/403 (message and
    violations), StandardizedError (code and message) for every other status."""
    if status in (400, 403):
        return {
            "message": "Injected fault.",
            "violations": [{"code": "INJECTED_FAULT", "message": f"Injected {status} answer."}],
        }
    messages = {
        429: ("Rate exceeded.", "TOO_MANY_REQUESTS"),
        500: ("Internal server error.", "INTERNAL_ERROR"),
        503: ("Service unavailable.", "SERVICE_UNAVAILABLE"),
    }
    message, code = messages.get(status, ("Injected fault.", "INJECTED_FAULT"))
    return {"code": code, "message": message}


async def _sit_out(latency: float, receive: Receive) -> Receive | None:
    """Read the whole body, then wait `latency` seconds or until the client hangs up.

    The body is read first so that a client giving up during the wait is noticed at once and the
    request ends here, before the handler (no state change, no ClientDisconnect traceback).
    Returns a `receive` that replays the body to the handler, or None if the client is gone.
    """
    body = await _read_body(receive)
    if body is None:
        return None
    hang_up = asyncio.ensure_future(_until_disconnect(receive))
    try:
        done, _ = await asyncio.wait({hang_up}, timeout=latency)
    finally:
        hang_up.cancel()  # no-op when it finished; otherwise stops listening for the hang-up
    return None if done else _replay(body, receive)


async def _read_body(receive: Receive) -> list[Message] | None:
    """Every http.request message up to the last one, or None if the client disconnects first."""
    messages: list[Message] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        messages.append(message)
        if not message.get("more_body", False):
            return messages


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _discard(message: Message) -> None:
    """A `send` that loses the handler's response: drop_response answers nothing."""


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that hands out the buffered body, then defers to the server's own."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


async def _send(
    send: Send, status: int, body: bytes, json_type: bool = True, extra: list[Any] | None = None
) -> None:
    headers = [(b"content-type", b"application/json" if json_type else b"text/plain")]
    headers += [(b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
