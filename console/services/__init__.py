"""The use cases both faces call: one facade over the API client and its policies."""

from __future__ import annotations

from types import TracebackType

from console.api.client import ApiSettings, AttemptListener, SkillApiClient
from console.api.models import OperationResult, Stage
from console.api.regions import EndpointMemory
from console.api.tokens import TokenProvider
from console.services.customers import CustomerService
from console.services.enablement import OwnerService

__all__ = ["ConsoleService", "CustomerService", "OwnerService"]


class ConsoleService:
    """Owner and customer use cases over one reused HTTP client; close it when done."""

    def __init__(
        self,
        settings: ApiSettings,
        tokens: TokenProvider,
        *,
        on_attempt: AttemptListener | None = None,
        memory: EndpointMemory | None = None,
    ) -> None:
        self.client = SkillApiClient(settings, tokens, on_attempt=on_attempt, memory=memory)
        self.owner = OwnerService(self.client)
        self.customers = CustomerService(self.client)

    async def check(self, skill_id: str, stage: str | Stage) -> OperationResult:
        return await self.owner.check(skill_id, stage)

    async def enable(self, skill_id: str, stage: str | Stage) -> OperationResult:
        return await self.owner.enable(skill_id, stage)

    async def disable(self, skill_id: str, stage: str | Stage) -> OperationResult:
        return await self.owner.disable(skill_id, stage)

    async def find_endpoint(self) -> OperationResult:
        return await self.customers.find_endpoint()

    async def customer_status(self, skill_id: str) -> OperationResult:
        return await self.customers.status(skill_id)

    async def link(
        self,
        skill_id: str,
        stage: str | Stage,
        auth_code: str,
        redirect_uri: str,
        code_verifier: str | None = None,
    ) -> OperationResult:
        return await self.customers.link(skill_id, stage, auth_code, redirect_uri, code_verifier)

    async def unlink(self, skill_id: str) -> OperationResult:
        return await self.customers.unlink(skill_id)

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
