"""Owner use cases: check, enable and disable a skill stage for the developer account."""

from __future__ import annotations

from console.api.client import SkillApiClient
from console.api.models import OperationResult, Stage


class OwnerService:
    def __init__(self, client: SkillApiClient) -> None:
        self._client = client

    async def check(self, skill_id: str, stage: str | Stage) -> OperationResult:
        """ENABLED or NOT_ENABLED (a 404 is an answer here, not an error)."""
        return await self._client.get_enablement(skill_id, stage)

    async def enable(self, skill_id: str, stage: str | Stage) -> OperationResult:
        """Enable this stage; the service disables the other stage for this account."""
        return await self._client.enable(skill_id, stage)

    async def disable(self, skill_id: str, stage: str | Stage) -> OperationResult:
        return await self._client.disable(skill_id, stage)
