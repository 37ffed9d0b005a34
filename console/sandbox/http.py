"""Small response and request helpers shared by the sandbox's listeners."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


def api_error(status: int, message: str, code: str | None = None) -> JSONResponse:
    """An Alexa-style error body: {"message": ..., "code": ...} (SMAPI's StandardizedError)."""
    body: dict[str, str] = {"message": message}
    if code:
        body["code"] = code
    return JSONResponse(body, status_code=status)


Violations = tuple[tuple[str | None, str], ...]  # (code or None, message)


def bad_request_error(status: int, message: str, violations: Violations = ()) -> JSONResponse:
    """SMAPI's BadRequestError, for the owner operations' 400 and 403:
    {"message": ..., "violations": [{"code": ..., "message": ...}, ...]}."""
    listed: list[dict[str, str]] = []
    for code, text in violations:
        listed.append({"code": code, "message": text} if code else {"message": text})
    return JSONResponse({"message": message, "violations": listed}, status_code=status)


def oauth_error(status: int, error: str, description: str) -> JSONResponse:
    """An OAuth 2.0 error body (RFC 6749 §5.2)."""
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def no_content(status: int = 204) -> Response:
    return Response(status_code=status)


async def read_params(request: Request) -> dict[str, str] | None:
    """Form or JSON body as flat strings (LWA accepts both); None for any other content type."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if content_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if content_type == "application/json":
        try:
            data = json.loads(raw or b"null")
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        return {str(k): str(v) for k, v in data.items() if v is not None}
    return None


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """client_id and client_secret from an HTTP Basic Authorization header, if sent."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except ValueError:
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def json_body(raw: bytes) -> Any:
    """Parsed JSON or a sentinel ValueError for the caller to turn into a 400."""
    return json.loads(raw)
