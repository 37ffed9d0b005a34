"""Narrow client cases on a mock transport: attempt counts, and the read before a link."""

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

    def fresh_token(self) -> str | None:
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


@pytest.mark.asyncio
async def test_a_404_on_the_read_before_a_link_does_not_stop_the_link() -> None:
    """Amazon may answer operation 6 with 404 for "never enabled" (like NO_ASSOCIATION)."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/alexaApiEndpoint":
            return httpx.Response(200, json={"endpoints": ["https://eu.test"]})
        if request.method == "GET":
            return httpx.Response(404, json={"message": "not enabled"})
        body = {"skill": {"id": SKILL, "stage": "live"}, "status": "ENABLING"}
        return httpx.Response(201, json=body | {"accountLink": {"status": "LINKED"}})

    settings = ApiSettings(
        endpoints={Region.NA: "https://na.test", Region.EU: "https://eu.test"},
        policy=RetryPolicy(base=0.0, cap=0.0, max_attempts=3, deadline=5.0),
    )
    client = SkillApiClient(settings, _Tokens(), transport=httpx.MockTransport(answer))
    try:
        result = await client.link(SKILL, "live", "code", "https://partner.test/cb")
    finally:
        await client.aclose()
    assert result.state == "ENABLING"
    assert [(a.method, a.status) for a in result.attempts][1:] == [("GET", 404), ("POST", 201)]
