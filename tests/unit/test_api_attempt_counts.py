"""A token refresh does not use up an attempt of the request, nor count in its message."""

from __future__ import annotations

import httpx
import pytest

from console.api.client import ApiSettings, SkillApiClient
from console.api.errors import ServerError
from console.api.models import AttemptListener, Region
from console.api.retry import RetryPolicy

SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"


class _Tokens:
    """ "old" until refreshed, then "new"."""

    def __init__(self) -> None:
        self.token = "old"

    async def access_token(self) -> str:
        return self.token

    async def refresh(self, rejected: str) -> str:
        self.token = "new"
        return self.token

    def identity(self) -> str:
        return "test"

    def add_listener(self, listener: AttemptListener) -> None:
        """No login service here."""


@pytest.mark.asyncio
async def test_a_refresh_is_not_an_attempt() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == "Bearer old":
            return httpx.Response(401, json={"message": "expired"})
        return httpx.Response(503, json={"message": "down"})

    settings = ApiSettings(
        endpoints={Region.NA: "https://na.test", Region.EU: "https://eu.test"},
        policy=RetryPolicy(base=0.0, cap=0.0, max_attempts=3, deadline=5.0),
    )
    client = SkillApiClient(settings, _Tokens(), transport=httpx.MockTransport(answer))
    try:
        with pytest.raises(ServerError) as caught:
            await client.get_enablement(SKILL, "development")
    finally:
        await client.aclose()
    assert [a.status for a in caught.value.attempts] == [401, 503, 503, 503]
    assert "after 3 attempts" in caught.value.message
