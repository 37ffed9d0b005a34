"""The workbench's promises: an answer lands on the row it was asked for, whatever the
selection or account does meanwhile; per-row retry countdown; batch Cancel; the layout fits
1366×768 and 1280×720; Tab leaves the table; colours come from the palette."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QStyleOptionViewItem

from console.ui.cells import LOOKS, clean_ids
from console.ui.main_window import MainWindow
from console.ui.workbench_model import STATE_ROLE, StateDelegate, WorkbenchModel
from tests.gui.workbench import cell, choose, run, select, shown, until
from tests.sandbox_client import SKILL_FLAKY, SKILL_TRIVIA, SKILL_WEATHER


async def test_an_answer_stays_on_its_row_when_the_selection_changes(
    window: MainWindow, sandbox: Any
) -> None:
    select(window, SKILL_TRIVIA, SKILL_WEATHER)
    await run(window, window.check_action.trigger)
    before = window.model.cells[window.model.key(1, "development")].checked
    sandbox.add_fault(route="enable", latency=1.0, count=1)  # A's answer comes late
    select(window, SKILL_TRIVIA)
    window.enable_action.trigger()
    await until(lambda: not sandbox.faults.rules())  # A's request is at the server
    select(window, SKILL_WEATHER)  # the user moves on to B meanwhile
    assert "Enabling" in shown(window, SKILL_TRIVIA, 2)  # A's row says it runs, B's does not
    assert "Enabling" not in shown(window, SKILL_WEATHER, 2)
    assert "Sandbox Weather" in window.detail.title.text()
    await window.wait_batch()
    assert cell(window, SKILL_TRIVIA, "development").state == "ENABLED"  # A only
    weather = cell(window, SKILL_WEATHER, "development")
    assert weather.result is not None and weather.result.row.operation == "status"
    assert weather.checked == before
    assert "Enabled" not in window.detail.text.toPlainText().split("Stage live")[0]


async def test_an_answer_for_another_account_or_a_removed_row_is_dropped(
    window: MainWindow, sandbox: Any
) -> None:
    choose(window, "customer-eu")
    select(window, SKILL_TRIVIA, SKILL_WEATHER)
    sandbox.add_fault(route="customer-status", latency=1.0, count=2)
    window.check_action.trigger()
    await until(lambda: not sandbox.faults.rules())
    window.model.remove_skills([SKILL_WEATHER])  # a row that goes: its answer is dropped
    choose(window, "customer-na")  # another customer: the first one's answers never show
    await window.wait_batch()
    assert not window.model.cells  # nothing of Elena's landed on Nora's rows
    assert shown(window, SKILL_TRIVIA, 2).endswith("Not checked")
    assert SKILL_WEATHER not in window.model.skills


async def test_a_batch_with_cancel_reports_every_row(window: MainWindow, sandbox: Any) -> None:
    skills = [SKILL_TRIVIA, SKILL_WEATHER, SKILL_FLAKY]
    select(window, *skills)
    await run(window, window.check_action.trigger)
    checked = {s: cell(window, s, "live").checked for s in skills}
    sandbox.add_fault(route="get-enablement", latency=5.0, share=1.0)
    window.check_action.trigger()
    assert window.progress.isVisible() and window.cancel_action.isEnabled()
    assert not window.check_action.isEnabled()  # no second batch over the first
    seen = len(sandbox.faults.journal())
    await until(lambda: len(sandbox.faults.journal()) > seen)  # a slow request is out
    window.cancel_action.trigger()  # Esc
    await window.wait_batch()
    assert not window.progress.isVisible() and not window.cancel_action.isEnabled()
    assert "cancelled" in window.message.text()
    logged = window.activity.model.attempts()
    assert any(a.decision == "cancelled" and a.status is None for a in logged)  # item 9
    for skill in skills:
        live = cell(window, skill, "live")
        assert not live.running
        assert live.checked == checked[skill]  # a cancelled read is not "Last checked"
        assert live.state is not None  # and what was known stays
        assert "cancelled" in (live.note or "")
    assert window.check_action.isEnabled()


async def test_the_retry_countdown_is_in_its_row_and_counts_down(
    window: MainWindow, sandbox: Any
) -> None:
    sandbox.add_fault(route="get-enablement", status=429, retry_after="3", count=2)
    select(window, SKILL_TRIVIA)
    window.check_action.trigger()

    def counting() -> str:
        return shown(window, SKILL_TRIVIA, 2) + " | " + shown(window, SKILL_TRIVIA, 3)

    await until(lambda: "retry in" in counting())
    first = counting()
    assert "attempt 2 of 5" in first and "retry in 3 s" in first
    await until(lambda: "retry in 2 s" in counting() or "retry in 1 s" in counting())
    assert "retry in" not in shown(window, SKILL_WEATHER, 2)  # only its own row
    await window.wait_batch()
    assert "retry" not in counting()  # no stale countdown once answered
    attempts = cell(window, SKILL_TRIVIA, "development").attempts
    assert any(a.status == 429 for a in attempts)
    assert all(a.request_id for a in attempts)


def test_tab_leaves_the_table(window: MainWindow, qtbot: Any) -> None:
    qtbot.waitExposed(window)
    select(window, SKILL_TRIVIA, SKILL_WEATHER)
    assert not window.table.tabKeyNavigation()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Tab)
    assert window.focusWidget() is not window.table
    assert window.selected_skills() == [SKILL_TRIVIA, SKILL_WEATHER]  # Tab selected nothing
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Backtab)
    assert window.focusWidget() is not window.table


@pytest.mark.parametrize("size", [(1366, 768), (1280, 720)])
@pytest.mark.parametrize("kind", ["developer", "customer-eu", "customer-eu+login"])
def test_every_primary_action_is_visible_at_laptop_sizes(
    window: MainWindow, qtbot: Any, size: tuple[int, int], kind: str
) -> None:
    kind, _, login = kind.partition("+")
    choose(window, kind)
    window.sign_in.setChecked(bool(login))  # the login pane open too
    window.model.add_skills([f"amzn1.ask.skill.{n:08d}-aaaa" for n in range(60)])  # long list
    select(window, SKILL_TRIVIA)
    width, height = size[0], size[1] - 30  # minus a title bar
    window.resize(width, height)
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.size().width() == width)
    assert window.minimumSizeHint().width() <= width and window.minimumSizeHint().height() <= height
    assert window.minimumWidth() <= 1024 and window.minimumHeight() <= 600  # the stated minimum
    buttons = [window.cancel_button, window.detail.copy_result, window.detail.copy_case]
    buttons += [b for b in window.findChildren(type(window.cancel_button)) if b.isVisible()]
    if kind != "developer":
        buttons += [window.detail.link_button, window.detail.partner_code]
    if login:
        buttons += [window.login.login_button, window.login.profile]
    for widget in buttons:
        assert widget.isVisible(), widget.text()
        assert not widget.visibleRegion().isEmpty(), widget.text()
        top_left = widget.mapTo(window, QPoint(0, 0))
        assert window.rect().contains(top_left), widget.text()
        assert window.rect().contains(top_left + QPoint(widget.width() - 1, widget.height() - 1))
    assert all(s > 0 for s in window.splitter.sizes())


def test_the_layout_does_not_depend_on_the_list(window: MainWindow, qtbot: Any) -> None:
    qtbot.waitExposed(window)
    hint = window.minimumSizeHint()
    window.model.add_skills(["amzn1.ask.skill." + "x" * 200], {})  # a very long ID
    window.pin("amzn1.ask.skill." + "x" * 200, "A very long friendly name " * 5)
    assert window.minimumSizeHint() == hint


def test_messages_and_progress_move_nothing(window: MainWindow, qtbot: Any) -> None:
    qtbot.waitExposed(window)
    where = window.views.geometry()
    window.show_message("A long message " * 40, error=True)
    window.progress.show()
    window.layout().activate()
    assert window.views.geometry() == where


def test_pasted_ids_are_trimmed_and_split() -> None:
    good, bad = clean_ids(f" {SKILL_TRIVIA}\r\n{SKILL_WEATHER},{SKILL_TRIVIA}\n\t 'oops'  ")
    assert good == [SKILL_TRIVIA, SKILL_WEATHER] and bad == ["oops"]


def test_the_model_stands_qts_checks(qtmodeltester: Any) -> None:
    model = WorkbenchModel()
    model.set_account("developer", "developer")
    model.add_skills([SKILL_TRIVIA, SKILL_WEATHER], {SKILL_TRIVIA: "Trivia"})
    qtmodeltester.check(model, force_py=True)
    model.set_account("customer-eu", "customer")
    qtmodeltester.check(model, force_py=True)


def test_a_rows_change_repaints_that_row_only(qtbot: Any) -> None:
    model = WorkbenchModel()
    model.add_skills([SKILL_TRIVIA, SKILL_WEATHER])
    with qtbot.waitSignal(model.dataChanged) as signal:
        model.changed(SKILL_WEATHER)
    assert signal.args[0].row() == 1 and signal.args[1].row() == 1
    model.changed("amzn1.ask.skill.unknown")  # an unknown key is a no-op


def test_many_rows_change_in_one_signal_per_run_of_adjacent_rows() -> None:
    model = WorkbenchModel()
    skills = [f"amzn1.ask.skill.{n:08d}" for n in range(6)]
    model.add_skills(skills)
    spans: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, _roles=(): spans.append((a.row(), a.column(), b.row(), b.column()))
    )
    model.changed_many([skills[4], skills[0], skills[1], "amzn1.ask.skill.unknown", skills[5]])
    assert spans == [(0, 0, 1, 4), (4, 0, 5, 4)]  # every column of rows 0-1 and 4-5
    model.remove_skills([skills[0]])  # the rows move up; the lookup follows
    assert model.row_of(skills[1]) == 0 and model.row_of(skills[0]) is None
    model.add_skills([skills[0]])
    assert model.row_of(skills[0]) == 5 and model.skills.index(skills[0]) == 5


def paint(state: str, palette: QPalette) -> QColor:
    """The fill the delegate gives a cell of `state` under `palette`."""
    model = WorkbenchModel()
    model.add_skills([SKILL_TRIVIA])
    index = model.index(0, 2)
    image = QImage(200, 24, QImage.Format.Format_RGB32)
    image.fill(palette.color(QPalette.ColorRole.Base))
    option = QStyleOptionViewItem()
    option.rect = image.rect()
    option.palette = palette
    option.fontMetrics = QPainter(image).fontMetrics()

    class Fixed:
        def data(self, role: int) -> object:
            return state if role == STATE_ROLE else index.data(role)

    painter = QPainter(image)
    StateDelegate().paint(painter, option, Fixed())  # type: ignore[arg-type]
    painter.end()
    return image.pixelColor(150, 3)


def test_states_look_distinct_and_follow_dark_mode() -> None:
    light = QPalette()
    light.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    dark = QPalette()
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    states = ["enabled", "disabled", "no_association", "failed", "unknown", "transitional"]
    for palette in (light, dark):
        fills = {s: paint(s, palette).name() for s in states}
        assert len(set(fills.values())) == len(states), fills
    assert paint("enabled", dark).lightness() < 128 < paint("enabled", light).lightness()
    symbols = [look[1] for look in LOOKS.values()]
    assert len(set(symbols)) == len(symbols)  # not colour alone


async def test_other_views_join_as_tabs_and_history_rows_rerun_on_the_workbench(
    window: MainWindow,
) -> None:
    from PySide6.QtWidgets import QLabel

    from console.services.batch import BatchRow

    history = QLabel("history")
    index = window.add_view("&History", history, "Ctrl+H")
    assert window.views.widget(index) is history and window.views.count() == 2
    window.views.setCurrentIndex(0)
    next(a for a in window.actions() if a.text() == "Show History").trigger()
    assert window.views.currentWidget() is history
    choose(window, "customer-eu")  # a developer row picks a developer account
    rows = [BatchRow(1, "status", SKILL_FLAKY, "live", profile="sandbox", kind="developer")]
    assert window.run_rows(rows)
    await window.wait_batch()
    assert window.current_account().name == "developer"  # type: ignore[union-attr]
    assert cell(window, SKILL_FLAKY, "live").state is not None
    assert window.history is window.backend.history  # type: ignore[union-attr]


async def test_failures_name_the_endpoint_not_the_raw_host(
    window: MainWindow, sandbox: Any
) -> None:
    sandbox.add_fault(route="get-enablement", drop=True, share=1.0)
    select(window, SKILL_TRIVIA)
    await run(window, window.check_action.trigger)
    failed = cell(window, SKILL_TRIVIA, "development").failed or ""
    details = window.detail.text.toPlainText()
    assert failed and "127.0.0.1" not in failed and "127.0.0.1" not in details
    assert "NA endpoint" in details


def test_tab_reaches_every_control(window: MainWindow, qtbot: Any) -> None:
    choose(window, "customer-eu")
    select(window, SKILL_TRIVIA)
    window.detail.partner_code.setText("a-code")  # Link enabled: it must be reachable
    qtbot.waitExposed(window)
    window.add_ids.setFocus()
    seen = []
    for _ in range(60):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        seen.append(window.focusWidget())
    wanted = [
        window.account,
        window.sign_in,
        window.table,
        window.detail.copy_result,
        window.detail.partner_code,
        window.detail.redirect_uri,
        window.detail.link_button,
        *[b for b in window.customer_buttons if b.isEnabled()],
    ]
    missing = [w.accessibleName() or w.objectName() for w in wanted if w not in seen]
    assert not missing


def test_help_lists_the_shortcuts_and_the_title_names_the_app_once(window: MainWindow) -> None:
    help_menu = next(a for a in window.menuBar().actions() if a.text() == "&Help").menu()
    texts = [a.text() for a in help_menu.actions()]  # type: ignore[union-attr]
    assert "Keyboard &shortcuts" in texts and "&About Skill Console" in texts
    window.shortcuts_action.trigger()
    listed = window.dialog.text()  # type: ignore[union-attr]
    assert "F5\tCheck" in listed and "Esc\tCancel" in listed and "Ctrl+Shift+L" in listed
    window.dialog.close()  # type: ignore[union-attr]
    assert "Skill Enablement Console" not in window.windowTitle()


async def test_copy_case_summary_holds_the_customers_region_and_rows(
    window: MainWindow, qapp: Any
) -> None:
    choose(window, "customer-eu")
    await run(window, window.endpoint_action.trigger)
    select(window, SKILL_TRIVIA, SKILL_WEATHER)
    await run(window, window.check_action.trigger)
    window.detail.copy_case.click()
    text = qapp.clipboard().text()
    assert "Customer region: EU" in text
    assert f"{SKILL_TRIVIA}: NO_ASSOCIATION" in text and SKILL_WEATHER in text
    assert "Atzr|" not in text and "Atza|" not in text
    select(window, SKILL_TRIVIA)
    window.detail.copy_result.click()
    assert SKILL_TRIVIA in qapp.clipboard().text() and "Request id" in qapp.clipboard().text()


def test_delete_removes_the_selected_rows(window: MainWindow, qtbot: Any) -> None:
    qtbot.waitExposed(window)
    select(window, SKILL_TRIVIA, SKILL_WEATHER)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    assert SKILL_TRIVIA not in window.model.skills and SKILL_WEATHER not in window.model.skills


async def test_a_refused_code_is_spent_and_the_known_state_stays(
    window: MainWindow, sandbox: Any
) -> None:
    choose(window, "customer-eu")
    select(window, SKILL_TRIVIA)
    await run(window, window.check_action.trigger)
    before = cell(window, SKILL_TRIVIA).state
    window.stage.setCurrentText("live")
    window.detail.partner_code.setText("  not-a-real-code  ")
    await run(window, window.link_action.trigger)
    refused = cell(window, SKILL_TRIVIA)
    assert refused.state == before and not refused.lost and refused.failed  # item 6
    assert window.detail.partner_code.text() == ""  # it went out: spent, cleared
    assert not window.link_action.isEnabled()  # and Link waits for a new code


def window_texts(window: MainWindow, skill: str) -> str:
    """Everything the window shows about `skill`: message line, row cells and tooltips, detail."""
    model = window.model
    row = model.skills.index(skill)
    cells = [
        str(model.index(row, column).data(role))
        for column in range(model.columnCount())
        for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
    ]
    shown_text = [window.message.text(), window.detail.text.toPlainText(), *cells]
    return "\n".join([*shown_text, window.detail.title.text()])


@pytest.mark.parametrize("read_too", [False, True], ids=["read-after", "read-lost-too"])
async def test_a_lost_answer_names_the_endpoint_and_says_the_change_may_have_happened(
    window: MainWindow, sandbox: Any, read_too: bool
) -> None:
    sandbox.add_fault(route="enable", drop_response=True, share=1.0)
    if read_too:  # the follow-up read cannot say either: the change may have landed
        sandbox.add_fault(route="get-enablement", drop=True, share=1.0)
    select(window, SKILL_TRIVIA)
    await run(window, window.enable_action.trigger)
    texts = window_texts(window, SKILL_TRIVIA)
    assert "NA endpoint" in texts and "127.0.0.1" not in texts
    assert "check the network" not in texts.lower()
    assert ("may have" in texts) if read_too else ("shows the stage ENABLED" in texts)
    assert f"NA endpoint: {sandbox.urls.na}" in window.detail.text.toolTip()  # for support


async def test_the_progress_bar_is_not_repainted_once_per_answer(
    window: MainWindow, sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QProgressBar.setValue repaints the window at once: per answer, several answers landing
    in one turn repainted it several times in that turn (a batch's longest stalls). The bar
    is set from its own timer, at most every PROGRESS_MS, with the latest count."""
    callers: list[str] = []
    set_value = window.progress.setValue

    def recorded(value: int) -> None:
        callers.append(sys._getframe(1).f_code.co_name)
        set_value(value)

    monkeypatch.setattr(window.progress, "setValue", recorded)
    skills = [SKILL_TRIVIA, SKILL_WEATHER, SKILL_FLAKY]
    select(window, *skills)
    sandbox.add_fault(route="get-enablement", latency=0.3, count=1)  # the bar is up a while
    await run(window, window.check_action.trigger)
    assert "go" not in callers  # never from the loop that lands the answers
    # Five answers came at once and the sixth 0.3 s later: meanwhile the bar's timer showed them.
    assert "<lambda>" in callers


async def test_an_account_switch_refreshes_the_detail_pane_once(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    select(window, SKILL_TRIVIA)
    shown_details: list[str] = []
    original = MainWindow._show_detail

    def counting(self: MainWindow) -> None:
        shown_details.append(self.current_account().name)  # type: ignore[union-attr]
        original(self)

    monkeypatch.setattr(MainWindow, "_show_detail", counting)
    choose(window, "customer-na")
    assert shown_details == ["customer-na"]  # the selection's two signals and the switch: one
    assert window.selected_skills() == [SKILL_TRIVIA]  # the row stays selected
    assert "Customer status: Not checked" in window.detail.text.toPlainText()
    assert window.link_action.isEnabled() is False and window.check_action.isEnabled()
    select(window, SKILL_TRIVIA, SKILL_WEATHER)
    assert shown_details == ["customer-na", "customer-na"]
    assert "2 rows selected" in window.detail.title.text()


async def test_answers_landing_together_leave_a_turn_to_the_window_past_the_budget(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    import console.ui.main_window as module
    from console.services import batch

    monkeypatch.setattr(module, "APPLY_BUDGET_S", 0.0)  # every answer is over the budget
    events: list[str] = []
    original_results = batch.BatchRun.results

    async def together(self: batch.BatchRun) -> Any:
        answers = [r async for r in original_results(self)]  # all land, then come at once
        events.append("all landed")
        for answer in answers:
            yield answer

    original_apply = MainWindow._apply

    def apply(self: MainWindow, result: Any) -> None:
        events.append("apply")
        asyncio.get_running_loop().call_soon(events.append, "turn")  # the loop's next turn
        original_apply(self, result)

    monkeypatch.setattr(batch.BatchRun, "results", together)
    monkeypatch.setattr(MainWindow, "_apply", apply)
    select(window, SKILL_TRIVIA, SKILL_WEATHER)
    await run(window, window.check_action.trigger)
    applied = events[events.index("all landed") + 1 :]
    assert applied.count("apply") == 4  # two skills × two stages
    assert applied[:4] == ["apply", "turn", "apply", "turn"]  # a turn between answers
    assert cell(window, SKILL_WEATHER, "live").checked is not None  # and all were applied


def test_a_cell_is_made_once_and_found_after(monkeypatch: pytest.MonkeyPatch) -> None:
    import console.ui.workbench_model as module

    made: list[int] = []
    original = module.Cell

    def counting() -> Any:
        made.append(1)
        return original()

    monkeypatch.setattr(module, "Cell", counting)
    model = WorkbenchModel()
    model.set_account("developer", "developer")
    model.add_skills([SKILL_TRIVIA])
    key = model.key(0, "live")
    first = model.cell(key)
    assert first is not None and all(model.cell(key) is first for _ in range(3))
    assert len(made) == 1  # a batch asks for each of its cells several times
    assert model.cell(key._replace(account="other")) is None and len(made) == 1


async def test_after_an_account_switch_the_detail_pane_follows_a_turn_later(
    window: MainWindow, sandbox: Any
) -> None:
    select(window, SKILL_TRIVIA)
    await run(window, window.check_action.trigger)
    assert "Enabled" in window.detail.text.toPlainText() or "Not enabled" in (
        window.detail.text.toPlainText()
    )
    assert window._choose_account("customer-na")  # the combo box, as a user picks it
    # at once: the actions are the customer's, and nothing of the developer's answer shows
    assert window.unlink_action.isEnabled() and not window.enable_action.isEnabled()
    assert window.detail.text.toPlainText() == "" and "Trivia" not in window.detail.title.text()
    await until(lambda: "Customer status: Not checked" in window.detail.text.toPlainText())
    assert window.detail.link_box.isVisibleTo(window.detail)  # a turn later, in its own frame
    assert window.detail.title.text().endswith("for Nora (customer, North America)")
