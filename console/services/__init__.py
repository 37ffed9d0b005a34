"""The use cases both faces call: one facade over the API client and its policies.

Owner: check, enable (the other stage is disabled by the service), disable. Customer:
find_endpoint, customer_status, link, unlink; customer_enable and customer_disable follow
ENABLING/DISABLING within the same deadline (see `customers`).
"""

from __future__ import annotations

from types import TracebackType

from console.api.client import ApiSettings, AttemptListener, RequestLimiter, SkillApiClient
from console.api.models import OperationResult, Stage
from console.api.regions import EndpointMemory, region_of
from console.api.tokens import TokenProvider
from console.services.customers import CustomerService, Progress
from console.services.history import History, recorded

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
        limiter: RequestLimiter | None = None,
        history: History | None = None,
        profile: str = "default",
        kind: str | None = None,
    ) -> None:
        self.client = SkillApiClient(
            settings, tokens, on_attempt=on_attempt, memory=memory, limiter=limiter
        )
        self.customers = CustomerService(self.client, interval=poll_interval)
        self.history = history  # each public use case below records its outcome here
        self.profile = profile
        self.kind = kind  # login kind (developer, customer), as history records it

    def region_of(self, endpoint: str | None) -> str | None:
        """The region (na, eu, fe) whose configured base URL is `endpoint`, if any."""
        region = region_of(endpoint, self.client.settings.endpoints) if endpoint else None
        return region.value if region else None

    @recorded("status")
    async def check(self, skill_id: str, stage: str | Stage) -> OperationResult:
        return await self.client.get_enablement(skill_id, stage)

    @recorded("enable")
    async def enable(self, skill_id: str, stage: str | Stage) -> OperationResult:
        return await self.client.enable(skill_id, stage)

    @recorded("disable")
    async def disable(self, skill_id: str, stage: str | Stage) -> OperationResult:
        return await self.client.disable(skill_id, stage)

    @recorded("customer-endpoint")
    async def find_endpoint(self) -> OperationResult:
        return await self.client.find_endpoint()

    @recorded("customer-status")
    async def customer_status(self, skill_id: str) -> OperationResult:
        return await self.client.customer_status(skill_id)

    @recorded("customer-enable")
    async def link(
        self,
        skill_id: str,
        stage: str | Stage,
        auth_code: str,
        redirect_uri: str,
        code_verifier: str | None = None,
    ) -> OperationResult:
        return await self.client.link(skill_id, stage, auth_code, redirect_uri, code_verifier)

    @recorded("customer-disable")
    async def unlink(self, skill_id: str) -> OperationResult:
        return await self.client.unlink(skill_id)

    @recorded("customer-enable")
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

    @recorded("customer-disable")
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
