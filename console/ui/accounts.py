"""The accounts the window offers (light on purpose: imported before the first paint)."""

from __future__ import annotations

from typing import NamedTuple


class Account(NamedTuple):  # not a dataclass: `dataclasses` costs start-up time
    name: str
    kind: str  # developer | customer
    label: str
    who: str = ""  # customer logins: who signed in (or why that is not known), in full
    who_short: str = ""  # the same with long names and emails elided, for the account bar
