"""A one-shot loopback receiver for the OAuth redirect (RFC 8252 §7.3), on 127.0.0.1.

Served by uvicorn + Starlette on the caller's running loop (asyncio or qasync). It accepts
exactly one callback on the expected path carrying the expected `state` (a code, or an error),
answers the browser with a short page, and ignores everything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

__all__ = ["Callback", "LoopbackReceiver", "PortInUse"]


class PortInUse(OSError):
    """The fixed redirect port is taken by something else."""


@dataclass(frozen=True)
class Callback:
    code: str | None
    error: str | None
    error_description: str | None

    def __repr__(self) -> str:  # the code is a secret
        return f"Callback(error={self.error!r})"


def _page(title: str, text: str, status: int = 200) -> HTMLResponse:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Skill Enablement Console"
        "</title></head><body style='font-family: sans-serif; margin: 3em'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: Ctrl-C belongs to the program that embeds it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class LoopbackReceiver:
    def __init__(self, state: str, *, port: int = 0, path: str = "/callback") -> None:
        self.state = state
        self.path = path
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        # The fixed port must be reusable right after the last login, whose browser connection
        # may still linger in TIME_WAIT; on Windows, the same option would let others steal it.
        if sys.platform == "win32":
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        else:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind(("127.0.0.1", port))
        except OSError as exc:
            self._sock.close()
            raise PortInUse(exc.errno, f"127.0.0.1:{port} is in use") from None
        self._sock.listen(8)
        self._sock.setblocking(False)
        self.port: int = self._sock.getsockname()[1]
        self._result: asyncio.Future[Callback] | None = None
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._result = loop.create_future()
        app = Starlette(routes=[Route("/{rest:path}", self._handle, methods=["GET", "POST"])])
        config = uvicorn.Config(
            app, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=1
        )
        self._server = _Server(config)
        self._task = asyncio.ensure_future(self._server.serve(sockets=[self._sock]))
        # uvicorn exposes `started` as a flag, not an event; the bind is already done.
        while not self._server.started and not self._task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.005)

    async def wait(self) -> Callback:
        assert self._result is not None, "start() first"
        return await asyncio.shield(self._result)

    async def close(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, timeout=3)
        with contextlib.suppress(OSError):
            self._sock.close()

    async def _handle(self, request: Request) -> Response:
        if request.url.path != self.path:
            return _page("Not found", "This is not the sign-in callback.", 404)
        query = request.query_params
        if query.get("state") != self.state:
            return _page(
                "Sign-in not accepted",
                "The state does not match this sign-in. Start the login again from the console.",
                400,
            )
        if self._result is None or self._result.done():
            return _page("Already done", "This sign-in was already completed.", 409)
        callback = Callback(query.get("code"), query.get("error"), query.get("error_description"))
        if callback.code is None and callback.error is None:
            return _page(
                "Sign-in incomplete", "The redirect carried neither a code nor an error.", 400
            )
        self._result.set_result(callback)
        if callback.error:
            return _page(
                "Sign-in was not completed",
                f"Amazon answered: {callback.error}. You can close this tab.",
            )
        # The code is not redeemed yet, so this page cannot promise that the sign-in worked.
        return _page(
            "Sign-in received",
            "You can close this tab: the console finishes the sign-in and shows the result.",
        )
