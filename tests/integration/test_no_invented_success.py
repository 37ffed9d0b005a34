"""Issue 8: no invented success, no hidden change — each item against the sandbox on loopback.

The service layer where the use case decides, skillctl (a subprocess) where the exit code and
the printed notes are the point.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from console.api.errors import NetworkError, ServerError, UncertainError
from console.sandbox.state import Association
from tests.integration.conftest import ServiceFactory
from tests.integration.test_cli import as_json, link, skillctl
from tests.sandbox_client import PARTNER_REDIRECT, SKILL_TRIVIA, partner_code


def _enabled_for(sandbox: Any, account: str = "customer-eu", *, fails: bool = False) -> None:
    """An association that settled as ENABLED long ago (or ENABLING_FAILED for `fails`)."""
    world, clock = sandbox.state.world, sandbox.state.clock
    user = world.accounts[account].user_id
    world.associations[(account, SKILL_TRIVIA)] = Association(
        "live", f"{user}.1", True, "ENABLED", clock.now() - 60, fails=fails
    )


def _status(sandbox: Any, account: str = "customer-eu") -> str:
    assoc = sandbox.state.world.associations.get((account, SKILL_TRIVIA))
    return "NO_ASSOCIATION" if assoc is None else str(sandbox.state.association_status(assoc))


def _delay(sandbox: Any, seconds: float) -> None:
    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": seconds})


# --- item 3: operation 7's 200 means disabled; a follow-up read never turns it into a failure


def test_a_disable_whose_follow_up_read_fails_is_still_a_disable(sandbox: Any) -> None:
    _enabled_for(sandbox)
    sandbox.add_fault(route="customer-status", status=503, share=1.0)
    result = skillctl(sandbox, "--json", "customer", "disable", SKILL_TRIVIA, account="customer-eu")
    data = as_json(result)
    assert result.returncode == 0 and data["ok"] is True and data["state"] == "DISABLED"
    assert data["notes"] and "status read that followed failed" in data["notes"][0]
    assert _status(sandbox) in ("DISABLING", "DISABLED")  # Alexa did disable it
    _enabled_for(sandbox)
    human = skillctl(sandbox, "customer", "disable", SKILL_TRIVIA, account="customer-eu")
    assert human.returncode == 0 and human.stdout.startswith("DISABLED")
    assert "note: DISABLED was the last answer" in human.stderr and "error:" not in human.stderr


@pytest.mark.asyncio
async def test_an_enable_whose_follow_up_read_fails_stands(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    svc = make_service("customer-eu", max_attempts=2)
    code = partner_code(sandbox)

    def break_reads(_: Any) -> None:  # once the enable is in, every status read fails
        if not sandbox.faults.rules():
            sandbox.add_fault(route="customer-status", status=500, share=1.0)

    result = await svc.customer_enable(
        SKILL_TRIVIA, "live", code, PARTNER_REDIRECT, on_progress=break_reads
    )
    assert result.state == "ENABLING" and not result.verified and result.account_link == "LINKED"
    assert "failed" in result.notes[-1] and "customer status" in result.notes[-1]


def test_an_enable_whose_status_reads_all_fail_is_reported_as_accepted(sandbox: Any) -> None:
    skillctl(sandbox, "customer", "endpoint", account="customer-eu")
    sandbox.add_fault(route="customer-status", status=503, count=50)  # before and after
    sandbox.add_fault(route="customer-enable", status=429, count=1)  # not processed: retried
    result = link(sandbox, partner_code(sandbox), "--json", SKILL_CONSOLE_MAX_ATTEMPTS="2")
    data = as_json(result)
    assert result.returncode == 0 and data["ok"] is True and data["state"] == "ENABLING"
    assert "status read that followed failed" in data["notes"][-1]
    assert _status(sandbox) in ("ENABLING", "ENABLED")


# --- item 5: a lost answer followed by a 404 is not a clean answer


def test_a_lost_disable_then_404_reports_what_alexa_says(sandbox: Any) -> None:
    _delay(sandbox, 0)
    _enabled_for(sandbox, fails=True)  # Alexa's disable will end in DISABLING_FAILED
    sandbox.add_fault(route="customer-disable", drop_response=True, count=1)
    result = skillctl(sandbox, "--json", "customer", "disable", SKILL_TRIVIA, account="customer-eu")
    data = as_json(result)
    assert result.returncode == 1 and data["ok"] is False
    assert data["state"] == "DISABLING_FAILED" == _status(sandbox)
    assert data["error"]["kind"] == "transition_failed"
    deletes = [a["status"] for a in data["attempts"] if a["method"] == "DELETE"]
    assert deletes == [None, 404] and data["attempts"][-1]["method"] == "GET"


@pytest.mark.asyncio
async def test_a_lost_disable_then_404_follows_disabling(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    _delay(sandbox, 0.2)
    _enabled_for(sandbox)
    sandbox.add_fault(route="customer-disable", drop_response=True, count=1)
    svc = make_service("customer-eu")
    svc.customers.interval = 0.05
    seen: list[str | None] = []
    result = await svc.customer_disable(SKILL_TRIVIA, on_progress=lambda r: seen.append(r.state))
    assert seen[0] == "DISABLING" and result.state == "DISABLED" == _status(sandbox)
    assert any("lost" in note for note in result.notes)


# --- item 6: every answer lost: verify, or say the change may have happened


@pytest.mark.parametrize(("command", "before"), [("enable", None), ("disable", "live")])
def test_owner_change_whose_every_answer_was_lost_is_verified(
    sandbox: Any, command: str, before: str | None
) -> None:
    if before:
        sandbox.state.world.owner_enabled[("developer", SKILL_TRIVIA)] = before
    route = command
    sandbox.add_fault(route=route, drop_response=True, share=1.0)
    result = skillctl(sandbox, "--json", command, SKILL_TRIVIA, "--stage", "live")
    data = as_json(result)
    assert result.returncode == 0 and data["ok"] is True
    assert data["state"] == ("ENABLED" if command == "enable" else "NOT_ENABLED")
    assert "lost" in data["notes"][0] and data["attempts"][-1]["method"] == "GET"


def test_owner_change_that_cannot_be_verified_says_it_may_have_happened(sandbox: Any) -> None:
    sandbox.add_fault(route="enable", drop_response=True, share=1.0)
    sandbox.add_fault(route="get-enablement", drop=True, share=1.0)
    result = skillctl(sandbox, "enable", SKILL_TRIVIA, "--stage", "live")
    assert result.returncode == 6
    assert "may or may not be enabled" in result.stderr
    assert f"skillctl status {SKILL_TRIVIA} --stage live" in result.stderr
    assert "Check the network" not in result.stderr
    assert sandbox.state.world.owner_enabled.get(("developer", SKILL_TRIVIA)) == "live"
    data = as_json(skillctl(sandbox, "--json", "enable", SKILL_TRIVIA, "--stage", "live"))
    assert data["error"]["kind"] == "uncertain"


def test_owner_change_that_did_not_land_says_so(sandbox: Any) -> None:
    sandbox.add_fault(route="enable", drop=True, share=1.0)  # hung up before the handler
    result = skillctl(sandbox, "enable", SKILL_TRIVIA, "--stage", "live")
    assert result.returncode == 6 and "the enable did not happen" in result.stderr


@pytest.mark.asyncio
async def test_customer_disable_whose_every_answer_was_lost(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    _delay(sandbox, 0)
    _enabled_for(sandbox)
    sandbox.add_fault(route="customer-disable", drop_response=True, share=1.0)
    svc = make_service("customer-eu", max_attempts=3)
    result = await svc.customer_disable(SKILL_TRIVIA)
    assert result.state == "DISABLED" == _status(sandbox) and result.notes
    _enabled_for(sandbox)
    sandbox.add_fault(route="customer-status", drop=True, share=1.0)
    with pytest.raises(UncertainError) as caught:
        await svc.customer_disable(SKILL_TRIVIA)
    assert "may already be disabled" in caught.value.message
    assert "customer status" in caught.value.hint and isinstance(caught.value, NetworkError)


# --- item 7: a failed discovery is a failure for the endpoint command


def test_customer_endpoint_after_five_503s_fails(sandbox: Any) -> None:
    sandbox.add_fault(route="endpoint", status=503, share=1.0)
    result = skillctl(sandbox, "customer", "endpoint", account="customer-eu")
    assert result.returncode == 5 and "Alexa could not decide" not in result.stdout
    assert "try North America, Europe and the Far East" in result.stderr
    status = skillctl(sandbox, "customer", "status", SKILL_TRIVIA, account="customer-eu")
    assert status.returncode == 4  # operations 5-7 still fall back to NA, EU, FE


# --- item 8: a re-link that never happened is not a link


@pytest.mark.asyncio
async def test_a_relink_that_failed_is_not_reported_as_a_fresh_link(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    _enabled_for(sandbox)
    sandbox.add_fault(route="customer-enable", status=500, count=1)
    svc = make_service("customer-eu")
    code = partner_code(sandbox)
    with pytest.raises(ServerError) as caught:
        await svc.customer_enable(SKILL_TRIVIA, "live", code, PARTNER_REDIRECT)
    assert "already ENABLED before this request" in caught.value.message
    assert "fresh partner code" in caught.value.hint
    assert not sandbox.state.world.partner_codes[code].used  # never redeemed indeed


@pytest.mark.asyncio
async def test_a_relink_whose_answer_was_lost_but_landed_is_a_link(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    _enabled_for(sandbox)
    sandbox.add_fault(route="customer-enable", drop_response=True, count=1)
    svc = make_service("customer-eu")
    result = await svc.customer_enable(
        SKILL_TRIVIA, "live", partner_code(sandbox), PARTNER_REDIRECT, wait=False
    )
    assert result.state == "ENABLING"  # the link restarted Alexa's work: it went through
    assert "link went through" in result.notes[0]


# --- item 9: one deadline per action, follow included


@pytest.mark.asyncio
async def test_enable_and_its_follow_share_one_deadline(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    _delay(sandbox, 1000)
    svc = make_service("customer-eu", deadline=2.0)
    svc.customers.interval = 0.1
    code = partner_code(sandbox)
    started = time.monotonic()
    result = await svc.customer_enable(SKILL_TRIVIA, "live", code, PARTNER_REDIRECT)
    assert time.monotonic() - started <= 2.0 * 1.05  # the bound is the deadline itself
    assert result.state == "ENABLING" and result.verified  # still at it: in progress


# --- item 11: attempt counts are the failing request's


@pytest.mark.asyncio
async def test_attempt_counts_leave_out_discovery(
    make_service: ServiceFactory, sandbox: Any
) -> None:
    sandbox.add_fault(route="customer-status", status=503, share=1.0)
    with pytest.raises(ServerError) as caught:
        await make_service("customer-eu", max_attempts=2).customer_status(SKILL_TRIVIA)
    assert "after 2 attempts" in caught.value.message and len(caught.value.attempts) == 3
