"""The API client's connection pool (console.api.pool) over real loopback sockets.

A small HTTP/1.1 server on 127.0.0.1 holds answers until the test lets them go, so requests
overlap exactly as a batch makes them overlap; it counts connections, and what it was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx
import pytest
import pytest_asyncio

from console.api import pool
from console.api.client import ApiSettings, SkillApiClient
from console.api.models import Region

pytestmark = pytest.mark.asyncio


@dataclass
class Server:
    """Answers `200 ok` to every request; `hold` keeps answers back until it is set."""

    close_after_answer: bool = False
    hold: asyncio.Event = field(default_factory=asyncio.Event)
    requests: int = 0
    waiting: int = 0  # requests read and not yet answered
    connections: int = 0
    open_now: int = 0
    most_open: int = 0
    closed: asyncio.Event = field(default_factory=asyncio.Event)  # a connection has ended
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    url: str = ""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            while (head := await reader.readuntil(b"\r\n\r\n")) is not None:
                assert head.startswith(b"GET ")
                self.requests += 1
                self.waiting += 1
                async with self.arrived:
                    self.arrived.notify_all()
                await self.hold.wait()
                self.waiting -= 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                await writer.drain()
                if self.close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self.open_now -= 1
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self.closed.set()

    async def until_waiting(self, count: int) -> None:
        async with self.arrived:
            await self.arrived.wait_for(lambda: self.waiting >= count)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    listener = await asyncio.start_server(state.serve, "127.0.0.1", 0)
    host, port = listener.sockets[0].getsockname()[:2]
    state.url = f"http://{host}:{port}/"
    async with listener:
        yield state
        listener.close()


def reserving_client(**limits: Any) -> httpx.AsyncClient:
    client = httpx.AsyncClient(limits=httpx.Limits(**limits), timeout=10)
    assert pool.install(client)
    return client


def pool_of(client: httpx.AsyncClient) -> Any:
    return client._transport._pool  # type: ignore[attr-defined]


async def test_the_api_client_uses_the_reserving_pool() -> None:
    """With the httpcore in uv.lock: a guard that an upgrade did not quietly turn it off."""
    settings = ApiSettings(endpoints={Region.NA: "http://127.0.0.1:9"})
    client = SkillApiClient(settings, tokens=_NoTokens())
    try:
        assert type(pool_of(client._http)) is pool.ReservingConnectionPool
    finally:
        await client.aclose()


@dataclass
class Passes:
    """How many times the pool matched requests to connections."""

    count: int = 0


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> Passes:
    seen = Passes()
    assign = pool.ReservingConnectionPool._assign_requests_to_connections

    def counted(self: pool.ReservingConnectionPool) -> list[Any]:
        seen.count += 1
        return assign(self)

    monkeypatch.setattr(pool.ReservingConnectionPool, "_assign_requests_to_connections", counted)
    return seen


async def test_each_request_is_matched_to_a_connection_once(server: Server, passes: Passes) -> None:
    """Eight at a time, 64 requests: each assigned once (a pass as it enters, one as it ends).
    httpcore's own pool handed one idle connection to several requests at once; all but one
    then failed with ConnectionNotAvailable and went round again."""
    server.hold.set()
    queue = list(range(64))
    async with reserving_client() as client:

        async def worker() -> None:
            while queue:
                queue.pop()
                assert (await client.get(server.url)).text == "ok"

        await asyncio.gather(*(worker() for _ in range(8)))
        assert len(pool_of(client).connections) <= 8
    assert server.requests == 64
    assert passes.count == 2 * 64
    assert server.connections <= 8


async def test_a_connection_the_server_closed_is_not_reused(server: Server) -> None:
    server.close_after_answer = True
    server.hold.set()
    async with reserving_client() as client:
        assert (await client.get(server.url)).text == "ok"
        await server.closed.wait()  # the server has closed the idle connection
        assert (await client.get(server.url)).text == "ok"
    assert server.connections == 2


async def test_max_connections_is_kept(server: Server, passes: Passes) -> None:
    """Six requests for two connections: the four waiting are each handed a connection once,
    as one comes back (no connection given to two of them)."""
    async with reserving_client(max_connections=2) as client:
        sent = [asyncio.create_task(client.get(server.url)) for _ in range(6)]
        await server.until_waiting(2)
        server.hold.set()
        answers = await asyncio.gather(*sent)
    assert [a.text for a in answers] == ["ok"] * 6
    assert server.most_open == 2
    assert server.connections == 2  # the two were kept alive and reused
    assert passes.count == 2 * 6


async def test_idle_connections_beyond_the_keep_alive_limit_are_closed(server: Server) -> None:
    async with reserving_client(max_connections=10, max_keepalive_connections=2) as client:
        sent = [asyncio.create_task(client.get(server.url)) for _ in range(6)]
        await server.until_waiting(6)
        assert server.open_now == 6
        server.hold.set()
        await asyncio.gather(*sent)
        assert len(pool_of(client).connections) <= 2


async def test_a_cancelled_queued_request_leaves_the_pool_usable(server: Server) -> None:
    async with reserving_client(max_connections=1) as client:
        first = asyncio.create_task(client.get(server.url))
        await server.until_waiting(1)
        queued = asyncio.create_task(client.get(server.url))
        await asyncio.sleep(0)  # let it enter the pool and wait there
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        server.hold.set()
        assert (await first).text == "ok"
        assert (await client.get(server.url)).text == "ok"
        assert not pool_of(client)._requests
    assert server.connections == 1


async def test_other_transports_are_left_alone() -> None:
    mocked = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(200)))
    async with mocked:
        assert not pool.install(mocked)
    used = httpx.AsyncClient()
    async with used:
        assert pool.install(used)
        assert not pool.install(used)  # already replaced: nothing to do
    assert type(pool_of(used)) is pool.ReservingConnectionPool
    assert httpcore.AsyncConnectionPool in pool.ReservingConnectionPool.__mro__


class _NoTokens:
    """A token provider the pool test never asks for a token."""

    def add_listener(self, listener: Any) -> None:
        pass

    async def access_token(self) -> str:
        raise AssertionError("not used")

    def fresh_token(self) -> str | None:
        raise AssertionError("not used")

    async def refresh(self, rejected: str) -> str:
        raise AssertionError("not used")


def short_pool_wait_client(**limits: Any) -> httpx.AsyncClient:
    """A reserving client whose requests give up waiting for a connection after 5 s (a pool
    that lost its only connection would make them wait for ever)."""
    client = httpx.AsyncClient(limits=httpx.Limits(**limits), timeout=httpx.Timeout(10, pool=5))
    assert pool.install(client)
    return client


async def test_a_request_cancelled_as_it_is_handed_a_new_connection_gives_it_back(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The queued request is cancelled in the very turn the pool creates a connection for it,
    before it could connect: that never-used connection must not keep its place in the pool
    (httpcore's own pool keeps it for ever; at max_connections=1 every later request waited)."""
    server.close_after_answer = True  # the first answer's connection cannot be reused
    async with short_pool_wait_client(max_connections=1) as client:
        reserving = pool_of(client)
        first = asyncio.create_task(client.get(server.url))
        await server.until_waiting(1)
        queued = asyncio.create_task(client.get(server.url))
        await asyncio.sleep(0)  # let it enter the pool and wait there
        assert len(reserving._requests) == 2
        waiting = reserving._requests[1]
        assign = pool.ReservingConnectionPool._assign_requests_to_connections

        def cancel_when_handed(self: pool.ReservingConnectionPool) -> list[Any]:
            closing = assign(self)
            if waiting.connection is not None:
                queued.cancel()  # e.g. its row's Cancel, in the turn it is handed a connection
            return closing

        monkeypatch.setattr(
            pool.ReservingConnectionPool, "_assign_requests_to_connections", cancel_when_handed
        )
        server.hold.set()
        assert (await first).text == "ok"
        with pytest.raises(asyncio.CancelledError):
            await queued
        monkeypatch.setattr(pool.ReservingConnectionPool, "_assign_requests_to_connections", assign)
        assert (await client.get(server.url)).text == "ok"
        assert not reserving._requests


class _CancelAfterConnect(httpcore.AsyncNetworkBackend):
    """Connects for real, then cancels the connecting task (once): it ends before its request
    starts on the new connection, the socket open and the connection in state NEW."""

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend
        self.armed = True

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(*args, **kwargs)
        if self.armed:
            self.armed = False
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
        return stream

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


async def test_a_request_cancelled_between_connect_and_send_gives_the_connection_back(
    server: Server,
) -> None:
    """Cancelled after its connection was made and before its request started on it: the
    connection (open, never used) is closed, and the next request gets the pool's one place."""
    server.hold.set()
    async with short_pool_wait_client(max_connections=1) as client:
        reserving = pool_of(client)
        backend = _CancelAfterConnect(reserving._network_backend)
        reserving._network_backend = backend
        with pytest.raises(asyncio.CancelledError):
            await asyncio.create_task(client.get(server.url))
        assert not backend.armed
        assert (await client.get(server.url)).text == "ok"
        assert not reserving._requests
        await server.closed.wait()  # the abandoned connection's socket was closed


async def test_a_request_cancelled_while_its_answer_is_closed_gives_the_connection_back(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancel lands in the one turn httpcore yields while it closes a read answer (its
    connection's state lock): httpcore's 'shielded' close ends there, leaving the request in
    the pool and the connection ACTIVE, which held the pool's one place for ever."""
    from httpcore._async.http11 import AsyncHTTP11Connection

    server.hold.set()
    closing = AsyncHTTP11Connection._response_closed
    armed = [True]

    async def cancelled_meanwhile(self: AsyncHTTP11Connection) -> None:
        if armed[0]:
            armed[0] = False
            task = asyncio.current_task()
            assert task is not None
            task.cancel()  # delivered at the state lock's turn inside the close
        await closing(self)

    monkeypatch.setattr(AsyncHTTP11Connection, "_response_closed", cancelled_meanwhile)
    async with short_pool_wait_client(max_connections=1) as client:
        reserving = pool_of(client)
        with pytest.raises(asyncio.CancelledError):
            await asyncio.create_task(client.get(server.url))
        assert not armed[0]
        assert (await client.get(server.url)).text == "ok"
        assert not reserving._requests
