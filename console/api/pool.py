"""A connection pool that hands each idle HTTP/1.1 connection to one request at a time.

httpcore's pool (1.0.x) marks a connection busy only when the request it was given starts on it,
one turn of the event loop later. Until then every other request entering the pool is handed the
same "idle" connection; all but one fail with `ConnectionNotAvailable` and go round again, each
round a full pass over every connection that polls each idle socket. At 8 requests in flight that
churn was a third of the client's time per request (encode/httpcore#1035, pydantic/httpx2#1075).

`ReservingConnectionPool` changes only how requests are matched to connections: a connection
handed to a request is reserved for it until the request ends, and an idle connection's socket
is polled (has the server closed it?) when it is about to be handed out, not on every pass.
Idle connections nobody picks are still closed on keep-alive expiry, by a full pass at most once
per `SWEEP_INTERVAL`. A request cancelled after it was handed a connection and before it
started on it, or while its answer was being closed, gives the connection back (httpcore's pool
kept those for ever, each holding a place under `max_connections`). Everything else (TLS,
limits, proxies, retries) is httpx's own.

`install` swaps it into an `httpx.AsyncClient` whose default transport is a plain
`httpx.AsyncHTTPTransport` over a plain HTTP/1.1 pool, and leaves any other client as it is.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpcore
import httpx

__all__ = ["ReservingConnectionPool", "install"]

SWEEP_INTERVAL = 1.0  # seconds between passes that close expired idle connections

# What this module relies on in httpcore's pool; `install` does nothing when one is missing.
_POOL_FIELDS = ("_connections", "_requests", "_max_connections", "_max_keepalive_connections")


class ReservingConnectionPool(httpcore.AsyncConnectionPool):
    """httpcore's pool, with one request per connection from the moment it is assigned."""

    _next_sweep = 0.0  # monotonic time of the next full expiry pass

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        response = await super().handle_async_request(request)
        pool_request = getattr(response.stream, "_pool_request", None)
        if pool_request is not None:
            response.stream = _ReleasingStream(response.stream, pool_request, self)
        return response

    async def _release(self, pool_request: Any) -> None:
        """Take a request whose answer's close was cut short out of the pool (the connection
        goes to the next request, or is closed if it was left mid-answer)."""
        with self._optional_thread_lock:
            if pool_request not in self._requests:
                return  # the usual case: httpcore's close got that far
            self._requests.remove(pool_request)
            closing = self._assign_requests_to_connections()
        await self._close_connections(closing)

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        """Assign queued requests to connections; return the connections to close."""
        closing: list[httpcore.AsyncConnectionInterface] = []
        reserved = {id(r.connection) for r in self._requests if r.connection is not None}
        self._connections = self._kept(reserved, closing)
        for pool_request in self._requests:
            if not pool_request.is_queued():
                continue
            connection = self._connection_for(pool_request.request.url.origin, reserved, closing)
            if connection is None:
                break  # no room: the rest wait for a connection to come back
            pool_request.assign_to_connection(connection)
            reserved.add(id(connection))
        return closing

    def _kept(
        self, reserved: set[int], closing: list[httpcore.AsyncConnectionInterface]
    ) -> list[httpcore.AsyncConnectionInterface]:
        """The connections still worth keeping: closed ones dropped; idle ones beyond the
        keep-alive limit, (on a sweep) expired ones, and abandoned ones moved to `closing`."""
        now = time.monotonic()
        sweep = now >= self._next_sweep
        if sweep:
            self._next_sweep = now + SWEEP_INTERVAL
        kept: list[httpcore.AsyncConnectionInterface] = []
        idle = 0
        for connection in self._connections:
            if connection.is_closed():
                continue
            if id(connection) in reserved:
                kept.append(connection)
                continue
            if not connection.is_idle():
                # Held by no request, yet not idle: its request was cancelled after it was handed
                # this connection and before it started on it (still NEW). Nobody would ever use
                # or give it back, and it would hold a place under max_connections for ever.
                closing.append(connection)
                continue
            if (sweep and connection.has_expired()) or idle >= self._max_keepalive_connections:
                closing.append(connection)
                continue
            idle += 1
            kept.append(connection)
        return kept

    def _connection_for(
        self,
        origin: httpcore.Origin,
        reserved: set[int],
        closing: list[httpcore.AsyncConnectionInterface],
    ) -> httpcore.AsyncConnectionInterface | None:
        """An idle connection to `origin` nobody holds, else a new one if there is room (closing
        an idle connection to another origin to make it), else None."""
        for connection in list(self._connections):
            if id(connection) in reserved or not connection.can_handle_request(origin):
                continue
            if not connection.is_available():
                continue
            if connection.has_expired():  # e.g. the server closed it while it sat idle
                self._connections.remove(connection)
                closing.append(connection)
                continue
            return connection
        if len(self._connections) >= self._max_connections:
            spare = next(
                (c for c in self._connections if id(c) not in reserved and c.is_idle()), None
            )
            if spare is None:
                return None
            self._connections.remove(spare)
            closing.append(spare)
        connection = self.create_connection(origin)
        self._connections.append(connection)
        return connection


class _ReleasingStream:
    """An answer's body whose close always gives its connection back to the pool.

    httpcore closes an answer in a "shielded" block that a Cancel still cuts short under
    asyncio (at its state lock's turn); the request then stayed in the pool and kept its
    connection reserved for ever. This close finishes the job whatever happened."""

    def __init__(self, stream: Any, pool_request: Any, pool: ReservingConnectionPool) -> None:
        self._stream = stream
        self._pool_request = pool_request
        self._pool = pool

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for part in self._stream:
            yield part

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            await self._pool._release(self._pool_request)


def install(client: httpx.AsyncClient) -> bool:
    """Use a ReservingConnectionPool for `client`'s default transport; True if it now does.

    Only a plain HTTP/1.1 pool that has not been used yet is replaced (HTTP/2 connections serve
    many requests at once, which reserving would serialise); proxies and test transports are
    left alone. The pool object keeps every setting httpx gave it: only its class changes."""
    transport = getattr(client, "_transport", None)
    if type(transport) is not httpx.AsyncHTTPTransport:
        return False
    pool = getattr(transport, "_pool", None)
    if type(pool) is not httpcore.AsyncConnectionPool:
        return False
    if not all(hasattr(pool, name) for name in _POOL_FIELDS):
        return False  # an httpcore this module was not written for: keep its own pool
    if getattr(pool, "_http2", True) or pool.connections or getattr(pool, "_requests", None):
        return False
    pool.__class__ = ReservingConnectionPool
    return True
