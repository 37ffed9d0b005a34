"""Support case summary: check some skills now and write a short, secret-free text for a ticket.

For the customer: the region and endpoint, each skill's state and account link; for the owner:
each skill's stages. Then what the history says this profile's login of the same kind did on
these skills lately (times, outcomes, request ids). Built from values only; the text never
holds a token or code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from console.api.redact import redact
from console.services.batch import BatchResult, BatchRow, Outcome
from console.services.history import History, HistoryEntry

__all__ = ["CaseSummary", "case_rows", "summarize"]

LOOK_BACK = timedelta(days=30)
MAX_ACTIONS = 20
READS = frozenset({"status", "customer-status", "customer-endpoint"})  # change nothing
SCANNED = 1000  # recorded rows looked through for the changes among them


def case_rows(skill_ids: Sequence[str], *, customer: bool, profile: str) -> list[BatchRow]:
    """The checks of a case: the customer's endpoint and each skill, or each owner stage."""
    skill_ids = list(dict.fromkeys(skill_ids))  # a skill named twice is checked once
    if customer:
        rows = [BatchRow(line=1, operation="customer-endpoint", profile=profile)]
        rows += [
            BatchRow(line=n, operation="customer-status", skill_id=skill, profile=profile)
            for n, skill in enumerate(skill_ids, start=2)
        ]
        return rows
    return [
        BatchRow(line=n, operation="status", skill_id=skill, stage=stage, profile=profile)
        for n, (skill, stage) in enumerate(
            ((s, st) for s in skill_ids for st in ("development", "live")), start=1
        )
    ]


@dataclass
class CaseSummary:
    profile: str
    customer: bool
    generated_at: str
    checks: list[BatchResult] = field(default_factory=list)
    actions: list[HistoryEntry] = field(default_factory=list)
    left_out: int = 0  # recorded actions not shown (more than MAX_ACTIONS)
    signed_in_as: str | None = None  # the customer's name and email, when Amazon shared them

    @property
    def region(self) -> str | None:
        for check in self.checks:
            if check.row.operation == "customer-endpoint" and check.outcome is Outcome.OK:
                return check.region
        return None

    @property
    def endpoint(self) -> str | None:
        for check in self.checks:
            if check.row.operation == "customer-endpoint":
                return check.endpoint
        return None

    def to_dict(self) -> dict[str, object]:
        return {
            "profile": self.profile,
            "login": "customer" if self.customer else "developer",
            "signed_in_as": self.signed_in_as,
            "generated_at": self.generated_at,
            "region": self.region,
            "endpoint": self.endpoint,
            "skills": [c.to_dict() for c in self.checks if c.row.skill_id],
            "actions": [a.to_dict() for a in self.actions],
            "actions_left_out": self.left_out,
        }

    def text(self) -> str:
        lines = [f"Support case summary, {self.generated_at} (UTC)"]
        who = "customer" if self.customer else "skill owner (developer)"
        named = f" {self.signed_in_as}" if self.customer and self.signed_in_as else ""
        lines.append(f"Profile: {self.profile}, signed in as the {who}{named}")
        if self.customer:
            endpoint = self.checks[0] if self.checks else None
            if endpoint is not None and endpoint.outcome is Outcome.OK:
                lines.append(
                    f"Customer region: {(endpoint.region or 'unknown').upper()} "
                    f"({endpoint.endpoint})" + (f"; {endpoint.message}" if endpoint.message else "")
                )
            elif endpoint is not None:
                lines.append(f"Customer region: could not be found ({endpoint.message})")
        lines.append("Skills:")
        for check in (c for c in self.checks if c.row.skill_id):
            lines.append("  " + _check_line(check))
        since = f"last {LOOK_BACK.days} days"
        if self.actions:
            lines.append(f"Done on these skills ({since}, newest first):")
            lines += ["  " + _action_line(a) for a in self.actions]
            if self.left_out:
                lines.append(
                    f"  ... and {self.left_out} more (status checks first left out; "
                    "see skillctl history --skill SKILL_ID)"
                )
        else:
            lines.append(f"Done on these skills ({since}): nothing recorded")
        return redact("\n".join(lines))


def _check_line(check: BatchResult) -> str:
    row = check.row
    what = row.skill_id or ""
    if row.stage:
        what += f" {row.stage}"
    when = f"checked {check.finished or check.started or '-'}"
    rid = f", request id {check.request_id}" if check.request_id else ""
    if check.outcome in (Outcome.OK, Outcome.NOT_FOUND) and check.state:
        state = check.state
        if check.account_link:
            state += f", account link {check.account_link}"
        if row.operation == "customer-status" and check.result and check.result.stage:
            state += f", stage {check.result.stage}"
        return f"{what}: {state} ({when}{rid})"
    return f"{what}: could not be checked: {check.message} ({when}{rid})"


def _action_line(entry: HistoryEntry) -> str:
    parts = [entry.at, entry.operation, entry.skill_id or ""]
    if entry.stage:
        parts.append(entry.stage)
    parts.append(entry.outcome)
    if entry.state:
        parts.append(entry.state)
    if entry.error_kind:
        parts.append(f"{entry.error_kind}: {entry.message or ''}")
    if entry.region:
        parts.append(f"region {entry.region}")
    if entry.request_id:
        parts.append(f"request id {entry.request_id}")
    if entry.batch_id:
        parts.append(f"batch {entry.batch_id}")
    return "  ".join(parts)


def summarize(
    checks: list[BatchResult],
    history: History | None,
    *,
    skill_ids: Sequence[str],
    profile: str,
    customer: bool,
    own_batch: str | None = None,
    signed_in_as: str | None = None,
) -> CaseSummary:
    """The summary of a case from its checks and what history recorded on these skills;
    `signed_in_as` names the customer (from the stored login) when known."""
    now = datetime.now(UTC)
    actions: list[HistoryEntry] = []
    if history is not None:
        recorded = history.query(
            skills=tuple(skill_ids),
            since=now - LOOK_BACK,
            profile=profile,
            kind="customer" if customer else "developer",
            limit=SCANNED,
        )
        actions = [a for a in recorded if a.batch_id is None or a.batch_id != own_batch]
    shown = _most_telling(actions)
    ordered = sorted(checks, key=lambda c: c.row.line)
    return CaseSummary(
        profile=profile,
        customer=customer,
        generated_at=now.isoformat(timespec="seconds"),
        checks=ordered,
        actions=shown,
        left_out=len(actions) - len(shown),
        signed_in_as=signed_in_as,
    )


def _most_telling(actions: list[HistoryEntry]) -> list[HistoryEntry]:
    """At most MAX_ACTIONS, newest first: what was done (changes, failures) before mere reads,
    so twenty status checks cannot push yesterday's enable out of the ticket."""
    if len(actions) <= MAX_ACTIONS:
        return actions
    done = [a for a in actions if a.operation not in READS or a.outcome != "ok"]
    reads = [a for a in actions if a.operation in READS and a.outcome == "ok"]
    keep = {id(a) for a in (done + reads)[:MAX_ACTIONS]}
    return [a for a in actions if id(a) in keep]
