"""Turn response bodies into models; anything unexpected becomes a ProtocolError."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from console.api.errors import ProtocolError, Violation
from console.api.models import CustomerStatus

__all__ = [
    "ErrorBody",
    "error_body",
    "error_fields",
    "parse_customer_status",
    "parse_endpoints",
    "request_id",
]

# Amazon names the request id x-amzn-RequestId; some services say x-amz-request-id or x-amz-rid.
_REQUEST_ID_HEADERS = ("x-amzn-requestid", "x-amzn-request-id", "x-amz-request-id", "x-amz-rid")
_REQUEST_ID_NAME = re.compile(r"x-amzn?-.*(request-?id|rid)", re.IGNORECASE)
_REQUEST_ID_VALUE = re.compile(r"[\x21-\x7e]{1,128}")  # printable, no spaces: safe to log


def _json(body: bytes, endpoint: str, status: int) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(
            f"The service answered {status} with a body that is not JSON",
            endpoint=endpoint,
            http_status=status,
        ) from None


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """An error answer as far as it could be read: any field may be missing."""

    code: str | None = None
    message: str | None = None
    violations: tuple[Violation, ...] = ()


def error_body(body: bytes) -> ErrorBody:
    """SMAPI's StandardizedError / BadRequestError, or the customer API's {message, code}.

    Neither shape is required: a body that is not JSON, or not an object, reads as empty.
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ErrorBody()
    if not isinstance(data, dict):
        return ErrorBody()
    raw = data.get("violations")
    violations = tuple(
        Violation(message=v["message"], code=_str(v.get("code")))
        for v in (raw if isinstance(raw, list) else [])
        if isinstance(v, dict) and isinstance(v.get("message"), str) and v["message"].strip()
    )
    return ErrorBody(_str(data.get("code")), _str(data.get("message")), violations)


def error_fields(body: bytes) -> tuple[str | None, str | None]:
    """(code, message) of an API error body; either may be missing, the body may not be JSON."""
    parsed = error_body(body)
    return parsed.code, parsed.message


def request_id(headers: Mapping[str, str]) -> str | None:
    """The answer's request id (x-amzn-RequestId, or another x-amz-* request id header)."""
    usual = headers.get(_REQUEST_ID_HEADERS[0])  # (httpx's headers ignore case: Amazon's name)
    if usual is not None and _REQUEST_ID_VALUE.fullmatch(usual.strip()):
        return usual.strip()
    lowered = {name.lower(): value for name, value in headers.items()}
    names = [n for n in _REQUEST_ID_HEADERS if n in lowered]
    names += sorted(n for n in lowered if n not in names and _REQUEST_ID_NAME.fullmatch(n))
    for name in names:
        value = lowered[name].strip()
        if _REQUEST_ID_VALUE.fullmatch(value):
            return value
    return None


def parse_endpoints(body: bytes, endpoint: str, status: int) -> list[str]:
    data = _json(body, endpoint, status)
    urls = data.get("endpoints") if isinstance(data, dict) else None
    if (
        not isinstance(urls, list)
        or not urls
        or not all(isinstance(u, str) and urlsplit(u).scheme in ("http", "https") for u in urls)
    ):
        raise ProtocolError(
            "The endpoint list in the answer is missing or malformed",
            endpoint=endpoint,
            http_status=status,
        )
    return [u.rstrip("/") for u in urls]


def parse_customer_status(body: bytes, endpoint: str, status: int) -> CustomerStatus:
    data = _json(body, endpoint, status)
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        raise ProtocolError(
            "The status answer has no 'status' field", endpoint=endpoint, http_status=status
        )
    skill, user, link = (_obj(data.get(k)) for k in ("skill", "user", "accountLink"))
    return CustomerStatus(
        skill_id=_str(skill.get("id")),
        stage=_str(skill.get("stage")),
        user_id=_str(user.get("id")),
        account_link=_str(link.get("status")),
        status=data["status"],
    )


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
