"""What the workbench knows about each question (no Qt here: the window builds before Qt's
namespace loads, see MainWindow.finish_start)."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, NamedTuple

from console.api.validation import skill_id_problem

if TYPE_CHECKING:
    from console.api.models import Attempt
    from console.services.batch import BatchResult

STAGES = ("development", "live")
CUSTOMER_STAGE = ""  # the customer's status takes no stage: one cell per skill
DEFINITE = frozenset({"not_found", "forbidden", "refused", "validation", "auth", "in_progress"})
RETRY = re.compile(r"retry in ([0-9.]+) s")


class CellKey(NamedTuple):
    """The whole question: which login asked about which skill and stage."""

    account: str
    kind: str
    skill_id: str
    stage: str


# semantic state → (words, symbol, hue or None for no fill)
LOOKS: dict[str, tuple[str, str, int | None]] = {
    "idle": ("Not checked", "·", None),
    "running": ("Checking…", "…", None),
    "enabled": ("Enabled", "●", 130),
    "not_enabled": ("Not enabled", "○", None),
    "disabled": ("Disabled", "⊘", 210),
    "no_association": ("No association", "∅", 270),
    "transitional": ("Changing…", "◐", 45),
    "failed": ("Failed", "✕", 0),
    "unknown": ("Unknown — check again", "?", 30),
}
STATE_OF = {
    "ENABLED": "enabled",
    "NOT_ENABLED": "not_enabled",
    "DISABLED": "disabled",
    "NO_ASSOCIATION": "no_association",
    "ENABLING": "transitional",
    "DISABLING": "transitional",
    "ENABLING_FAILED": "failed",
    "DISABLING_FAILED": "failed",
}
LINK_WORDS = {
    "LINKED": "Linked",
    "NOT_LINKED": "Not linked",
    "NONE": "No account linking",
}
REGION_WORDS = {"na": "North America (NA)", "eu": "Europe (EU)", "fe": "Far East (FE)"}


def words_for_state(state: str | None) -> str:
    """A service state in words ("NO_ASSOCIATION" → "No association")."""
    if state is None:
        return "Not checked"
    semantic = STATE_OF.get(state)
    if state in ("ENABLING", "DISABLING"):
        return state.title() + "…"
    if state.endswith("_FAILED"):
        return state.replace("_", " ").capitalize()
    return LOOKS[semantic][0] if semantic else state.replace("_", " ").capitalize()


def link_words(link: str | None) -> str:
    if not link:
        return "—"
    return LINK_WORDS.get(link, link.replace("_", " ").capitalize())


def region_words(region: str | None) -> str:
    if not region:
        return "—"
    return " ".join(REGION_WORDS.get(r.lower(), r.upper()) for r in region.split())


def name_hosts(text: str, places: dict[str, str]) -> str:
    """Raw addresses in a message replaced by their names ("the NA endpoint")."""
    for base, word in sorted(places.items(), key=lambda item: -len(item[0])):
        host = base.split("://", 1)[-1]
        if "/" in host:
            continue  # the scheme://host keys cover these
        # A URL's path goes with its host ("Login with Amazon", not "…/auth/o2/revoke").
        with_path = re.escape(base) + r"(?:/[^\s;,()]*[^\s;,().])?"
        text = re.sub(with_path, word, text).replace(host, word)
    return text


def clean_ids(text: str) -> tuple[list[str], list[str]]:
    """Skill IDs from pasted text (spaces, commas, lines; trimmed); and what was not an ID."""
    good: list[str] = []
    bad: list[str] = []
    for part in re.split(r"[\s,;]+", text):
        part = part.strip().strip("\"'")
        if not part:
            continue
        if skill_id_problem(part) is None:
            if part not in good:
                good.append(part)
        else:
            bad.append(part)
    return good, bad


class Cell:
    """What is known about one question, and the operation running on it (if any)."""

    def __init__(self) -> None:
        self.state: str | None = None  # the service's last definite state
        self.account_link: str | None = None
        self.region: str | None = None
        self.endpoint: str | None = None
        self.checked: float | None = None  # time.time() of the last answered read
        self.running: str | None = None  # the operation in flight ("Checking…")
        self.retry_at: float | None = None  # monotonic deadline of a retry pause
        self.attempt: tuple[int, int] | None = None  # (n, of) of the request going out next
        self.lost = False  # a change whose answer was lost: the state is unknown
        self.failed: str | None = None  # the last operation's failure, in words
        self.note: str | None = None  # e.g. "disabled because live was enabled"
        self.result: BatchResult | None = None  # the last operation's result
        self.attempts: list[Attempt] = []  # its HTTP attempts

    @property
    def semantic(self) -> str:
        if self.running:
            return "running"
        if self.lost:
            return "unknown"
        if self.state is None:
            return "failed" if self.failed else "idle"
        return STATE_OF.get(self.state, "unknown")

    def text(self) -> str:
        if self.running:
            parts = [self.running]
            if self.retry_at is not None:
                left = max(0, round(self.retry_at - time.monotonic()))
                parts.append(f"retry in {left} s")
            if self.attempt is not None and self.attempt[0] > 1:
                parts.append(f"attempt {self.attempt[0]} of {self.attempt[1]}")
            return " · ".join(parts)
        if self.lost:
            return "Unknown — may have changed; check again"
        if self.failed and self.state is None:
            return f"Failed: {self.failed}"
        words = words_for_state(self.state) if self.state else "Not checked"
        if self.failed:
            words += f" · last action failed: {self.failed}"
        elif self.note:
            words += f" · {self.note}"
        return words
