"""Customer operations and region routing through the service layer against the sandbox."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from console.api.errors import NotFoundError, ProtocolError, RefusedError, ServerError
from console.api.models import Attempt
from console.api.regions import EndpointMemory
from tests.integration.conftest import ServiceFactory
from tests.sandbox_client import PARTNER_REDIRECT, SKILL_FLAKY, SKILL_TRIVIA, partner_code

pytestmark = pytest.mark.asyncio


async def test_single_endpoint_discovered_and_remembered(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    memory = EndpointMemory()
    svc = make_service("customer-fe", memory=memory)
    found = await svc.find_endpoint()
    assert found.endpoints == (sandbox.urls.fe,)
    status = await svc.customer_status(SKILL_TRIVIA)
    assert status.state == "NO_ASSOCIATION" and status.endpoint == sandbox.urls.fe
    assert len(status.attempts) == 1  # remembered: no discovery, no wrong regions


async def test_ambiguous_customer_succeeds_on_the_right_one(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    svc = make_service("customer-ambiguous")
    result = await svc.link(SKILL_TRIVIA, "live", partner_code(sandbox), PARTNER_REDIRECT)
    assert result.state == "ENABLING" and result.account_link == "LINKED"
    assert result.endpoint == sandbox.urls.eu
    # The state is read before the one-time code is sent: the wrong region is found by
    # that read, so the code only ever goes where it can work.
    assert [(a.method, a.status, a.decision) for a in result.attempts] == [
        ("GET", 200, "done"),
        ("GET", 400, "next endpoint"),
        ("GET", 200, "done"),
        ("POST", 201, "done"),
    ]
    again = await svc.customer_status(SKILL_TRIVIA)
    assert len(again.attempts) == 1 and again.endpoint == sandbox.urls.eu


async def test_discovery_503_falls_back_through_all_three(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="endpoint", status=503, share=1.0)
    result = await make_service("customer-fe", max_attempts=2).customer_status(SKILL_TRIVIA)
    hosts = [a.url.split("/v1")[0] for a in result.attempts]
    assert hosts == [sandbox.urls.na] * 2 + [sandbox.urls.na, sandbox.urls.eu, sandbox.urls.fe]
    assert result.endpoint == sandbox.urls.fe


async def test_remembered_endpoint_forgotten_after_incorrect_endpoint(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    memory = EndpointMemory()
    svc = make_service("customer-na", memory=memory)
    memory.remember(svc.client._memory_key(), sandbox.urls.fe)  # stale: customer moved
    result = await svc.customer_status(SKILL_TRIVIA)
    assert [a.decision for a in result.attempts] == ["give up", "done", "done"]
    assert memory.get(svc.client._memory_key()) == sandbox.urls.na


async def test_memory_is_keyed_by_a_hash_not_the_token(make_service: ServiceFactory) -> None:
    saved: list[dict[str, str]] = []
    svc = make_service("customer-eu", memory=EndpointMemory(on_change=saved.append))
    await svc.customer_status(SKILL_TRIVIA)
    assert saved and all("Atz" not in key and "sandbox" not in key for key in saved[-1])


async def test_link_follow_and_unlink(sandbox: Any, make_service: ServiceFactory) -> None:
    svc = make_service("customer-eu")
    linked = await svc.link(SKILL_TRIVIA, "live", partner_code(sandbox), PARTNER_REDIRECT)
    sandbox.clock.advance(5)
    svc.customers.interval = 0
    final = await svc.customers.settle(linked, deadline_at=time.monotonic() + 5)
    assert final.state == "ENABLED" and final.account_link == "LINKED"
    assert final.operation == "customer-enable" and len(final.attempts) > len(linked.attempts)
    gone = await svc.unlink(SKILL_TRIVIA)
    # Amazon: "A successful response returns HTTP 200 OK that indicates the skill is disabled".
    assert gone.state == "DISABLED" and gone.notes == () and gone.verified
    sandbox.clock.advance(5)
    assert (await svc.customer_status(SKILL_TRIVIA)).state == "DISABLED"
    with pytest.raises(NotFoundError) as caught:
        await svc.unlink(SKILL_TRIVIA)
    assert caught.value.code == "NO_ASSOCIATION"


async def test_flaky_skill_is_followed_to_failure(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    svc = make_service("customer-eu")
    linked = await svc.link(SKILL_FLAKY, "live", partner_code(sandbox), PARTNER_REDIRECT)
    ticks: list[str | None] = []

    async def advance(_: float) -> None:
        sandbox.clock.advance(1)

    svc.customers._sleep = advance
    final = await svc.customers.settle(
        linked, deadline_at=time.monotonic() + 5, on_progress=lambda r: ticks.append(r.state)
    )
    assert final.state == "ENABLING_FAILED" and ticks == ["ENABLING", "ENABLING"]


@pytest.mark.parametrize("status", [200, 204])
async def test_customer_delete_accepts_200_and_204(
    sandbox: Any, make_service: ServiceFactory, status: int
) -> None:
    httpx.post(f"{sandbox.urls.admin}/config", json={"customer_delete_status": status})
    svc = make_service("customer-eu")
    await svc.link(SKILL_TRIVIA, "live", partner_code(sandbox), PARTNER_REDIRECT)
    result = await svc.unlink(SKILL_TRIVIA)
    assert result.attempts[-1].status == status and result.state == "DISABLED"


async def test_reused_partner_code_is_reported_not_retried(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    code = partner_code(sandbox)
    svc = make_service("customer-eu")
    await svc.link(SKILL_TRIVIA, "live", code, PARTNER_REDIRECT)
    with pytest.raises(RefusedError) as caught:  # sent and refused: not "nothing sent"
        await svc.link(SKILL_TRIVIA, "live", code, PARTNER_REDIRECT)
    assert caught.value.http_status == 400 and "already used" in caught.value.message
    assert code not in caught.value.message


async def test_link_5xx_is_reconciled_by_reading_state(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    attempts: list[Attempt] = []
    svc = make_service("customer-eu", attempts=attempts)
    await svc.find_endpoint()
    sandbox.add_fault(route="customer-enable", status=500, count=1)
    with pytest.raises(ServerError) as caught:
        await svc.link(SKILL_TRIVIA, "live", partner_code(sandbox), PARTNER_REDIRECT)
    posts = [a for a in attempts if a.method == "POST" and a.path.endswith("/enablement")]
    assert len(posts) == 1  # never blindly repeated
    assert attempts[-1].method == "GET"  # the state was read instead
    assert "fresh partner code" in caught.value.hint


async def test_link_dropped_after_success_reports_success(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    """A real enablement whose answer is lost: the reconciliation finds it ENABLING."""
    svc = make_service("customer-eu")
    await svc.find_endpoint()
    sandbox.add_fault(route="customer-enable", region="eu", drop_response=True, count=1)
    result = await svc.link(SKILL_TRIVIA, "live", partner_code(sandbox), PARTNER_REDIRECT)
    assert result.state in ("ENABLING", "ENABLED") and result.account_link == "LINKED"
    calls = [(a.method, a.status) for a in result.attempts if "/enablement" in a.url]
    assert calls == [("GET", 200), ("POST", None), ("GET", 200)]  # read, never repeated
    assert result.notes and "link went through" in result.notes[0]


async def test_unreachable_remembered_endpoint_is_rediscovered(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    memory = EndpointMemory()
    svc = make_service("customer-eu", memory=memory)
    memory.remember(svc.client._memory_key(), "http://127.0.0.1:9")  # an old sandbox's port
    result = await svc.customer_status(SKILL_TRIVIA)
    assert result.endpoint == sandbox.urls.eu
    dead = [a for a in result.attempts if a.url.startswith("http://127.0.0.1:9/")]
    assert len(dead) == 5 and dead[-1].decision == "give up"  # retried, then rediscovered


async def test_not_found_on_one_candidate_is_not_hidden_by_the_others(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    memory = EndpointMemory()
    svc = make_service("customer-ambiguous", memory=memory)
    with pytest.raises(NotFoundError) as caught:
        await svc.unlink(SKILL_TRIVIA)  # never enabled: NA and FE say incorrectEndpoint
    assert caught.value.endpoint == sandbox.urls.eu and caught.value.code == "NO_ASSOCIATION"
    assert memory.get(svc.client._memory_key()) == sandbox.urls.eu


async def test_the_partner_code_only_goes_where_the_customer_is_known(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="customer-enable", region="na", status=503, count=1)
    svc = make_service("customer-ambiguous")
    result = await svc.link(SKILL_TRIVIA, "live", partner_code(sandbox), PARTNER_REDIRECT)
    calls = [(a.method, a.url.split("/v1")[0], a.status) for a in result.attempts]
    assert calls[1:] == [
        ("GET", sandbox.urls.na, 400),  # NA does not know this customer: no code sent there
        ("GET", sandbox.urls.eu, 200),
        ("POST", sandbox.urls.eu, 201),
    ]
    assert result.endpoint == sandbox.urls.eu and result.account_link == "LINKED"
    assert sandbox.faults.rules(), "the NA fault was never reached"


async def test_a_disable_whose_answer_was_lost_is_not_reported_as_not_found(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    svc = make_service("customer-eu")
    await svc.link(SKILL_TRIVIA, "live", partner_code(sandbox), PARTNER_REDIRECT)
    sandbox.add_fault(route="customer-disable", drop_response=True, count=1)
    result = await svc.unlink(SKILL_TRIVIA)  # DELETE lands unanswered; the retry gets 404
    assert result.state == "DISABLING"  # so the state is read: Alexa is still at it
    assert [(a.method, a.status) for a in result.attempts][-3:] == [
        ("DELETE", None),
        ("DELETE", 404),
        ("GET", 200),
    ]
    assert "answer to the disable request was lost" in result.notes[0]


async def test_an_unreadable_answer_keeps_its_attempts(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="customer-status", malformed=True, share=1.0)
    with pytest.raises(ProtocolError) as caught:
        await make_service("customer-eu").customer_status(SKILL_TRIVIA)
    assert caught.value.attempts and caught.value.attempts[-1].status == 200


async def test_a_503_before_not_found_is_still_not_found(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="customer-disable", status=503, count=1)  # answered: not lost
    with pytest.raises(NotFoundError):
        await make_service("customer-eu").unlink(SKILL_TRIVIA)  # it was never enabled
