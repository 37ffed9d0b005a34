"""A minimal server on loopback that answers only in the shapes Amazon documents.

It knows nothing of our sandbox: each test scripts the answers (status, body, headers) per
method and path, with whatever error `code` strings it likes. Base URLs may carry a prefix
(`/na`, `/eu`, `/fe`), so one listener can stand in for several regional endpoints.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    request_id_header: str = "x-amzn-RequestId"

    def response(self) -> tuple[Response, str]:
        rid = str(uuid.uuid4())
        headers = {self.request_id_header: rid}
        if self.body:
            headers["content-type"] = self.content_type
        return Response(self.body, status_code=self.status, headers=headers), rid


Script = Callable[[str, str], Answer]  # (method, path) -> what to answer


@dataclass
class Seen:
    method: str
    path: str
    request_id: str


@dataclass
class StrictServer:
    """One loopback listener; set `script` before each exchange, read `seen` afterwards."""

    script: Script = field(default=lambda method, path: Answer(500))
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    async def _handle(self, request: Request) -> Response:
        answer = self.script(request.method, request.url.path)
        response, rid = answer.response()
        self.seen.append(Seen(request.method, request.url.path, rid))
        return response

    def start(self) -> None:
        app = Starlette(
            routes=[Route("/{rest:path}", self._handle, methods=["GET", "PUT", "POST", "DELETE"])]
        )
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
        self._server = server = uvicorn.Server(config)
        started = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()

            async def serve() -> None:
                task = asyncio.create_task(server.serve(sockets=[sock]))
                # uvicorn has no "started" event to wait on, only the flag
                while not server.started and not task.done():  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
                started.set()
                await task

            try:
                loop.run_until_complete(serve())
            finally:
                started.set()
                loop.close()
                sock.close()

        self._thread = threading.Thread(target=run, name="strict-server", daemon=True)
        self._thread.start()
        if not started.wait(10) or not server.started:
            raise RuntimeError("the strict server did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)


def running() -> Iterator[StrictServer]:
    """For a fixture: a started server, stopped afterwards."""
    server = StrictServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
