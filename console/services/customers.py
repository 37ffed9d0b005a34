"""Customer use case beyond single calls: follow ENABLING/DISABLING until it settles."""

from __future__ import annotations

import asyncio
import dataclasses
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
    ) -> OperationResult:
        """Poll status while the state is ENABLING/DISABLING; returns the final (or last) one.

        Attempts of every poll are appended so the caller sees the whole story.
        """
        current = first
        attempts = list(first.attempts)
        for _ in range(limit):
            if current.state not in TRANSITIONAL_STATES or current.skill_id is None:
                break
            await self._sleep(interval)
            current = await self._client.customer_status(current.skill_id)
            attempts.extend(current.attempts)
            if on_progress:
                on_progress(current)
        return dataclasses.replace(current, operation=first.operation, attempts=tuple(attempts))
