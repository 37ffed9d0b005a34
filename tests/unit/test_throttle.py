"""The shared limiter with a fake clock: a 429 pauses and narrows every task, then it ramps up."""

from __future__ import annotations

import asyncio

import pytest

from console.services.throttle import FIRST_PAUSE, Limiter

BASE = "https://api.example"


class FakeClock:
    """Time that moves only when someone sleeps; sleeping yields to the loop like real sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def limiter(ceiling: int | None = 8) -> tuple[Limiter, FakeClock]:
    clock = FakeClock()
    return Limiter(ceiling, clock=clock, sleep=clock.sleep), clock


@pytest.mark.asyncio
async def test_without_throttling_the_limiter_only_counts() -> None:
    lim, clock = limiter()
    for _ in range(20):
        await lim.before(BASE)
        lim.after(BASE, 204, None)
    assert lim.stats(BASE).sent == 20
    assert clock.slept == []
    assert lim.window(BASE) == 8


@pytest.mark.asyncio
async def test_a_429_pauses_every_task_for_retry_after() -> None:
    lim, clock = limiter()
    await lim.before(BASE)
    lim.after(BASE, 429, 2.0)
    assert lim.paused_for(BASE) == pytest.approx(2.0)
    assert lim.window(BASE) == 1
    # Three other tasks now wait for the same gate; none is sent before it opens.
    sent_at: list[float] = []

    async def task() -> None:
        await lim.before(BASE)
        sent_at.append(clock.now)
        lim.after(BASE, 204, None)

    await asyncio.gather(task(), task(), task())
    assert min(sent_at) >= 2.0
    assert lim.stats(BASE).pauses == 1


@pytest.mark.asyncio
async def test_after_a_429_the_window_is_one_then_ramps_back_to_the_ceiling() -> None:
    lim, clock = limiter(ceiling=4)
    await lim.before(BASE)
    lim.after(BASE, 429, 1.0)
    await lim.before(BASE)  # waits out the pause
    assert clock.now >= 1.0
    # The window holds one request in flight: a second caller waits until the first answers.
    second = asyncio.create_task(lim.before(BASE))
    await asyncio.sleep(0)
    assert not second.done()
    lim.after(BASE, 204, None)  # the answer widens the window to 2 and frees a slot
    await asyncio.wait_for(second, 1)
    lim.after(BASE, 204, None)
    lim_windows = []
    for _ in range(3):
        await lim.before(BASE)
        lim.after(BASE, 204, None)
        lim_windows.append(lim.window(BASE))
    assert lim_windows[-1] == 4  # back at the ceiling


@pytest.mark.asyncio
async def test_a_burst_of_429s_narrows_once_and_pauses_until_the_latest_retry_after() -> None:
    lim, _ = limiter()
    for _ in range(8):
        await lim.before(BASE)
    for retry_after in (1.0, 3.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0):
        lim.after(BASE, 429, retry_after)
    stats = lim.stats(BASE)
    assert stats.throttled == 8
    assert stats.pauses == 1
    assert lim.paused_for(BASE) == pytest.approx(3.0)


@pytest.mark.asyncio
async def test_without_retry_after_the_pause_grows_until_an_answer_gets_through() -> None:
    lim, clock = limiter()
    pauses = []
    for _ in range(3):
        await lim.before(BASE)
        lim.after(BASE, 429, None)
        pauses.append(lim.paused_for(BASE))
    assert pauses == [FIRST_PAUSE, 2 * FIRST_PAUSE, 4 * FIRST_PAUSE]
    await lim.before(BASE)
    lim.after(BASE, 204, None)
    await lim.before(BASE)
    lim.after(BASE, 429, None)
    assert lim.paused_for(BASE) == FIRST_PAUSE
    assert clock.now > 0


@pytest.mark.asyncio
async def test_endpoints_are_limited_separately() -> None:
    lim, _ = limiter()
    await lim.before(BASE)
    lim.after(BASE, 429, 5.0)
    await lim.before("https://api.eu.example")  # not paused
    assert lim.paused_for("https://api.eu.example") == 0.0
    assert lim.paused_for(BASE) == pytest.approx(5.0)


@pytest.mark.asyncio
async def test_a_cancelled_waiter_hands_its_slot_on() -> None:
    lim, _ = limiter(ceiling=1)
    await lim.before(BASE)
    waiting = asyncio.create_task(lim.before(BASE))
    behind = asyncio.create_task(lim.before(BASE))
    await asyncio.sleep(0)
    lim.after(BASE, 204, None)  # wakes `waiting`...
    waiting.cancel()  # ...which is cancelled before it takes the slot
    await asyncio.wait_for(behind, 1)
    assert behind.done()


@pytest.mark.asyncio
async def test_no_answer_frees_the_slot_without_changing_the_pace() -> None:
    lim, _ = limiter(ceiling=2)
    await lim.before(BASE)
    lim.after(BASE, None, None)
    assert lim.window(BASE) == 2
    assert lim.paused_for(BASE) == 0.0
