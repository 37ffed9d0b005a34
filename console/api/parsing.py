"""Turn response bodies into models; anything unexpected becomes a ProtocolError."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from console.api.errors import ProtocolError
from console.api.models import CustomerStatus

__all__ = ["error_fields", "parse_customer_status", "parse_endpoints"]


def _json(body: bytes, endpoint: str, status: int) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError(
            f"The service answered {status} with a body that is not JSON",
            endpoint=endpoint,
            http_status=status,
        ) from None


def error_fields(body: bytes) -> tuple[str | None, str | None]:
    """(code, message) of an API error body; either may be missing, the body may not be JSON."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    code, message = data.get("code"), data.get("message")
    return (
        code if isinstance(code, str) else None,
        message if isinstance(message, str) else None,
    )


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
