"""An account's service is built once, off the UI thread, however many rows ask at once."""

from __future__ import annotations

import asyncio
import threading

import pytest

from console.ui.accounts import Account
from console.ui.backend import Backend

ENV = {
    "SKILL_CONSOLE_ACCESS_TOKEN": "Atza|test-only",
    "SKILL_CONSOLE_ENDPOINTS": "na=http://127.0.0.1:9,eu=http://127.0.0.1:9,fe=http://127.0.0.1:9",
}


def backend() -> Backend:
    account = Account("dev", "developer", "Developer")
    return Backend([account], {"dev": ENV}, login_env=ENV, persist=False, record=False)


def test_rows_asking_at_once_share_one_build(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = backend()
    builds: list[str] = []
    release = threading.Event()
    original = Backend.service

    def slow(self: Backend, account: str) -> object:
        builds.append(threading.current_thread().name)
        release.wait(5)
        return original(self, account)

    monkeypatch.setattr(Backend, "service", slow)

    async def scenario() -> None:
        waiters = [asyncio.ensure_future(shared.aservice("dev")) for _ in range(3)]
        await asyncio.sleep(0.01)
        waiters[0].cancel()  # a row cancelled while it waits leaves the build to the others
        release.set()
        done = await asyncio.gather(*waiters, return_exceptions=True)
        assert isinstance(done[0], asyncio.CancelledError)
        assert done[1] is done[2] and done[1] is await shared.aservice("dev")
        await shared.aclose()

    asyncio.run(scenario())
    assert len(builds) == 1 and builds[0] != threading.main_thread().name


def test_a_failed_build_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    shared = backend()
    original = Backend.service
    calls: list[int] = []

    def flaky(self: Backend, account: str) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the first build fails")
        return original(self, account)

    monkeypatch.setattr(Backend, "service", flaky)

    async def scenario() -> None:
        with pytest.raises(RuntimeError):
            await shared.aservice("dev")
        assert await shared.aservice("dev") is not None
        await shared.aclose()

    asyncio.run(scenario())
    assert len(calls) == 2


def _closed(service: object) -> bool:
    return bool(service.client._http.is_closed)  # type: ignore[attr-defined]


def _held_build(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """Service builds that say when they start and wait for `release` before they finish."""
    started, release = threading.Event(), threading.Event()
    original = Backend.service

    def held(self: Backend, account: str) -> object:
        started.set()
        release.wait(5)
        return original(self, account)

    monkeypatch.setattr(Backend, "service", held)
    return started, release


def test_closing_during_a_build_closes_the_service_it_makes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The window closes while a row's service is being built: the service that build makes
    is closed too (it was stored after aclose had closed the others, and never closed)."""
    shared = backend()
    started, release = _held_build(monkeypatch)

    async def scenario() -> None:
        row = asyncio.ensure_future(shared.aservice("dev"))
        await asyncio.to_thread(started.wait, 5)
        closing = asyncio.ensure_future(shared.aclose())
        await asyncio.sleep(0)  # aclose is under way while the build still runs
        release.set()
        await closing
        assert _closed(await row)
        assert not shared._services

    asyncio.run(scenario())


def test_a_login_dropped_during_its_build_does_not_keep_that_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Logout (or a new login) drops the account's service while a row is building it: the
    build's service, made from the old login, is closed and not kept for the next row."""
    shared = backend()
    started, release = _held_build(monkeypatch)

    async def scenario() -> None:
        row = asyncio.ensure_future(shared.aservice("dev"))
        await asyncio.to_thread(started.wait, 5)
        dropping = asyncio.ensure_future(shared._drop("dev"))
        await asyncio.sleep(0)
        release.set()
        await dropping
        old = await row
        assert _closed(old)
        assert "dev" not in shared._services
        await shared.aclose()

    asyncio.run(scenario())


def test_an_accounts_settings_and_place_names_are_parsed_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import console.ui.backend as module

    parsed: list[str] = []
    original = module.api_settings

    def counting(env: dict[str, str]) -> object:
        parsed.append(env["SKILL_CONSOLE_ENDPOINTS"])
        return original(env)

    monkeypatch.setattr(module, "api_settings", counting)
    shared = backend()
    first = shared.places("dev")
    assert first["http://127.0.0.1:9"] == "NA endpoint"
    first["http://127.0.0.1:9"] = "changed by a caller"
    assert shared.places("dev")["http://127.0.0.1:9"] == "NA endpoint"  # a copy each time
    assert shared.settings("dev") is shared.settings("dev")
    assert shared.region("http://127.0.0.1:9", "dev") == "NA"
    assert len(parsed) == 1


def test_settings_that_cannot_be_read_are_refused_each_time() -> None:
    from console.api.errors import ConsoleError

    bad = {"SKILL_CONSOLE_ENDPOINTS": "na=ftp://nowhere"}
    shared = Backend(
        [Account("dev", "developer", "Developer")],
        {"dev": bad},
        login_env=bad,
        persist=False,
        record=False,
    )
    for _ in range(2):  # the failure is not remembered as settings
        with pytest.raises(ConsoleError):
            shared.settings("dev")
