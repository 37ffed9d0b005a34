"""skill-console: the desktop app. `--sandbox` runs against the embedded sandbox;
`--self-test` opens the window offscreen, does one round trip and exits 0/1 (installers)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

from console import APP_NAME
from console.streams import ensure_std_streams

SELF_TEST_SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"
SELF_TEST_MORE = (  # two more demo rows: the answers must not trade places
    "amzn1.ask.skill.00000000-0000-4000-8000-000000000002",
    "amzn1.ask.skill.00000000-0000-4000-8000-000000000003",
)
FLAGS = ("--sandbox", "--self-test", "--version")
SELF_TEST_TIMEOUT = 90.0  # a safety net: the Check action gives up after its own 60 s deadline


class Options(NamedTuple):
    sandbox: bool
    self_test: bool
    version: bool = False


def parse_args(argv: Sequence[str] | None) -> Options:
    """The flags; argparse (a few ms of start-up) only for --help and mistakes."""
    args = list(sys.argv[1:] if argv is None else argv)
    if all(arg in FLAGS for arg in args):
        return Options("--sandbox" in args, "--self-test" in args, "--version" in args)
    import argparse

    parser = argparse.ArgumentParser(prog="skill-console", description=__doc__)
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="start the embedded sandbox and use its demo accounts",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="one round trip against the embedded sandbox, then exit 0/1",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parsed = parser.parse_args(args)
    return Options(parsed.sandbox, parsed.self_test, parsed.version)


def main(argv: Sequence[str] | None = None) -> int:
    ensure_std_streams()  # a windowed exe, a desktop launcher or `1>&- 2>&-`: no console
    args = parse_args(argv)
    if args.version:
        from console.version import version

        print(f"skill-console {version()}")
        return 0
    if args.self_test:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # never a window, whatever was inherited
        args = args._replace(sandbox=True)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from console.ui.source_cache import stop_source_caching

    stop_source_caching()  # before the window's modules: each would leave its source behind
    from console.ui.main_window import MainWindow

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Skill Enablement Console")
    app.setDesktopFileName(APP_NAME)  # Wayland finds the icon through the desktop entry
    app.setQuitOnLastWindowClosed(False)  # the main coroutine decides when we are done
    settings = QSettings(settings_path(), QSettings.Format.IniFormat)
    window = MainWindow(None, settings, sandbox=args.sandbox)
    window.show()
    while not window.painted:  # paint first; the event loop machinery after
        app.processEvents()
    from console.ui.about import set_window_icon

    set_window_icon(app)  # the SVG icon engine loads after the first frame, not before it
    bench = os.environ.get("SKILL_CONSOLE_EXIT_AFTER_FIRST_PAINT")  # the start-up benchmark
    if bench == "complete":  # ...until the log, shortcuts and all are there and drawn
        window.finish_start()
        window.repaint()
    if bench:
        return 0
    import asyncio

    import qasync

    loop = qasync.QEventLoop(app)
    loop.set_default_executor(worker_threads())
    asyncio.set_event_loop(loop)
    with loop:
        try:
            code: int = loop.run_until_complete(run(args, window))
        except Exception as error:  # a last resort: run() presents its own failures
            _log_debug("skill-console failed")
            if args.self_test:
                print(f"self-test FAILED: {one_line(error)}")
            else:
                print(f"skill-console: {one_line(error)}", file=sys.stderr)
            code = 1
    return code


def worker_threads() -> Any:
    """The executor behind asyncio.to_thread: threads start when work needs them (qasync's
    default starts ten at once, ~1 MiB of memory each at idle, for a rare keychain read)."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="console-worker")


def settings_path() -> str:
    """window.ini beside settings.toml (Qt's own lookup: no platformdirs before first paint)."""
    from PySide6.QtCore import QStandardPaths

    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    return os.path.join(base, APP_NAME, "window.ini")


async def run(args: Options, window: Any) -> int:
    """Bring up the sandbox and services behind the shown window; clean up on close.

    If that fails, no traceback reaches the user: --self-test prints one FAILED line and
    returns 1; otherwise the window stays open with the problem in its status panel, and
    closing it returns 1."""
    import asyncio

    sandbox: Any = None
    panel: Any = None
    step = "load the service modules"
    try:
        try:
            # The service stack (httpx, keyring, uvicorn) loads off the UI thread after first paint.
            await asyncio.to_thread(_load_service_modules)
            if args.sandbox:
                step = "start the embedded sandbox"
                sandbox = await start_sandbox()
                # A self-test (installers run it) leaves no history behind; a session does.
                window.set_backend(sandbox_backend(sandbox, record=not args.self_test))
            else:
                step = "load the profile"
                window.backend_factory = environment_backend
                window.set_backend(
                    environment_backend(str(window.settings.value("profile", "default")))
                )
        except Exception as error:
            _log_debug(f"could not {step}")
            failure: str | None = f"Could not {step}: {one_line(error)}"
        else:
            failure = None
        if failure is not None:
            return await start_failed(args, window, failure)
        panel = add_views(window, sandbox)
        settle_heap()
        if args.self_test:
            return await self_test(window)
        await window.shutdown.wait()
        return 0
    finally:
        await window.wait_idle()  # the operation, a sign-in, a profile swap, a code fetch
        if panel is not None:
            await _quietly(panel.aclose())
        await _quietly(window.backend.aclose() if window.backend is not None else None)
        if sandbox is not None:
            await _quietly(asyncio.to_thread(sandbox.stop))
        window.hide()
        window.deleteLater()


async def start_failed(args: Options, window: Any, what: str) -> int:
    """Tell the user, not a traceback; the window stays until they close it (exit code 1)."""
    if args.self_test:
        return _self_test_failed(what)
    if args.sandbox:
        hint = (
            "Quit (Ctrl+Q) and start skill-console --sandbox again; if it keeps failing, "
            "run 'skillctl sandbox' in a terminal to see why."
        )
    else:
        hint = (
            "Check settings.toml and the SKILL_CONSOLE_* variables, then quit (Ctrl+Q) and retry."
        )
    window.show_message(f"{what.rstrip('.')}.\n{hint}", error=True)
    await window.shutdown.wait()
    return 1


def one_line(error: BaseException) -> str:
    """An exception as one redacted line a person can read (its type if it has no text)."""
    return one_line_text(str(error)) or type(error).__name__


def one_line_text(text: str) -> str:
    """`text` on one line, with tokens, codes and secrets redacted."""
    from console.api.redact import redact

    return redact(" ".join(text.split()))


def _log_debug(what: str) -> None:
    """The traceback goes to the debug log only (off unless someone turns it on)."""
    import logging

    logging.getLogger(__name__).debug("%s", what, exc_info=True)


async def _quietly(step: Any) -> None:
    """Await a clean-up step; a failure there is logged at debug level, not shown as a traceback."""
    if step is None:
        return
    try:
        await step
    except Exception:
        _log_debug("clean-up step failed")


def settle_heap() -> None:
    """Once start-up is done: collect its garbage, then freeze what is left (modules, classes,
    the window) out of the garbage collector's sight. A full collection scans every tracked
    object: with the start-up heap in it, 21-38 ms after a 500-row batch on our 2-core VM, a
    stalled frame each time the collector's thresholds called one; frozen, ~3 ms."""
    import gc

    gc.collect()
    gc.freeze()


def _load_service_modules() -> None:
    """The service layer, off the UI thread, before the user can act. httpx's async transport
    (anyio, ~0.1 s of imports, ~3 MiB) loads here too: a worker thread importing it at the first
    service build still holds the GIL, and stalled the window's first action by ~30 ms."""
    import console.services.session
    import console.ui.backend
    from console.api.tls import shared_ssl_context

    shared_ssl_context()
    console.ui.backend.load_transport()
    del console


async def start_sandbox() -> Any:
    import asyncio

    from console.sandbox.server import SandboxServer

    server = SandboxServer(port_base=0)
    await asyncio.to_thread(server.start)  # binding and warming up off the UI thread
    return server


def add_views(window: Any, sandbox: Any) -> Any:
    """History (and in sandbox mode the Sandbox panel) as tabs beside the workbench; returns
    the panel (it owns an HTTP client to close) or None."""
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    # The History view is built when its tab is first opened (~0.8 MiB and its table's work
    # otherwise spent at every start); until then the tab holds an empty page for it.
    page = QWidget()
    QVBoxLayout(page).setContentsMargins(0, 0, 0, 0)

    def build_history(index: int) -> None:
        if window.views.widget(index) is not page or window.history_view is not None:
            return
        from console.ui.history_view import HistoryView

        history = HistoryView(window.history)
        window.history_view = history
        history.rerun_requested.connect(window.run_rows)
        window.answers_landed.connect(history.notify_changed)
        layout = page.layout()
        assert layout is not None
        layout.addWidget(history)
        tell_notice()

    def tell_notice() -> None:
        # Moved aside, or off because the data directory cannot be written: said once, when
        # the history has been opened (at the first answers or the History tab, not at start),
        # above whatever the window says then (the first answer's own words stay beneath).
        backend = window.backend
        notice = backend.history_notice() if backend is not None else None
        if notice:
            said = window.message.text()
            window.show_message(f"History: {notice}" + (f"\n{said}" if said else ""), error=True)

    def after_answers() -> None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, tell_notice)  # after the answer's own message is shown

    window.views.currentChanged.connect(build_history)
    window.answers_landed.connect(after_answers)
    window.add_view("History", page, "Ctrl+2")
    if sandbox is None:
        return None
    from console.ui.sandbox_panel import sandbox_panel

    panel = sandbox_panel(sandbox.urls)
    window.add_view("Sandbox", panel, "Ctrl+3")
    return panel


def sandbox_backend(server: Any, *, record: bool = True) -> Any:
    from console.ui.accounts import Account
    from console.ui.backend import Backend

    accounts = [
        Account(a["name"], a["kind"], f"{a['label']} — {a['name']}")
        for a in server.info()["accounts"]
    ]
    envs = {a.name: server.env(a.name) for a in accounts}
    backend = Backend(
        accounts,
        envs,
        login_env=server.env("developer"),
        partner_authorize_url=server.urls.partner_authorize_url,
        persist=False,
        record=record,
        profile="sandbox",
    )
    backend.demo_skills = {s["id"]: s["name"] for s in server.info()["skills"]}
    backend.sandbox_admin = server.urls.admin
    return backend


def environment_backend(profile: str = "default") -> Any:
    """Real Amazon: environment tokens (if set) or the profile's stored logins."""
    from console.services.session import effective_env
    from console.ui.accounts import Account
    from console.ui.backend import TOKEN_VARS, Backend

    env = effective_env(profile)
    accounts, envs = [], {}
    if any(env.get(var) for var in TOKEN_VARS):
        accounts = [
            Account("env", "developer", "Developer (tokens from SKILL_CONSOLE_*)"),
            Account("env-customer", "customer", "Customer (tokens from SKILL_CONSOLE_*)"),
        ]
        envs = {a.name: env for a in accounts}
    return Backend(accounts, envs, login_env=env, profile=profile)


async def self_test(window: Any) -> int:
    """Drive the workbench as a user would: the sandbox's developer, three demo skills as rows,
    select them, Check (both stages of each), change the selection while the answers are out;
    then read every cell: each answer must sit on the row and stage it was asked for."""
    import asyncio

    if not window._choose_account("developer"):
        return _self_test_failed("the sandbox's developer account is not in the Account list")
    skills = [SELF_TEST_SKILL, *SELF_TEST_MORE]
    window.model.add_skills(skills, window.names())
    window.select_skills(skills)
    if not window.check_action.isEnabled():
        return _self_test_failed("Check is disabled with three rows selected")
    rows_before = window.activity.model.rowCount()
    window.check_action.trigger()
    window.select_skills([skills[-1]])  # a selection change mid-flight moves no answer
    try:
        async with asyncio.timeout(SELF_TEST_TIMEOUT):
            await window.wait_batch()
    except TimeoutError:
        window.cancel()
        await window.wait_batch()
        return _self_test_failed(f"no answer within {SELF_TEST_TIMEOUT:.0f} s")
    requests = window.activity.model.rowCount() - rows_before
    cells = {key: cell for key, cell in window.model.cells.items() if key.skill_id in skills}
    misplaced = [
        key
        for key, cell in cells.items()
        if cell.result is None
        or (cell.result.row.skill_id, cell.result.row.stage) != (key.skill_id, key.stage)
    ]
    if len(cells) != 2 * len(skills) or misplaced:
        return _self_test_failed(f"{len(cells)} answered cells, misplaced: {misplaced}")
    first = next(
        c for k, c in cells.items() if k.skill_id == SELF_TEST_SKILL and k.stage == "development"
    )
    if first.state is None:
        result = first.result
        shown = " ".join(t for t in (result.message, result.hint) if t) or "no result shown"
        return _self_test_failed(f"Check failed: {shown}")
    region = window.backend.region(first.endpoint, "developer")
    print(
        one_line_text(
            f"self-test ok: {first.state} via {first.endpoint} ({region}) in {requests} HTTP "
            f"request(s); {len(cells)} answers on {len(skills)} rows, each on its own row"
        )
    )
    return 0


def _self_test_failed(what: str) -> int:
    print(one_line_text(f"self-test FAILED: {what}"))
    return 1


if __name__ == "__main__":
    sys.exit(main())
