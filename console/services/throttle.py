"""A shared, throttle-aware limiter per endpoint: after a 429 every task slows down together.

The API client awaits `before(base)` before each send and calls `after(base, status,
retry_after)` with each outcome. A 429 closes the endpoint's gate until its `Retry-After` has
passed (or a growing pause when there is none) and drops the number of requests allowed in
flight to one; each answer that is not a 429 then widens that window by one, back up to the
ceiling (slow start). So a throttled API sees one request at a time after a 429, not every task
retrying on its own.

The clock and the sleep are parameters, so the policy is tested without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["Limiter", "LimiterStats"]

FIRST_PAUSE = 1.0  # seconds after a 429 without Retry-After; doubles while 429s continue
MAX_PAUSE = 30.0
UNBOUNDED_RAMP = 64  # without a ceiling, the window is lifted once it reaches this


@dataclass
class LimiterStats:
    """What one endpoint's limiter saw; the benchmark and the tests read it."""

    sent: int = 0
    throttled: int = 0
    pauses: int = 0
    paused_s: float = 0.0


@dataclass
class _Endpoint:
    window: int | None  # requests allowed in flight; None: only the caller's own bound
    in_flight: int = 0
    paused_until: float = 0.0
    pause: float = FIRST_PAUSE  # the next pause when the server names none
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    stats: LimiterStats = field(default_factory=LimiterStats)


class Limiter:
    """One per run (or per app), shared by every task that talks to the same endpoints."""

    def __init__(
        self,
        ceiling: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.ceiling = ceiling
        self._clock = clock
        self._sleep = sleep
        self._endpoints: dict[str, _Endpoint] = {}

    def _get(self, base: str) -> _Endpoint:
        key = base.rstrip("/")
        if key not in self._endpoints:
            self._endpoints[key] = _Endpoint(window=self.ceiling)
        return self._endpoints[key]

    def stats(self, base: str) -> LimiterStats:
        return self._get(base).stats

    def window(self, base: str) -> int | None:
        return self._get(base).window

    def paused_for(self, base: str) -> float:
        """Seconds until the endpoint's gate opens again (0 when open)."""
        return max(0.0, self._get(base).paused_until - self._clock())

    async def before(self, base: str) -> None:
        """Wait until the endpoint is not paused and has room in its window, then take a slot."""
        state = self._get(base)
        while True:
            wait = state.paused_until - self._clock()
            if wait > 0:
                await self._sleep(wait)
                continue
            if state.window is None or state.in_flight < state.window:
                state.in_flight += 1
                state.stats.sent += 1
                return
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            state.waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in state.waiters:
                    state.waiters.remove(waiter)
                self._wake(state)  # a slot it was woken for goes to the next waiter
                raise
            if waiter in state.waiters:
                state.waiters.remove(waiter)

    def after(self, base: str, status: int | None, retry_after: float | None = None) -> None:
        """Give the slot back and learn from the outcome (None: no answer arrived)."""
        state = self._get(base)
        state.in_flight = max(0, state.in_flight - 1)
        now = self._clock()
        if status == 429:
            state.stats.throttled += 1
            pause = retry_after if retry_after is not None else state.pause
            if now >= state.paused_until:  # the first 429 of a pause narrows the window once
                state.stats.pauses += 1
                state.window = 1
                state.pause = min(MAX_PAUSE, state.pause * 2)
            until = now + pause
            if until > state.paused_until:
                state.stats.paused_s += until - max(now, state.paused_until)
                state.paused_until = until
        elif status is not None:
            state.pause = FIRST_PAUSE
            if state.window is not None:
                state.window += 1  # one more per answer: the window doubles each round
                if state.window >= (self.ceiling or UNBOUNDED_RAMP):
                    state.window = self.ceiling
        self._wake(state)

    def _wake(self, state: _Endpoint) -> None:
        """Let waiters re-check; they take free slots in the order they came."""
        room = (
            len(state.waiters) if state.window is None else max(0, state.window - state.in_flight)
        )
        for waiter in state.waiters[:room]:
            if not waiter.done():
                waiter.set_result(None)
