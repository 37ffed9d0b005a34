"""PKCE (RFC 7636, S256) and the OAuth `state`: fresh random values for every login."""

from __future__ import annotations

import base64
import hashlib
import secrets

__all__ = ["challenge_for", "new_state", "new_verifier"]


def new_verifier() -> str:
    """64 characters of base64url: inside the 43–128 unreserved characters PKCE allows."""
    return secrets.token_urlsafe(48)


def challenge_for(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    return secrets.token_urlsafe(24)
