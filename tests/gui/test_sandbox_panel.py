"""The sandbox panel against a real sandbox on loopback: faults, reset, clock, rotation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from console.services.sandbox_admin import FaultSpec, SandboxAdmin
from console.ui.palette import ERROR
from console.ui.sandbox_panel import SandboxPanel, sandbox_addresses, sandbox_panel
from tests.gui.colours import text_colour
from tests.gui.mnemonics import mnemonics


@pytest.fixture
def panel(sandbox: Any, qtbot: Any, qloop: Any) -> Iterator[SandboxPanel]:
    panel = sandbox_panel(sandbox.urls)  # as the app builds it
    qtbot.addWidget(panel)
    panel.resize(900, 500)
    yield panel  # shown by `press`, on the test's loop (showing starts a read of the faults)
    qloop.run_until_complete(panel.aclose())


async def press(panel: SandboxPanel, button: QPushButton, qtbot: Any) -> str:
    """Click as a user would and wait (on the loop, no nested wait) for the call to end."""
    panel.show()
    await panel.wait_idle()
    landed: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def on_done(text: str) -> None:
        if not landed.done():
            landed.set_result(text)

    panel.done.connect(on_done)
    try:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        return await landed
    finally:
        panel.done.disconnect(on_done)


async def admin_get(sandbox: Any, path: str) -> Any:
    async with httpx.AsyncClient(trust_env=False) as http:
        return (await http.get(f"{sandbox.urls.admin}/{path}")).json()


async def test_a_503_injected_with_one_click_is_active_in_the_sandbox(
    panel: SandboxPanel, sandbox: Any, qtbot: Any
) -> None:
    panel.route.setCurrentIndex(panel.route.findData("enable"))
    panel.target.setCurrentIndex(panel.target.findData("eu"))
    panel.count.setValue(2)
    text = await press(panel, panel.fault_buttons["503"], qtbot)
    rules = (await admin_get(sandbox, "faults"))["faults"]
    assert [(r["route"], r["region"], r["status"], r["count"]) for r in rules] == [
        ("enable", "eu", 503, 2)
    ]
    assert rules[0]["retry_after"] == "2"  # the Retry-After set beside the buttons
    assert text.startswith("Injected 503 for the next 2 calls")
    assert "EU endpoint" in text
    assert panel.fault_list.count() == 1
    assert "503 (Retry-After 2)" in panel.fault_list.item(0).text()

    await press(panel, panel.clear_button, qtbot)
    assert (await admin_get(sandbox, "faults"))["faults"] == []


async def test_reset_and_clock_advance_reach_the_sandbox(
    panel: SandboxPanel, sandbox: Any, qtbot: Any
) -> None:
    before = (await admin_get(sandbox, "clock"))["now"]
    text = await press(panel, panel.clock_buttons[1], qtbot)  # +1 h
    after = (await admin_get(sandbox, "clock"))["now"]
    assert after - before >= 3600
    assert "1 h forward" in text

    await press(panel, panel.fault_buttons["drop_response"], qtbot)
    panel.rotation.click()
    await panel.wait_idle()
    config = await admin_get(sandbox, "config")
    assert config["rotate_refresh_tokens"] is True
    assert len((await admin_get(sandbox, "faults"))["faults"]) == 1

    text = await press(panel, panel.reset_button, qtbot)
    assert (await admin_get(sandbox, "faults"))["faults"] == []
    assert (await admin_get(sandbox, "clock"))["now"] < after  # the offset is gone
    assert (await admin_get(sandbox, "config"))["rotate_refresh_tokens"] is False
    assert not panel.rotation.isChecked()
    assert "seed state" in text


async def test_an_unreachable_sandbox_is_told_in_words(qtbot: Any, qloop: Any) -> None:
    dead = "http://127.0.0.1:9/__admin"  # the discard port: nothing listens
    panel = SandboxPanel(SandboxAdmin(dead, timeout=2), {"Admin": dead})
    qtbot.addWidget(panel)
    try:
        text = await press(panel, panel.fault_buttons["429"], qtbot)
        assert "did not answer" in text and dead in text
        assert "Traceback" not in text
        assert text_colour(panel.message) == ERROR
        assert all(b.isEnabled() for b in panel.fault_buttons.values())  # usable again
    finally:
        await panel.aclose()


async def test_a_refused_fault_says_why(panel: SandboxPanel, qtbot: Any) -> None:
    with pytest.raises(Exception) as raised:
        await panel.admin.add_fault(FaultSpec(route="no-such-route", status=503))
    assert "unknown route" in str(raised.value)


def test_mnemonics_are_unique(sandbox: Any, qtbot: Any) -> None:
    panel = SandboxPanel(SandboxAdmin(sandbox.urls.admin), sandbox_addresses(sandbox.urls))
    qtbot.addWidget(panel)
    keys = mnemonics(panel)
    assert len(keys) == len(set(keys)), keys
