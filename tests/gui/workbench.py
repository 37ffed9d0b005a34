"""Helpers for driving the workbench like a user: pick an account, add and select rows, run
an action and wait for it, read a row's cell."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from console.ui.cells import CUSTOMER_STAGE, Cell
from console.ui.main_window import MainWindow


async def until(condition: Callable[[], bool]) -> None:
    """Wait (without blocking the Qt loop) until `condition` holds; fail after 10 s."""
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 (Qt state has no event to await)
            await asyncio.sleep(0.01)


def choose(window: MainWindow, name: str) -> None:
    """Pick an account in the account bar, as a user would; then what the next turn of the
    loop does (the detail pane: MainWindow._detail_next_turn)."""
    assert window._choose_account(name), name
    window._detail_now()


def choose_kind(window: MainWindow, kind: str) -> None:
    for i in range(window.account.count()):
        if window.account.itemData(i).kind == kind:
            window.account.setCurrentIndex(i)
            window._detail_now()
            return
    raise AssertionError(kind)


def select(window: MainWindow, *skills: str) -> None:
    """Add the skills as rows (if they are not there) and select exactly them."""
    window.model.add_skills(list(skills), window.names())
    window.select_skills(list(skills))


async def run(window: MainWindow, trigger: Callable[[], Any]) -> None:
    """Trigger an action and wait until its batch (or link) has finished."""
    trigger()
    await window.wait_batch()


async def confirm(window: MainWindow, trigger: Callable[[], Any]) -> str:
    """Trigger an action that asks first, accept, wait; returns the question asked."""
    trigger()
    box = window.confirm_box
    assert box is not None and box.isVisible()
    text = box.text()  # type: ignore[attr-defined]
    window.confirm_yes.click()
    await window.wait_batch()
    return str(text)


def cell(window: MainWindow, skill: str, stage: str = CUSTOMER_STAGE) -> Cell:
    """The shown account's cell of `skill` (and stage, for owners)."""
    account = window.current_account()
    assert account is not None
    key = window.model.key(window.model.skills.index(skill), stage or None)
    found = window.model.cells.get(key)
    assert found is not None, f"no answer in {key}"
    return found


def shown(window: MainWindow, skill: str, column: int) -> str:
    """What the table shows in `skill`'s row and `column`."""
    model = window.model
    return str(model.index(model.skills.index(skill), column).data())
