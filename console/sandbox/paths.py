"""Routing on path segments as the client sent them: a `%2F` stays inside its segment.

The ASGI server percent-decodes `path` before routing, so `/v1/skills/amzn1.x%2Fy/stages/...`
arrives as one segment more than was sent and falls through to a generic 404. The contract
calls such a skill ID invalid (400 INVALID_SKILL_ID), and the route's own input checks can only
say so if the route still matches; re-encoding a decoded slash keeps the segment whole.
"""

from __future__ import annotations

from urllib.parse import unquote

from console.sandbox.faults import ASGIApp, Receive, Scope, Send


def segment_path(raw_path: bytes) -> str:
    """The decoded path, with any slash that was percent-encoded left as `%2F` in its segment."""
    segments = raw_path.decode("latin-1").split("/")
    return "/".join(unquote(segment).replace("/", "%2F") for segment in segments)


class SegmentPathMiddleware:
    """Rewrites `scope["path"]` from `raw_path` when the client percent-encoded anything."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = scope.get("raw_path") if scope["type"] == "http" else None
        if isinstance(raw_path, bytes) and b"%" in raw_path:
            # In place, not a copy: the fault middleware finds the connection by scope identity.
            scope["path"] = segment_path(raw_path)
        await self.app(scope, receive, send)
