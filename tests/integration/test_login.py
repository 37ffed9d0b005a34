"""Browser login against the sandbox with a scripted browser, and the token lifecycle."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from console.api.errors import AuthError
from console.auth.lwa import LoginFlow, LoginKind, scopes_for
from console.auth.provider import RefreshingTokenProvider
from console.auth.token_endpoint import LwaClient, TokenSet
from console.auth.tokens import TokenStore
from console.services import session
from tests.sandbox_client import (
    CLIENT_ID,
    CLIENT_SECRET,
    SKILL_TRIVIA,
    fake_xdg_open,
    scripted_browser,
)

pytestmark = pytest.mark.asyncio


def lwa(sandbox: Any) -> LwaClient:
    return LwaClient(sandbox.urls.token_url, CLIENT_ID, CLIENT_SECRET)


def flow(sandbox: Any, opener: Any, **kw: Any) -> LoginFlow:
    return LoginFlow(
        lwa(sandbox),
        sandbox.urls.authorize_url,
        scopes_for(LoginKind.DEVELOPER),
        open_browser=opener,
        **kw,
    )


async def test_login_success_then_the_token_works(sandbox: Any) -> None:
    opener, answers = scripted_browser()
    login = flow(sandbox, opener)
    url = await login.start()
    assert "code_challenge_method=S256" in url and login.listening and login.browser_opened
    tokens = await login.wait()
    assert tokens.access_token.startswith("Atza|") and tokens.refresh_token
    assert answers[0].status_code == 200 and "close this tab" in answers[0].text
    assert sandbox.state.resolve_access_token(tokens.access_token)[0].name == "developer"


async def test_deny_ends_the_login_with_a_clear_message(sandbox: Any) -> None:
    opener, _ = scripted_browser(decision="deny")
    login = flow(sandbox, opener)
    await login.start()
    with pytest.raises(AuthError, match="denied") as caught:
        await login.wait()
    assert "Allow" in caught.value.hint


async def test_wrong_state_and_wrong_path_are_ignored(sandbox: Any) -> None:
    bad_state = lambda loc: loc.replace("state=", "state=x")  # noqa: E731
    opener, answers = scripted_browser(tamper=bad_state)
    login = flow(sandbox, opener, timeout=1.0)
    await login.start()
    with pytest.raises(AuthError, match="timed out"):
        await login.wait()
    assert answers[0].status_code == 400
    opener, answers = scripted_browser(tamper=lambda loc: loc.replace("/callback", "/other"))
    login = flow(sandbox, opener, timeout=1.0)
    await login.start()
    with pytest.raises(AuthError, match="timed out"):
        await login.wait()
    assert answers[0].status_code == 404


async def test_a_second_callback_after_success_finds_nobody(sandbox: Any) -> None:
    import httpx

    opener, answers = scripted_browser()
    login = flow(sandbox, opener)
    await login.start()
    await login.wait()
    with pytest.raises(httpx.ConnectError):
        await asyncio.to_thread(httpx.get, str(answers[0].request.url))


async def test_code_replay_and_pkce_mismatch_are_refused(sandbox: Any) -> None:
    captured: list[str] = []
    opener, _ = scripted_browser(tamper=lambda loc: captured.append(loc) or loc)
    login = flow(sandbox, opener)
    await login.start()
    await login.wait()
    code = captured[0].split("code=")[1].split("&")[0]
    with pytest.raises(AuthError) as replay:
        await lwa(sandbox).exchange_code(code, login.redirect_uri, "v" * 43)
    assert replay.value.code == "invalid_grant" and code not in str(replay.value)
    opener, _ = scripted_browser()
    other = flow(sandbox, opener)
    await other.start()
    other._verifier = "w" * 50  # as if another login's verifier were sent
    with pytest.raises(AuthError, match="invalid_grant"):
        await other.wait()


async def test_expired_code_is_refused(sandbox: Any) -> None:
    opener, _ = scripted_browser(before=lambda: sandbox.clock.advance(301))
    login = flow(sandbox, opener)
    await login.start()
    with pytest.raises(AuthError, match="expired"):
        await login.wait()


async def test_timeout_when_no_browser_answers(sandbox: Any) -> None:
    login = flow(sandbox, lambda url: False, timeout=0.2)
    await login.start()
    assert not login.browser_opened
    with pytest.raises(AuthError, match="timed out"):
        await login.wait()


async def test_port_in_use_falls_back_to_pasting(sandbox: Any) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        pasted: list[str] = []
        opener, _ = scripted_browser(tamper=lambda loc: pasted.append(loc) or "http://127.0.0.1:9/")
        login = flow(sandbox, opener, port=port)
        await login.start()
        assert not login.listening and login.redirect_uri == f"http://127.0.0.1:{port}/callback"
        waiting = asyncio.ensure_future(login.wait())
        for _ in range(500):
            if pasted:
                break
            await asyncio.sleep(0.01)
        with pytest.raises(AuthError, match="state mismatch"):
            login.submit_redirect(pasted[0].replace("state=", "state=zz"))
        login.submit_redirect(pasted[0])
        tokens = await waiting
        assert tokens.access_token
    finally:
        taken.close()


async def test_refresh_on_expiry_and_single_flight(sandbox: Any) -> None:
    expired = TokenSet("Atza|old", "Atzr|sandbox-developer", expires_at=0)
    provider = RefreshingTokenProvider(lwa(sandbox), "Atzr|sandbox-developer", current=expired)
    first = await provider.access_token()
    assert first != "Atza|old" and provider.refresh_count == 1
    results = await asyncio.gather(*(provider.refresh(first) for _ in range(10)))
    assert provider.refresh_count == 2 and len(set(results)) == 1


async def test_revoked_refresh_token_ends_the_session(sandbox: Any) -> None:
    store = TokenStore("revoked")
    store.save("developer", TokenSet("Atza|x", "Atzr|sandbox-developer", expires_at=0))
    provider = session.token_provider(
        sandbox.env() | {"SKILL_CONSOLE_REFRESH_TOKEN": ""}, profile="revoked", store=store
    )
    sandbox.state.revoke("Atzr|sandbox-developer")
    with pytest.raises(AuthError) as caught:
        await provider.access_token()
    assert "log in again" in caught.value.hint.lower()
    assert store.load("developer") is None  # cleanly logged out
    with pytest.raises(AuthError, match="ended"):
        await provider.refresh("Atza|x")  # nothing retries forever


async def test_login_stores_in_keyring_and_status_uses_it(sandbox: Any) -> None:
    from console.services import ConsoleService
    from tests.integration.conftest import sandbox_settings

    env = sandbox.env() | {"SKILL_CONSOLE_REFRESH_TOKEN": ""}
    opener, _ = scripted_browser()
    await session.login(env, profile="qa", open_browser=opener)
    assert [i.kind for i in session.whoami("qa")] == ["developer"]
    provider = session.token_provider(env, profile="qa")
    async with ConsoleService(sandbox_settings(sandbox), provider) as svc:
        assert (await svc.check(SKILL_TRIVIA, "development")).state == "NOT_ENABLED"
    report = await session.logout(env, profile="qa")
    assert report.removed == ("developer",) and report.not_revoked == ()
    assert session.whoami("qa") == []


async def test_a_bad_client_secret_does_not_delete_the_login(sandbox: Any) -> None:
    store = TokenStore("typo")
    store.save("developer", TokenSet("Atza|x", "Atzr|sandbox-developer", expires_at=0))
    env = sandbox.env() | {"SKILL_CONSOLE_REFRESH_TOKEN": "", "SKILL_CONSOLE_CLIENT_SECRET": "typo"}
    provider = session.token_provider(env, profile="typo", store=store)
    with pytest.raises(AuthError) as caught:
        await provider.access_token()
    assert caught.value.code == "invalid_client" and "client secret" in caught.value.hint
    assert store.load("developer") is not None  # fixing the secret is enough
    fixed = session.token_provider(
        sandbox.env() | {"SKILL_CONSOLE_REFRESH_TOKEN": ""}, profile="typo", store=store
    )
    assert await fixed.access_token()


async def test_logout_says_when_revocation_failed_and_forgets_the_client_secret(
    sandbox: Any,
) -> None:
    store = TokenStore("leaky")
    store.save("developer", TokenSet("Atza|x", "Atzr|sandbox-developer", expires_at=0))
    store.save_client_secret("typo")
    report = await session.logout(
        sandbox.env() | {"SKILL_CONSOLE_CLIENT_SECRET": ""}, profile="leaky", store=store
    )
    assert report.removed == ("developer",) and "answered 401" in report.not_revoked[0]
    assert store.load("developer") is None and store.client_secret() is None


async def test_the_fixed_port_is_free_again_while_a_browser_lingers() -> None:
    from console.auth.loopback import LoopbackReceiver

    first = LoopbackReceiver("s1", port=0)
    port = first.port
    await first.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n")  # kept open, as browsers do
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    await first.close()
    second = LoopbackReceiver("s2", port=port)  # the next login on the same registered port
    await second.start()
    await second.close()
    writer.close()


async def test_a_browser_that_blocks_does_not_hold_up_the_login(sandbox: Any) -> None:
    import threading

    release = threading.Event()

    def terminal_browser(url: str) -> bool:  # like w3m: returns when the user quits it
        release.wait(10)
        return True

    flow = LoginFlow(
        lwa(sandbox), sandbox.urls.authorize_url, ("profile",), open_browser=terminal_browser
    )
    try:
        url = await flow.start()
        assert url.startswith(sandbox.urls.authorize_url) and flow.browser_opened
        assert not release.is_set()  # start() came back while the browser still runs
    finally:
        release.set()
        await flow.close()


async def test_logging_in_again_revokes_the_login_it_replaces(sandbox: Any) -> None:
    env = sandbox.env() | {"SKILL_CONSOLE_REFRESH_TOKEN": ""}
    for _ in range(2):
        opener, _ = scripted_browser()
        await session.login(env, profile="twice", open_browser=opener)
    grants = [g for t, g in sandbox.state.world.grants.items() if "sandbox-" not in t]
    assert [g.revoked for g in grants] == [True, False]


async def test_a_login_the_keychain_refuses_is_revoked_again(
    sandbox: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: TokenStore, kind: str, tokens: TokenSet, *_: object) -> None:
        raise AuthError("The OS keychain refused access (KeyringLocked)")

    monkeypatch.setattr(TokenStore, "save", refuse)
    opener, _ = scripted_browser()
    env = sandbox.env() | {"SKILL_CONSOLE_REFRESH_TOKEN": ""}
    with pytest.raises(AuthError) as caught:
        await session.login(env, open_browser=opener)
    assert "revoked again" in caught.value.hint
    grants = [g for t, g in sandbox.state.world.grants.items() if "sandbox-" not in t]
    assert grants and all(g.revoked for g in grants)


async def test_an_old_session_takes_over_a_newer_login_instead_of_deleting_it(
    sandbox: Any,
) -> None:
    store = TokenStore("newer")
    store.save("developer", TokenSet("Atza|x", "Atzr|sandbox-developer", expires_at=0))
    env = sandbox.env() | {"SKILL_CONSOLE_REFRESH_TOKEN": ""}
    old = session.token_provider(env, profile="newer", store=store)
    store.save("developer", TokenSet("Atza|y", "Atzr|sandbox-developer-other", expires_at=0))
    sandbox.state.revoke("Atzr|sandbox-developer")  # as the newer login does to the old one
    assert await old.access_token()  # the running session goes on with the newer login
    kept = store.load("developer")
    assert kept is not None and kept.tokens.refresh_token == "Atzr|sandbox-developer-other"
    sandbox.state.revoke("Atzr|sandbox-developer-other")  # now the login really ends
    with pytest.raises(AuthError):
        await old.refresh(await old.access_token())
    assert store.load("developer") is None


async def test_an_opener_that_finds_no_browser_is_reported_and_keeps_the_url_quiet(
    sandbox: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    handed = fake_xdg_open(tmp_path, monkeypatch, exit_code=3)
    login = flow(sandbox, None)  # None: the system browser, i.e. our fake xdg-open
    try:
        url = await login.start()
        assert handed.read_text().strip() == url  # the opener was asked
        assert not login.browser_opened
        out, err = capfd.readouterr()
        assert "code_challenge" not in out + err and "no method" not in err
    finally:
        await login.close()


async def test_an_opener_that_hands_the_url_over_is_reported_as_opened(
    sandbox: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed = fake_xdg_open(tmp_path, monkeypatch, exit_code=0)
    login = flow(sandbox, None)
    try:
        url = await login.start()
        assert login.browser_opened and handed.read_text().strip() == url
    finally:
        await login.close()
