"""Who signed in: the sandbox's LWA profile endpoint, and a customer login that asks it once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from console.api.models import Attempt
from console.auth.lwa import LoginKind
from console.auth.profile import fetch_customer
from console.auth.token_endpoint import TokenSet
from console.auth.tokens import TokenStore
from console.services import session
from tests.sandbox_client import scripted_browser

pytestmark = pytest.mark.asyncio

NORA = "Nora North <nora.north@example.com>"


def without_profile(opener: Any) -> Any:
    """A browser whose consent grants only the Alexa scope (as if `profile` were not asked)."""
    return lambda url: opener(url.replace("+profile", ""))


def profile_get(sandbox: Any, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{sandbox.urls.hub}/user/profile", headers=headers)


async def test_the_sandbox_profile_answers_as_lwa_does(sandbox: Any) -> None:
    full = sandbox.issue_tokens("customer-na", "alexa::skills:account_linking profile")
    answer = profile_get(sandbox, str(full["access_token"]))
    assert answer.status_code == 200
    assert answer.json() == {
        "user_id": "amzn1.account.SANDBOXNORA",
        "name": "Nora North",
        "email": "nora.north@example.com",
    }
    narrow = sandbox.issue_tokens("customer-na")  # the Alexa scope only
    refused = profile_get(sandbox, str(narrow["access_token"]))
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
    unknown = profile_get(sandbox, "Atza|not-a-token")
    assert unknown.status_code == 401 and unknown.json()["error"] == "invalid_token"
    sandbox.state.clock.advance(3601)
    expired = profile_get(sandbox, str(full["access_token"]))
    assert expired.status_code == 401 and expired.json()["error"] == "invalid_token"
    assert profile_get(sandbox, None).status_code == 401


async def test_fetch_customer_reports_why_the_name_is_missing(sandbox: Any) -> None:
    attempts: list[Attempt] = []
    token_url = sandbox.urls.token_url
    full = str(
        sandbox.issue_tokens("customer-eu", "alexa::skills:account_linking profile")["access_token"]
    )
    known = await fetch_customer(token_url, full, listeners=[attempts.append])
    assert known.who() == "Elena Europa <elena.europa@example.com>"
    assert "Elena" not in repr(known)  # personal data stays out of tracebacks and logs
    narrow = str(sandbox.issue_tokens("customer-eu")["access_token"])
    missing = await fetch_customer(token_url, narrow)
    assert not missing.known and "'profile' permission was not granted (403" in str(missing.missing)
    sandbox.add_fault(route="profile", status=503)
    failed = await fetch_customer(token_url, full)
    assert failed.missing == "the profile request was refused (503)"
    sandbox.add_fault(route="profile", malformed=True)
    garbled = await fetch_customer(token_url, full)
    assert not garbled.known and garbled.missing
    sandbox.add_fault(route="profile", drop=True)
    dropped = await fetch_customer(token_url, full)
    assert not dropped.known and "could not be fetched" in str(dropped.missing)
    assert attempts[0].method == "GET" and attempts[0].url == f"{sandbox.urls.hub}/user/profile"
    assert attempts[0].status == 200 and full not in repr(attempts)


async def test_a_customer_login_keeps_who_signed_in(sandbox: Any) -> None:
    env = sandbox.env() | {"SKILL_CONSOLE_REFRESH_TOKEN": ""}
    attempts: list[Attempt] = []
    opener, _ = scripted_browser("customer-na")
    tokens = await session.login(
        env,
        profile="who",
        kind=LoginKind.CUSTOMER,
        open_browser=opener,
        on_attempt=attempts.append,
    )
    [info] = session.whoami("who")
    assert info.customer is not None and info.customer.who() == NORA
    assert session.signed_in_customer(env, "who") == info.customer
    assert session.signed_in_customer(sandbox.env("customer-na"), "who") is None  # env tokens
    # The activity log saw the profile GET, and nothing of the answer or the token.
    profile = [a for a in attempts if a.url.endswith("/user/profile")]
    assert len(profile) == 1 and profile[0].status == 200
    seen = repr(attempts) + "".join(str(a.to_dict()) for a in attempts)
    assert "nora" not in seen.lower() and tokens.access_token not in seen
    # A refresh stores new tokens and keeps who signed in.
    assert tokens.refresh_token is not None
    fresh = TokenSet("Atza|fresh", tokens.refresh_token, expires_at=0)
    session.save_if_current(TokenStore("who"), "customer", fresh, tokens.refresh_token)
    stored = TokenStore("who").load("customer")
    assert stored is not None and stored.customer == info.customer
    await session.logout(env, profile="who")
    assert session.whoami("who") == [] and session.signed_in_customer(env, "who") is None


async def test_a_login_without_the_profile_scope_or_a_failing_profile_still_signs_in(
    sandbox: Any,
) -> None:
    env = sandbox.env() | {"SKILL_CONSOLE_REFRESH_TOKEN": ""}
    opener, _ = scripted_browser("customer-fe")
    await session.login(
        env, profile="narrow", kind=LoginKind.CUSTOMER, open_browser=without_profile(opener)
    )
    [info] = session.whoami("narrow")
    assert info.customer is not None and not info.customer.known
    assert "'profile' permission was not granted" in info.customer.describe()
    sandbox.add_fault(route="profile", status=500)
    opener, _ = scripted_browser("customer-fe")
    await session.login(env, profile="broken", kind=LoginKind.CUSTOMER, open_browser=opener)
    [info] = session.whoami("broken")
    assert info.kind == "customer" and info.customer is not None
    assert info.customer.missing == "the profile request was refused (500)"


async def test_a_developer_login_asks_no_profile(sandbox: Any) -> None:
    env = sandbox.env() | {"SKILL_CONSOLE_REFRESH_TOKEN": ""}
    attempts: list[Attempt] = []
    opener, _ = scripted_browser("developer")
    await session.login(env, profile="dev", open_browser=opener, on_attempt=attempts.append)
    assert not any(a.url.endswith("/user/profile") for a in attempts)
    assert session.whoami("dev")[0].customer is None


async def test_a_trickling_profile_answer_cannot_hold_the_sign_in_past_its_timeout() -> None:
    """An answer that keeps coming a byte at a time never trips httpx's per-read timeout; the
    fetch as a whole still ends at `request_timeout` (the sign-in waits for it), name unknown."""
    import asyncio
    import contextlib

    body = b'{"name": "Slow Sam", "email": "sam@example.com", "user_id": "amzn1.account.S"}'

    finished = asyncio.Event()

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            writer.write(b"Content-Length: %d\r\n\r\n" % len(body))
            for byte in body:  # ~8 s in all, each byte well within the read timeout
                if reader.at_eof():
                    break  # the client gave up
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.1)
        writer.close()
        finished.set()

    server = await asyncio.start_server(drip, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    async with server:
        token_url = f"http://{host}:{port}/auth/o2/token"
        customer = await fetch_customer(token_url, "Atza|test-only", request_timeout=1.0)
        await finished.wait()
    assert not customer.known
    assert "could not be fetched" in str(customer.missing)
