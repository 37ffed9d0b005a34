"""Owner operations through the service layer against the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from console.api.errors import (
    AuthError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    ProtocolError,
    ServerError,
    ThrottledError,
    ValidationError,
)
from console.api.models import Attempt
from console.auth.provider import StaticTokenProvider
from tests.integration.conftest import ServiceFactory
from tests.sandbox_client import SKILL_OTHER, SKILL_TRIVIA, SKILL_WEATHER

pytestmark = pytest.mark.asyncio


async def test_enable_check_switch_stage_disable(make_service: ServiceFactory) -> None:
    svc = make_service()
    assert (await svc.check(SKILL_TRIVIA, "development")).state == "NOT_ENABLED"
    enabled = await svc.enable(SKILL_TRIVIA, "development")
    assert enabled.state == "ENABLED" and enabled.endpoint and len(enabled.attempts) == 1
    assert (await svc.check(SKILL_TRIVIA, "development")).state == "ENABLED"
    await svc.enable(SKILL_TRIVIA, "live")
    assert (await svc.check(SKILL_TRIVIA, "development")).state == "NOT_ENABLED"
    assert (await svc.check(SKILL_TRIVIA, "live")).state == "ENABLED"
    assert (await svc.disable(SKILL_TRIVIA, "live")).state == "NOT_ENABLED"
    assert (await svc.check(SKILL_TRIVIA, "live")).state == "NOT_ENABLED"


async def test_error_statuses_map_to_error_classes(make_service: ServiceFactory) -> None:
    svc = make_service()
    with pytest.raises(ForbiddenError) as forbidden:
        await svc.enable(SKILL_OTHER, "development")
    assert forbidden.value.http_status == 403 and forbidden.value.endpoint
    with pytest.raises(NotFoundError):
        await svc.enable(SKILL_WEATHER, "live")
    with pytest.raises(ForbiddenError):
        await make_service("customer-na").enable(SKILL_TRIVIA, "development")


async def test_429_retry_after_is_honoured(sandbox: Any, make_service: ServiceFactory) -> None:
    sandbox.add_fault(route="enable", status=429, retry_after="1", count=1)
    slept: list[float] = []
    svc = make_service()
    original = svc.client._sleep

    async def record(delay: float) -> None:
        slept.append(delay)
        await original(0)

    svc.client._sleep = record
    result = await svc.enable(SKILL_TRIVIA, "development")
    assert result.state == "ENABLED" and slept == [1.0]
    assert [a.decision for a in result.attempts] == ["retry in 1.0 s", "done"]


async def test_500_exhaustion_stops_at_the_attempt_limit(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="get-enablement", status=500, share=1.0)
    with pytest.raises(ServerError) as caught:
        await make_service(max_attempts=3).check(SKILL_TRIVIA, "development")
    assert len(caught.value.attempts) == 3 and caught.value.attempts[-1].decision == "give up"
    assert "after 3 attempts" in caught.value.message


async def test_deadline_stops_retries_early(sandbox: Any, make_service: ServiceFactory) -> None:
    sandbox.add_fault(route="get-enablement", status=503, retry_after="5", share=1.0)
    with pytest.raises(ServerError) as caught:
        await make_service(deadline=1.0).check(SKILL_TRIVIA, "development")
    assert len(caught.value.attempts) == 1  # the Retry-After would pass the deadline


async def test_503_then_success(sandbox: Any, make_service: ServiceFactory) -> None:
    sandbox.add_fault(route="enable", status=503, count=2)
    result = await make_service().enable(SKILL_TRIVIA, "development")
    assert [a.status for a in result.attempts] == [503, 503, 204]


async def test_throttled_after_retries(sandbox: Any, make_service: ServiceFactory) -> None:
    sandbox.add_fault(route="enable", status=429, share=1.0)
    with pytest.raises(ThrottledError):
        await make_service(max_attempts=2).enable(SKILL_TRIVIA, "development")


async def test_401_refresh_then_success(sandbox: Any, make_service: ServiceFactory) -> None:
    attempts: list[Attempt] = []
    svc = make_service(attempts=attempts)
    await svc.check(SKILL_TRIVIA, "development")
    sandbox.clock.advance(3601)  # the cached access token expires on the server's clock
    result = await svc.check(SKILL_TRIVIA, "development")
    assert [a.decision for a in result.attempts] == ["refresh token", "done"]
    assert svc.client.tokens.refresh_count == 2  # type: ignore[attr-defined]


async def test_401_twice_is_auth_error(make_service: ServiceFactory) -> None:
    svc = make_service(provider=StaticTokenProvider("Atza|not-a-real-token"))
    with pytest.raises(AuthError) as caught:
        await svc.check(SKILL_TRIVIA, "development")
    assert "Atza|not-a-real-token" not in str(caught.value) + caught.value.hint


async def test_revoked_refresh_token_is_auth_error(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.state.revoke("Atzr|sandbox-developer")
    with pytest.raises(AuthError) as caught:
        await make_service().check(SKILL_TRIVIA, "development")
    assert caught.value.code == "invalid_grant" and "log in" in caught.value.hint.lower()


async def test_dropped_connection_is_retried_for_idempotent_calls(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="get-enablement", drop=True, count=1)
    result = await make_service().check(SKILL_TRIVIA, "development")
    assert result.attempts[0].status is None and "dropped" in (result.attempts[0].error or "")


async def test_slow_server_hits_the_timeout(sandbox: Any, make_service: ServiceFactory) -> None:
    sandbox.add_fault(route="get-enablement", latency=3.0, share=1.0)
    with pytest.raises(NetworkError) as caught:
        await make_service(timeout=0.2, max_attempts=2).check(SKILL_TRIVIA, "development")
    assert "timeout" in caught.value.message and len(caught.value.attempts) == 2


async def test_unreachable_endpoint_is_network_error(
    make_service: ServiceFactory, sandbox: Any
) -> None:
    svc = make_service(max_attempts=1)
    svc.client.settings = type(svc.client.settings)(
        endpoints={k: "http://127.0.0.1:9" for k in svc.client.settings.endpoints},
        timeout=1.0,
        connect_timeout=1.0,
        policy=svc.client.settings.policy,
    )
    with pytest.raises(NetworkError) as caught:
        await svc.check(SKILL_TRIVIA, "development")
    assert caught.value.endpoint == "http://127.0.0.1:9"


async def test_invalid_input_is_validation_error(make_service: ServiceFactory) -> None:
    with pytest.raises(ValidationError):
        await make_service().enable("amzn1.ask.skill/../../admin", "development")


async def test_malformed_discovery_body_is_protocol_error(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="endpoint", malformed=True)
    with pytest.raises(ProtocolError) as caught:
        await make_service("customer-na").find_endpoint()
    assert caught.value.http_status == 200 and caught.value.endpoint == sandbox.urls.na
