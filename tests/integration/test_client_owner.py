"""Owner operations through the service layer against the sandbox."""

from __future__ import annotations

import asyncio
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
from console.services.session import token_provider
from tests.integration.conftest import ServiceFactory
from tests.sandbox_client import (
    CLIENT_ID,
    CLIENT_SECRET,
    SKILL_OTHER,
    SKILL_TRIVIA,
    SKILL_UNREADY,
    SKILL_WEATHER,
)

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
    sandbox.add_fault(route="get-enablement", status=503, latency=0.4, share=1.0)
    with pytest.raises((ServerError, NetworkError)) as caught:  # a 503, or the cut-off wait
        await make_service(deadline=1.0).check(SKILL_TRIVIA, "development")
    assert 1 <= len(caught.value.attempts) < 5  # five would take 2 s: the deadline ended it


@pytest.mark.parametrize("status", [429, 503])
async def test_a_retry_after_past_the_deadline_gives_up_and_says_when(
    sandbox: Any, make_service: ServiceFactory, status: int
) -> None:
    sandbox.add_fault(route="get-enablement", status=status, retry_after="30", count=2)
    with pytest.raises((ThrottledError, ServerError)) as caught:
        await make_service(deadline=5.0).check(SKILL_TRIVIA, "development")
    assert [a.status for a in caught.value.attempts] == [status]  # not retried at once
    assert "Retry-After 30 s is longer than the time left" in caught.value.attempts[0].decision
    assert "try again then" in caught.value.hint and "UTC" in caught.value.hint


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


async def test_401_twice_is_auth_error(sandbox: Any, make_service: ServiceFactory) -> None:
    svc = make_service(provider=StaticTokenProvider("Atza|not-a-real-token"))
    with pytest.raises(AuthError) as caught:
        await svc.check(SKILL_TRIVIA, "development")
    assert "Atza|not-a-real-token" not in str(caught.value) + caught.value.hint
    assert caught.value.http_status == 401 and caught.value.endpoint == sandbox.urls.na


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


async def test_login_service_outage_is_retried_and_logged(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="token", status=503, count=1)
    attempts: list[Attempt] = []
    result = await make_service(attempts=attempts).check(SKILL_TRIVIA, "development")
    assert result.state == "NOT_ENABLED"
    lwa = [a for a in attempts if a.url == sandbox.urls.token_url]
    assert [a.status for a in lwa] == [503, 200]
    assert lwa[0].decision.startswith("retry in")


async def test_login_service_down_is_a_server_error_not_a_logout(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="token", status=503, count=10)
    with pytest.raises(ServerError) as caught:
        await make_service(max_attempts=2).check(SKILL_TRIVIA, "development")
    assert caught.value.endpoint == sandbox.urls.token_url and caught.value.http_status == 503


async def test_access_token_beside_a_refresh_token_is_used_first(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    env = {
        "SKILL_CONSOLE_ACCESS_TOKEN": str(sandbox.issue_tokens("developer")["access_token"]),
        "SKILL_CONSOLE_REFRESH_TOKEN": "Atzr|sandbox-developer",
        "SKILL_CONSOLE_CLIENT_ID": CLIENT_ID,
        "SKILL_CONSOLE_CLIENT_SECRET": CLIENT_SECRET,
        "SKILL_CONSOLE_LWA_TOKEN_URL": sandbox.urls.token_url,
    }
    sandbox.add_fault(route="token", status=503, count=10)  # LWA is down: no refresh needed
    result = await make_service(provider=token_provider(env)).check(SKILL_TRIVIA, "live")
    assert result.state == "NOT_ENABLED" and len(result.attempts) == 1


async def test_a_slow_login_service_cannot_outlast_the_deadline(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="token", latency=5.0, count=1)
    with pytest.raises(NetworkError) as caught:
        await make_service(deadline=0.3, timeout=10.0).check(SKILL_TRIVIA, "development")
    assert "access token" in caught.value.message


async def test_truncated_body_is_retried(sandbox: Any, make_service: ServiceFactory) -> None:
    sandbox.add_fault(route="customer-status", truncated=True, count=1)
    svc = make_service("customer-eu")
    result = await svc.customer_status(SKILL_TRIVIA)
    api = [a for a in result.attempts if a.method == "GET" and "enablement" in a.url]
    assert result.state == "NO_ASSOCIATION" and len(api) == 2 and api[0].status is None


async def test_cancel_stops_the_retry_loop_at_once(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="get-enablement", status=503, retry_after="30", count=5)
    first = asyncio.Event()
    attempts: list[Attempt] = []

    def seen(attempt: Attempt) -> None:
        if attempt.status == 503:
            first.set()

    svc = make_service(attempts=attempts, deadline=60.0)
    svc.client._listeners.append(seen)
    task = asyncio.ensure_future(svc.check(SKILL_TRIVIA, "development"))
    await asyncio.wait_for(first.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert others == [] and len([a for a in attempts if a.status == 503]) == 1


async def test_any_404_of_the_check_is_not_enabled_with_the_services_words(
    make_service: ServiceFactory,
) -> None:
    # Amazon's 404 codes are undocumented: the client does not guess "no such skill" from one;
    # it says NOT_ENABLED and passes the message on.
    svc = make_service()
    unknown = await svc.check("amzn1.ask.skill.does-not-exist", "live")
    assert unknown.state == "NOT_ENABLED" and unknown.detail is not None
    assert "does not exist" in unknown.detail
    no_live = await svc.check(SKILL_WEATHER, "live")  # it has no live stage
    assert no_live.state == "NOT_ENABLED" and "live stage" in (no_live.detail or "")
    plain = await svc.check(SKILL_TRIVIA, "live")
    assert plain.state == "NOT_ENABLED" and "not found" in (plain.detail or "")
    assert plain.attempts[-1].request_id  # every answer's id is kept with its attempt


async def test_not_ready_for_enablement_lists_what_to_fix(make_service: ServiceFactory) -> None:
    svc = make_service()
    with pytest.raises(ForbiddenError) as refused:
        await svc.enable(SKILL_UNREADY, "live")
    error = refused.value
    assert "Skill is not ready for enablement." in error.message
    assert error.violations[0].message == "Regionalized endpoints must not be empty."
    assert len(error.violations) == 2 and error.violations[1].code
    assert error.hint.startswith("Fix what Amazon lists above")
    with pytest.raises(ForbiddenError) as other:  # no violations: the account/scope hint
        await svc.enable(SKILL_OTHER, "live")
    assert other.value.violations == () and "account" in other.value.hint
