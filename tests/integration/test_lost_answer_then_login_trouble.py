"""A change whose answer was lost stays "may have happened" when the login fails afterwards.

The verification read (or the retry) after a lost answer can meet a 401 whose token refresh
fails. That refusal is about the read, not about the change: the change may well have landed,
so the client must not end on a bare "log in again" (issue 8, items 5, 6 and 8).
"""

from __future__ import annotations

from typing import Any

import pytest

from console.api.errors import ConsoleError, UncertainError
from console.api.models import Attempt
from tests.integration.conftest import ServiceFactory
from tests.sandbox_client import PARTNER_REDIRECT, SKILL_TRIVIA, partner_code


class _OnFirst(list[Attempt]):
    """An attempt log that breaks the login (and `route`'s calls) after the first `method`."""

    def __init__(self, sandbox: Any, method: str, route: str) -> None:
        super().__init__()
        self.sandbox, self.method, self.route, self.armed = sandbox, method, route, False

    def append(self, attempt: Attempt) -> None:
        super().append(attempt)
        ours = attempt.method == self.method and attempt.url.endswith("/enablement")
        if ours and not self.armed:  # not the login service's POST
            self.armed = True
            self.sandbox.add_fault(route=self.route, status=401, share=1.0)
            self.sandbox.add_fault(route="token", status=500, share=1.0)


@pytest.mark.asyncio
async def test_owner_enable_lost_then_verification_login_fails(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="enable", drop_response=True, share=1.0)
    log = _OnFirst(sandbox, "PUT", "get-enablement")
    svc = make_service(attempts=log, max_attempts=2)
    with pytest.raises(UncertainError) as caught:
        await svc.enable(SKILL_TRIVIA, "live")
    assert "may or may not be enabled" in caught.value.message
    assert f"skillctl status {SKILL_TRIVIA} --stage live" in caught.value.hint
    assert sandbox.state.world.owner_enabled.get(("developer", SKILL_TRIVIA)) == "live"


@pytest.mark.asyncio
async def test_customer_disable_lost_then_retry_login_fails_is_verified_where_it_went(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    world, clock = sandbox.state.world, sandbox.state.clock
    from console.sandbox.state import Association

    user = world.accounts["customer-eu"].user_id
    world.associations[("customer-eu", SKILL_TRIVIA)] = Association(
        "live", f"{user}.1", True, "ENABLED", clock.now() - 60
    )
    sandbox.add_fault(route="customer-disable", drop_response=True, count=1)
    log = _OnFirst(sandbox, "DELETE", "customer-disable")  # the retry meets a 401
    svc = make_service("customer-eu", attempts=log, max_attempts=3)
    result = await svc.unlink(SKILL_TRIVIA)
    # Read where the DELETE went, not at the login service whose refresh failed.
    assert all(a.url.startswith(sandbox.urls.eu) for a in result.attempts[1:])
    assert result.state in ("DISABLING", "DISABLED") and "lost" in result.notes[0]


@pytest.mark.asyncio
async def test_link_lost_then_probe_login_fails_says_it_may_have_happened(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    sandbox.add_fault(route="customer-enable", drop_response=True, count=1)
    log = _OnFirst(sandbox, "POST", "customer-status")
    svc = make_service("customer-eu", attempts=log, max_attempts=2)
    with pytest.raises(UncertainError) as caught:
        await svc.link(SKILL_TRIVIA, "live", partner_code(sandbox), PARTNER_REDIRECT)
    assert "may or may not have taken effect" in caught.value.message
    assert "customer status" in caught.value.hint


@pytest.mark.asyncio
async def test_lost_enable_then_403_keeps_what_amazon_asks_to_fix(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    from console.api.errors import ForbiddenError

    sandbox.add_fault(route="enable", drop=True, count=1)  # lost, never processed
    sandbox.add_fault(route="enable", status=403, share=1.0)  # with a violation to fix
    with pytest.raises(ForbiddenError) as caught:
        await make_service().enable(SKILL_TRIVIA, "live")
    assert "the enable did not happen" in caught.value.hint
    assert "Fix what Amazon lists above" in caught.value.hint  # not a bare "Try again"
    assert caught.value.violations


@pytest.mark.asyncio
async def test_link_given_up_before_sending_says_the_code_is_unused(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    from console.api.errors import NetworkError

    svc = make_service("customer-eu", deadline=1.0, timeout=5.0)
    await svc.find_endpoint()  # remembered: the deadline goes to the read before the enable
    sandbox.add_fault(route="customer-status", latency=5.0, share=1.0)
    code = partner_code(sandbox)
    with pytest.raises(NetworkError) as caught:
        await svc.link(SKILL_TRIVIA, "live", code, PARTNER_REDIRECT)
    assert "partner code is still unused" in caught.value.hint
    assert not sandbox.state.world.partner_codes[code].used


@pytest.mark.asyncio
async def test_a_relink_that_landed_at_once_is_not_called_unredeemed(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    """A re-link whose answer was lost and that settled before the read looks unchanged."""
    from console.sandbox.state import Association

    sandbox.state.config.transition_delay = 0  # Alexa finished before the state was read
    world, clock = sandbox.state.world, sandbox.state.clock
    user = world.accounts["customer-eu"].user_id
    world.associations[("customer-eu", SKILL_TRIVIA)] = Association(
        "live", f"{user}.1", True, "ENABLED", clock.now() - 60
    )
    sandbox.add_fault(route="customer-enable", drop_response=True, count=1)
    code = partner_code(sandbox)
    svc = make_service("customer-eu")
    try:
        result = await svc.link(SKILL_TRIVIA, "live", code, PARTNER_REDIRECT)
    except ConsoleError as error:
        said = f"{error.message} {error.hint}"
    else:
        said = " ".join(result.notes)
    assert sandbox.state.world.partner_codes[code].used  # it was redeemed
    assert "Nothing new was linked" not in said and "was never redeemed" not in said


# Operation 6 may say "not enabled" with a 404 (the contract: NO_ASSOCIATION is exactly a 404);
# our sandbox answers 200 NO_ASSOCIATION, so a fault gives Amazon's way.


@pytest.mark.asyncio
async def test_lost_disable_then_a_404_read_is_disabled(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    from console.sandbox.state import Association

    world, clock = sandbox.state.world, sandbox.state.clock
    user = world.accounts["customer-eu"].user_id
    world.associations[("customer-eu", SKILL_TRIVIA)] = Association(
        "live", f"{user}.1", True, "ENABLED", clock.now() - 60
    )
    svc = make_service("customer-eu", max_attempts=2)
    await svc.find_endpoint()
    sandbox.add_fault(route="customer-disable", drop_response=True, share=1.0)
    sandbox.add_fault(route="customer-status", status=404, share=1.0)
    result = await svc.customer_disable(SKILL_TRIVIA)
    assert result.state == "NO_ASSOCIATION" and result.verified
    assert any("lost" in note for note in result.notes)


@pytest.mark.asyncio
async def test_disable_whose_follow_read_says_404_is_done(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    from console.cli import SETTLED, judge
    from console.sandbox.state import Association

    world, clock = sandbox.state.world, sandbox.state.clock
    user = world.accounts["customer-eu"].user_id
    world.associations[("customer-eu", SKILL_TRIVIA)] = Association(
        "live", f"{user}.1", True, "ENABLED", clock.now() - 60
    )
    svc = make_service("customer-eu")
    await svc.find_endpoint()
    sandbox.add_fault(route="customer-status", status=404, share=1.0)
    result = await svc.customer_disable(SKILL_TRIVIA)
    assert result.state == "NO_ASSOCIATION" and result.verified and not result.notes
    assert judge(result, None, SETTLED["customer-disable"]) == (0, None)


@pytest.mark.asyncio
async def test_link_lost_then_a_404_read_is_not_enabled(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    from console.api.errors import NetworkError

    svc = make_service("customer-eu")
    await svc.find_endpoint()
    sandbox.add_fault(route="customer-enable", drop=True, count=1)  # hung up, never processed
    sandbox.add_fault(route="customer-status", status=404, share=1.0)
    with pytest.raises(NetworkError) as caught:
        await svc.link(SKILL_TRIVIA, "live", partner_code(sandbox), PARTNER_REDIRECT)
    assert not isinstance(caught.value, UncertainError)
    assert "not enabled (status NO_ASSOCIATION)" in caught.value.hint


@pytest.mark.asyncio
async def test_disable_and_its_follow_share_one_deadline(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    import time

    from console.sandbox.state import Association

    sandbox.state.config.transition_delay = 1000  # DISABLING for as long as anyone waits
    world, clock = sandbox.state.world, sandbox.state.clock
    user = world.accounts["customer-eu"].user_id
    world.associations[("customer-eu", SKILL_TRIVIA)] = Association(
        "live", f"{user}.1", True, "ENABLED", clock.now() - 60
    )
    svc = make_service("customer-eu", deadline=1.5)
    svc.customers.interval = 0.1
    await svc.find_endpoint()
    sandbox.add_fault(route="customer-disable", latency=1.0, count=1)  # uses up most of it
    started = time.monotonic()
    result = await svc.customer_disable(SKILL_TRIVIA)
    assert time.monotonic() - started <= 1.5 * 1.05  # the bound is the deadline itself
    assert result.state == "DISABLING"


@pytest.mark.asyncio
@pytest.mark.parametrize("change", ["customer-disable", "customer-enable"])
async def test_lost_change_then_an_unreadable_read_may_have_happened(
    sandbox: Any, make_service: ServiceFactory, change: str
) -> None:
    from console.sandbox.state import Association

    world, clock = sandbox.state.world, sandbox.state.clock
    user = world.accounts["customer-eu"].user_id
    if change == "customer-disable":
        world.associations[("customer-eu", SKILL_TRIVIA)] = Association(
            "live", f"{user}.1", True, "ENABLED", clock.now() - 60
        )
    svc = make_service("customer-eu", max_attempts=2)
    await svc.find_endpoint()
    code = partner_code(sandbox)
    sandbox.add_fault(route=change, drop_response=True, share=1.0)
    sandbox.add_fault(route="customer-status", malformed=True, share=1.0)
    with pytest.raises(UncertainError):
        if change == "customer-disable":
            await svc.unlink(SKILL_TRIVIA)
        else:
            await svc.link(SKILL_TRIVIA, "live", code, PARTNER_REDIRECT)


@pytest.mark.asyncio
async def test_relink_when_the_state_before_is_unknown_is_not_a_success(
    sandbox: Any, make_service: ServiceFactory
) -> None:
    """ENABLED after an ambiguous failure, the state before unread: maybe an earlier link."""
    from console.sandbox.state import Association

    world, clock = sandbox.state.world, sandbox.state.clock
    user = world.accounts["customer-eu"].user_id
    world.associations[("customer-eu", SKILL_TRIVIA)] = Association(
        "live", f"{user}.1", True, "ENABLED", clock.now() - 60
    )
    svc = make_service("customer-eu", max_attempts=2)
    await svc.find_endpoint()
    code = partner_code(sandbox)
    sandbox.add_fault(route="customer-status", status=503, count=2)  # the read before fails
    sandbox.add_fault(route="customer-enable", status=500, count=1)  # never processed
    with pytest.raises(UncertainError) as caught:
        await svc.link(SKILL_TRIVIA, "live", code, PARTNER_REDIRECT)
    assert "earlier link" in caught.value.message
    assert not sandbox.state.world.partner_codes[code].used
