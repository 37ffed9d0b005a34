"""Scrub tokens, codes and secrets from any text before it is logged or shown."""

from __future__ import annotations

import re

__all__ = ["REDACTED", "redact"]

REDACTED = "[redacted]"
_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[^\s,;\"']+"),
    re.compile(r"Atz[a-z]\|[^\s,;\"'&]+"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|code_verifier|codeVerifier|authCode"
        r"|auth_code|code|token|password|secret)[\"']?\s*[:=]\s*[\"']?)[^\s,;\"'&})]+"
    ),
)


def redact(text: str, *secrets: str | None) -> str:
    """`text` with known secret shapes and each given secret replaced by [redacted]."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _PATTERNS[1].sub(REDACTED, text)
    return _PATTERNS[2].sub(lambda m: m.group(1) + REDACTED, text)
