"""Region routing edge cases that the sandbox cannot produce, with a narrow MockTransport."""

from __future__ import annotations

import httpx
import pytest

from console.api.client import ApiSettings, SkillApiClient
from console.api.errors import WrongEndpointError
from console.api.models import Region
from console.auth.provider import StaticTokenProvider

pytestmark = pytest.mark.asyncio


SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"
HOSTS = {Region.NA: "https://na.test", Region.EU: "https://eu.test", Region.FE: "https://fe.test"}


async def test_every_candidate_answering_incorrect_endpoint_is_wrong_endpoint_error() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.host}{request.url.path}")
        if request.url.path == "/v1/alexaApiEndpoint":
            return httpx.Response(200, json={"endpoints": list(HOSTS.values())})
        return httpx.Response(
            400, json={"message": "Incorrect endpoint for customer.", "code": "incorrectEndpoint"}
        )

    client = SkillApiClient(
        ApiSettings(endpoints=HOSTS),
        StaticTokenProvider("Atza|x"),
        transport=httpx.MockTransport(handler),
    )
    try:
        with pytest.raises(WrongEndpointError) as caught:
            await client.customer_status(SKILL)
    finally:
        await client.aclose()
    assert caught.value.endpoint == "https://fe.test"
    assert [a.decision for a in caught.value.attempts] == [
        "done",
        "next endpoint",
        "next endpoint",
        "give up",
    ]
    assert seen[0] == "na.test/v1/alexaApiEndpoint"


async def test_unknown_status_and_extra_fields_are_kept_raw() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/alexaApiEndpoint":
            return httpx.Response(200, json={"endpoints": ["https://eu.test"]})
        return httpx.Response(
            200,
            json={
                "status": "QUANTUM",
                "accountLink": {"status": "ODD"},
                "skill": {"id": SKILL},
                "extra": [1, 2],
            },
        )

    client = SkillApiClient(
        ApiSettings(endpoints=HOSTS),
        StaticTokenProvider("Atza|x"),
        transport=httpx.MockTransport(handler),
    )
    try:
        result = await client.customer_status(SKILL)
    finally:
        await client.aclose()
    assert result.state == "QUANTUM" and result.account_link == "ODD"
