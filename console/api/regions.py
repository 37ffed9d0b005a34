"""Regional endpoints for customer operations: candidate order and remembered endpoints."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

from console.api.models import Region

__all__ = ["DEFAULT_ENDPOINTS", "EndpointMemory", "fallback_candidates", "region_of"]

DEFAULT_ENDPOINTS: Mapping[Region, str] = {
    Region.NA: "https://api.amazonalexa.com",
    Region.EU: "https://api.eu.amazonalexa.com",
    Region.FE: "https://api.fe.amazonalexa.com",
}


def fallback_candidates(endpoints: Mapping[Region, str]) -> list[str]:
    """All regional hosts in the contract's order (NA, EU, FE), for when discovery fails."""
    return [endpoints[r] for r in (Region.NA, Region.EU, Region.FE) if r in endpoints]


def region_of(base_url: str, endpoints: Mapping[Region, str]) -> Region | None:
    for region, url in endpoints.items():
        if url.rstrip("/") == base_url.rstrip("/"):
            return region
    return None


class EndpointMemory:
    """Which endpoint answered for which login identity (a hash, never a token)."""

    def __init__(
        self,
        initial: Mapping[str, str] | None = None,
        on_change: Callable[[dict[str, str]], None] | None = None,
    ) -> None:
        self._known = dict(initial or {})
        self._on_change = on_change
        self._lock = threading.Lock()

    def get(self, identity: str) -> str | None:
        with self._lock:
            return self._known.get(identity)

    def remember(self, identity: str, endpoint: str) -> None:
        with self._lock:
            if self._known.get(identity) == endpoint:
                return
            self._known[identity] = endpoint
            snapshot = dict(self._known)
        if self._on_change:
            self._on_change(snapshot)

    def forget(self, identity: str) -> None:
        with self._lock:
            if self._known.pop(identity, None) is None:
                return
            snapshot = dict(self._known)
        if self._on_change:
            self._on_change(snapshot)

    def snapshot(self) -> dict[str, str]:
        with self._lock:
            return dict(self._known)


def dedupe(urls: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for url in urls:
        url = url.rstrip("/")
        if url not in seen:
            seen.append(url)
    return seen
