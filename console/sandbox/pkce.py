"""PKCE S256 verification, written independently of the client's implementation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

VERIFIER_RE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
CHALLENGE_RE = re.compile(r"[A-Za-z0-9\-_]{43}")


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_matches(verifier: str, challenge: str) -> bool:
    return bool(VERIFIER_RE.fullmatch(verifier)) and hmac.compare_digest(s256(verifier), challenge)
