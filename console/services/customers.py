"""Customer use case beyond single calls: follow ENABLING/DISABLING until it settles."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable

from console.api.client import SkillApiClient
from console.api.models import TRANSITIONAL_STATES, OperationResult


class CustomerService:
    def __init__(
        self,
        client: SkillApiClient,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._sleep = sleep

    async def follow(
        self,
        first: OperationResult,
        *,
        interval: float = 1.0,
        limit: int = 60,
        on_progress: Callable[[OperationResult], None] | None = None,
        within: float | None = None,
    ) -> OperationResult:
        """Poll status while the state is ENABLING/DISABLING; returns the final (or last) one.

        At most `limit` polls, and none after `within` seconds from now. Attempts of every
        poll are appended so the caller sees the whole story.
        """
        current = first
        attempts = list(first.attempts)
        ends = time.monotonic() + within if within is not None else None
        for _ in range(limit):
            if current.state not in TRANSITIONAL_STATES or current.skill_id is None:
                break
            left = ends - time.monotonic() if ends is not None else None
            if left is not None and left <= interval:
                break
            await self._sleep(interval)
            try:
                async with asyncio.timeout(left - interval if left is not None else None):
                    current = await self._client.customer_status(current.skill_id)
            except TimeoutError:
                break  # out of time: the last state read is the answer, still transitional
            attempts.extend(current.attempts)
            if on_progress:
                on_progress(current)
        return dataclasses.replace(current, operation=first.operation, attempts=tuple(attempts))
