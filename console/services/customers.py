"""Customer use cases beyond single calls: a change, then following it until Alexa settles.

The change and its follow-up share one deadline. A follow-up read is optional: when it fails,
the change's own answer stands and the trouble becomes a note (it never turns a success into
a failure). An answered read is reported as it is, e.g. DISABLING_FAILED.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable

from console.api.client import SkillApiClient
from console.api.errors import ConsoleError, NotFoundError
from console.api.models import TRANSITIONAL_STATES, OperationResult, Stage

Progress = Callable[[OperationResult], None]


class CustomerService:
    def __init__(
        self,
        client: SkillApiClient,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        *,
        interval: float = 0.5,
    ) -> None:
        self._client = client
        self._sleep = sleep
        self.interval = interval  # seconds between status reads while following

    def _deadline(self) -> float:
        return time.monotonic() + self._client.settings.policy.deadline

    async def enable(
        self,
        skill_id: str,
        stage: str | Stage,
        auth_code: str,
        redirect_uri: str,
        code_verifier: str | None = None,
        *,
        wait: bool = True,
        on_progress: Progress | None = None,
    ) -> OperationResult:
        """Operation 5, then (with `wait`) follow ENABLING, all within one deadline."""
        deadline_at = self._deadline()
        first = await self._client.link(
            skill_id, stage, auth_code, redirect_uri, code_verifier, deadline_at=deadline_at
        )
        if not wait:
            return first
        return await self.settle(first, deadline_at=deadline_at, on_progress=on_progress)

    async def status(
        self, skill_id: str, *, wait: bool = True, on_progress: Progress | None = None
    ) -> OperationResult:
        """Operation 6, and with `wait` follow ENABLING/DISABLING; one deadline for both."""
        deadline_at = self._deadline()
        first = await self._client.customer_status(skill_id, deadline_at=deadline_at)
        if not wait:
            return first
        return await self.settle(first, deadline_at=deadline_at, on_progress=on_progress)

    async def disable(
        self, skill_id: str, *, wait: bool = True, on_progress: Progress | None = None
    ) -> OperationResult:
        """Operation 7, then (with `wait`) a status read, following DISABLING; one deadline."""
        deadline_at = self._deadline()
        first = await self._client.unlink(skill_id, deadline_at=deadline_at)
        if not wait:
            return first
        return await self.settle(
            first, deadline_at=deadline_at, on_progress=on_progress, confirm=True
        )

    async def settle(
        self,
        first: OperationResult,
        *,
        deadline_at: float,
        on_progress: Progress | None = None,
        confirm: bool = False,
    ) -> OperationResult:
        """Read the status while it is ENABLING/DISABLING (or once, with `confirm`).

        Stops at `deadline_at`; the last state read is then the answer. A read that fails
        ends the follow: the last answer stands, `verified` is False and a note says why.
        """
        current, attempts, notes = first, list(first.attempts), list(first.notes)
        verified = True
        read_once = not confirm
        while current.skill_id is not None and (
            current.state in TRANSITIONAL_STATES or not read_once
        ):
            pause = self.interval if read_once else 0.0
            if deadline_at - time.monotonic() <= pause:
                break  # no time for another read: the last state read is the answer
            if on_progress and read_once:
                on_progress(current)
            await self._sleep(pause)
            read_once = True
            try:
                read = await self._client.customer_status(current.skill_id, deadline_at=deadline_at)
            except NotFoundError as error:
                # Operation 6's 404 is Alexa's "not enabled" (NO_ASSOCIATION is exactly a 404):
                # an answer to report, not trouble with the read.
                attempts.extend(error.attempts)
                current = dataclasses.replace(
                    current, state="NO_ASSOCIATION", account_link=None, stage=None
                )
                break
            except ConsoleError as error:
                attempts.extend(error.attempts)
                if time.monotonic() < deadline_at:  # trouble, not merely the time running out
                    verified = False
                    notes.append(
                        f"{current.state} was the last answer: the status read that followed "
                        f"failed ({error.message}). Check again with 'skillctl customer "
                        f"status {current.skill_id}' (Check in the app)."
                    )
                break
            attempts.extend(read.attempts)
            current = read
        return dataclasses.replace(
            current,
            operation=first.operation,
            attempts=tuple(attempts),
            notes=tuple(notes),
            verified=verified,
        )
