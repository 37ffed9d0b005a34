"""Every answer carries `x-amzn-RequestId`, as Amazon's do: a fresh id per response.

Outermost on every listener, so that injected faults, 404s of unknown paths and the admin
routes carry one too. The scope is passed on untouched (the fault layer finds a connection by
the scope's identity).
"""

from __future__ import annotations

import uuid

from console.sandbox.faults import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-amzn-RequestId"


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((HEADER, str(uuid.uuid4()).encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)
