"""One TLS context per process: building one costs ~20 ms, too long to do per client on the
UI thread (the event loop must never stall for more than 50 ms)."""

from __future__ import annotations

import functools
import ssl

import httpx

__all__ = ["shared_ssl_context"]


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
