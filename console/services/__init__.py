"""The use cases both faces call: one facade over the API client and its policies.

Owner: check, enable (the other stage is disabled by the service), disable. Customer:
find_endpoint, customer_status, link, unlink; customer_enable and customer_disable follow
ENABLING/DISABLING within the same deadline (see `customers`).
"""

from __future__ import annotations

from types import TracebackType

from console.api.client import ApiSettings, AttemptListener, SkillApiClient
from console.api.models import OperationResult, Stage
from console.api.regions import EndpointMemory
from console.api.tokens import TokenProvider
from console.services.customers import CustomerService, Progress

__all__ = ["ConsoleService", "CustomerService"]


class ConsoleService:
    """Owner and customer use cases over one reused HTTP client; close it when done."""

    def __init__(
        self,
        settings: ApiSettings,
        tokens: TokenProvider,
        *,
        on_attempt: AttemptListener | None = None,
        memory: EndpointMemory | None = None,
        poll_interval: float = 0.5,
    ) -> None:
        self.client = SkillApiClient(settings, tokens, on_attempt=on_attempt, memory=memory)
        self.customers = CustomerService(self.client, interval=poll_interval)

    async def check(self, skill_id: str, stage: str | Stage) -> OperationResult:
        return await self.client.get_enablement(skill_id, stage)

    async def enable(self, skill_id: str, stage: str | Stage) -> OperationResult:
        return await self.client.enable(skill_id, stage)

    async def disable(self, skill_id: str, stage: str | Stage) -> OperationResult:
        return await self.client.disable(skill_id, stage)

    async def find_endpoint(self) -> OperationResult:
        return await self.client.find_endpoint()

    async def customer_status(self, skill_id: str) -> OperationResult:
        return await self.client.customer_status(skill_id)

    async def link(
        self,
        skill_id: str,
        stage: str | Stage,
        auth_code: str,
        redirect_uri: str,
        code_verifier: str | None = None,
    ) -> OperationResult:
        return await self.client.link(skill_id, stage, auth_code, redirect_uri, code_verifier)

    async def unlink(self, skill_id: str) -> OperationResult:
        return await self.client.unlink(skill_id)

    async def customer_enable(
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
        """Link, and with `wait` follow ENABLING until it settles: one deadline for both."""
        return await self.customers.enable(
            skill_id,
            stage,
            auth_code,
            redirect_uri,
            code_verifier,
            wait=wait,
            on_progress=on_progress,
        )

    async def customer_disable(
        self, skill_id: str, *, wait: bool = True, on_progress: Progress | None = None
    ) -> OperationResult:
        """Unlink, and with `wait` read and follow DISABLING: one deadline for both."""
        return await self.customers.disable(skill_id, wait=wait, on_progress=on_progress)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> ConsoleService:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
