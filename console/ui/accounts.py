"""The accounts the window offers (light on purpose: imported before the first paint)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    name: str
    kind: str  # developer | customer
    label: str
