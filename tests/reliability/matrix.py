"""The fault matrix: each of the seven operations under each fault the sandbox can inject.

Every cell runs the use case as skillctl does (the service call, then skillctl's own exit-code
mapping, `console.cli.judge`) against its own sandbox, then compares what the client reported
with the sandbox's state afterwards. Cells run concurrently, one sandbox each.
"""

from __future__ import annotations

import asyncio
import json
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from console.api.client import ApiSettings
from console.api.errors import ConsoleError
from console.api.models import OperationResult, Region
from console.api.retry import RetryPolicy
from console.auth.provider import StaticTokenProvider
from console.cli import SETTLED, human, judge, result_json
from console.sandbox.server import SandboxServer
from console.sandbox.state import Association
from console.services import ConsoleService
from tests.sandbox_client import PARTNER_REDIRECT, SKILL_TRIVIA, partner_code

# Small numbers so the 126 cells fit in seconds; the logic is the same at 15 s and 60 s.
TIMEOUT = 0.3  # per request
LATENCY = 2 * TIMEOUT  # "latency past the timeout"
DEADLINE = 4.0  # per action, follow included
RETRY_AFTER = "1"
TRANSITION = 0.2  # the sandbox's ENABLING/DISABLING time
POLL = 0.05
SLACK = 1.05  # an action must end within its deadline + 5 %

OPERATIONS = {  # operation: (sandbox route, account)
    "enable": ("enable", "developer"),
    "disable": ("disable", "developer"),
    "status": ("get-enablement", "developer"),
    "customer-endpoint": ("endpoint", "customer-eu"),
    "customer-enable": ("customer-enable", "customer-eu"),
    "customer-status": ("customer-status", "customer-eu"),
    "customer-disable": ("customer-disable", "customer-eu"),
}
FAULTS: dict[str, dict[str, Any]] = {
    "429+Retry-After": {"status": 429, "retry_after": RETRY_AFTER},
    "429": {"status": 429},
    "500": {"status": 500},
    "503": {"status": 503},
    "latency": {"latency": LATENCY},
    "drop": {"drop": True},
    "drop_response": {"drop_response": True},
    "malformed": {"malformed": True},
    "truncated": {"truncated": True},
}
MODES = {"once": {"count": 1}, "persistent": {"share": 1.0}}


@dataclass(frozen=True, order=True)
class Cell:
    operation: str
    fault: str
    mode: str

    @property
    def id(self) -> str:
        return f"{self.operation}-{self.fault}-{self.mode}"


def all_cells() -> list[Cell]:
    return [Cell(op, fault, mode) for op in OPERATIONS for fault in FAULTS for mode in MODES]


@dataclass
class Outcome:
    """What the client reported for one cell, and what the sandbox holds afterwards."""

    cell: Cell
    exit_code: int | None = None
    ok: bool = False
    state: str | None = None
    kind: str | None = None  # the error kind, if any
    verified: bool = True
    notes: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()
    attempts: int = 0
    elapsed: float = 0.0
    sandbox: str | None = None  # the sandbox's state of the thing the operation is about
    journal: list[dict[str, Any]] = field(default_factory=list)
    crash: str | None = None  # a traceback: never acceptable
    expected_endpoints: tuple[str, ...] = ()

    def summary(self) -> str:
        if self.crash:
            return "CRASH"
        what = self.state or self.kind or ("ok" if self.ok else "-")
        if self.cell.operation == "customer-endpoint" and self.ok:
            what = f"{len(self.endpoints)} endpoint"
        return f"exit {self.exit_code} {what}, {self.attempts} att, {self.elapsed:.2f} s"


def settings(sandbox: SandboxServer) -> ApiSettings:
    urls = sandbox.urls
    return ApiSettings(
        endpoints={Region.NA: urls.na, Region.EU: urls.eu, Region.FE: urls.fe},
        timeout=TIMEOUT,
        connect_timeout=TIMEOUT,
        policy=RetryPolicy(base=0.02, cap=0.1, max_attempts=5, deadline=DEADLINE),
    )


def _prepare(sandbox: SandboxServer, cell: Cell) -> None:
    """The starting state that lets the operation change something (or report something)."""
    sandbox.reset()
    state = sandbox.state
    state.config.transition_delay = TRANSITION
    if cell.operation in ("disable", "status"):
        state.world.owner_enabled[("developer", SKILL_TRIVIA)] = "live"
    if cell.operation in ("customer-status", "customer-disable"):
        user = state.world.accounts["customer-eu"].user_id
        state.world.associations[("customer-eu", SKILL_TRIVIA)] = Association(
            "live", f"{user}.1", True, "ENABLED", state.clock.now() - 60
        )


def _sandbox_state(sandbox: SandboxServer, operation: str) -> str | None:
    world, state = sandbox.state.world, sandbox.state
    if operation in ("enable", "disable", "status"):
        stage = world.owner_enabled.get(("developer", SKILL_TRIVIA))
        return "ENABLED" if stage == "live" else "NOT_ENABLED"
    if operation == "customer-endpoint":
        return None
    assoc = world.associations.get(("customer-eu", SKILL_TRIVIA))
    return "NO_ASSOCIATION" if assoc is None else state.association_status(assoc)


async def _call(svc: ConsoleService, operation: str, code: str | None) -> OperationResult:
    calls: dict[str, Callable[[], Awaitable[OperationResult]]] = {
        "enable": lambda: svc.enable(SKILL_TRIVIA, "live"),
        "disable": lambda: svc.disable(SKILL_TRIVIA, "live"),
        "status": lambda: svc.check(SKILL_TRIVIA, "live"),
        "customer-endpoint": svc.find_endpoint,
        "customer-enable": lambda: svc.customer_enable(
            SKILL_TRIVIA, "live", code or "", PARTNER_REDIRECT
        ),
        "customer-status": lambda: svc.customer_status(SKILL_TRIVIA),
        "customer-disable": lambda: svc.customer_disable(SKILL_TRIVIA),
    }
    return await calls[operation]()


async def run_cell(sandbox: SandboxServer, cell: Cell) -> Outcome:
    route, account = OPERATIONS[cell.operation]
    outcome = Outcome(cell, expected_endpoints=(sandbox.urls.eu,))
    _prepare(sandbox, cell)
    code = None
    if cell.operation == "customer-enable":
        code = await asyncio.to_thread(partner_code, sandbox)
    token = str(sandbox.issue_tokens(account)["access_token"])
    svc = ConsoleService(settings(sandbox), StaticTokenProvider(token), poll_interval=POLL)
    sandbox.add_fault(route=route, **FAULTS[cell.fault], **MODES[cell.mode])
    result: OperationResult | None = None
    error: ConsoleError | None = None
    started = time.monotonic()
    try:
        try:
            result = await _call(svc, cell.operation, code)
        except ConsoleError as exc:
            error = exc
        outcome.elapsed = time.monotonic() - started
        outcome.exit_code, error = judge(result, error, SETTLED.get(cell.operation))
        # What skillctl prints: --json's ok and state, and the human line must render too.
        report = json.loads(result_json(result, error, operation=cell.operation))
        outcome.ok, outcome.state = report["ok"], report["state"]
        if result is not None:
            human(result)
    except Exception:  # a traceback is a finding, recorded for the cell's assertion
        outcome.elapsed = time.monotonic() - started
        outcome.crash = traceback.format_exc()
    finally:
        await svc.aclose()
    await _settle_server(sandbox)
    outcome.kind = error.kind if error else None
    outcome.verified = result.verified if result else True
    outcome.notes = result.notes if result else ()
    outcome.endpoints = result.endpoints if result else ()
    outcome.attempts = len(result.attempts if result else error.attempts if error else ())
    outcome.sandbox = _sandbox_state(sandbox, cell.operation)
    outcome.journal = sandbox.faults.journal()
    return outcome


async def _settle_server(sandbox: SandboxServer) -> None:
    """Wait (on a condition, briefly) until the sandbox has finished every request it got."""
    for _ in range(200):
        if sandbox.in_flight() == 0:
            return
        await asyncio.sleep(0.01)


# Where an answer the client reports may come from: the operation's own route, and for a
# change the status read that verifies or follows it.
EVIDENCE = {
    "enable": ("enable", "get-enablement"),
    "disable": ("disable", "get-enablement"),
    "status": ("get-enablement",),
    "customer-endpoint": ("endpoint",),
    "customer-enable": ("customer-enable", "customer-status"),
    "customer-status": ("customer-status",),
    "customer-disable": ("customer-disable", "customer-status"),
}
LOSSES = ("drop", "drop_response", "latency", "truncated")  # sent, answer not seen


def answered(o: Outcome) -> bool:
    """Did the sandbox give the client at least one clean answer it could report from?"""
    routes = EVIDENCE[o.cell.operation]
    return any(c["route"] in routes and c["fault"] is None and c["handled"] for c in o.journal)


def lost_a_change(o: Outcome) -> bool:
    """Was a change sent whose answer the client never saw (so "may have happened" is true)?"""
    change = EVIDENCE[o.cell.operation][0]
    return o.cell.operation in ("enable", "disable", "customer-enable", "customer-disable") and any(
        c["route"] == change and str(c["fault"]).startswith(LOSSES) for c in o.journal
    )


def must_recover(cell: Cell) -> bool:
    """A fault that happens once is retried away (operation 5 excepted: it is never repeated
    after a possibly processed attempt; a malformed 200 is a final answer)."""
    if cell.mode != "once" or cell.fault == "malformed":
        return False
    return cell.operation != "customer-enable" or cell.fault.startswith("429")


def agrees(o: Outcome) -> tuple[bool, str]:
    """Does what the client reported agree with the sandbox's state afterwards?"""
    op, s, state, code = o.cell.operation, o.sandbox, o.state, o.exit_code
    if code in (0, 4) and not answered(o):
        return False, "reported an answer the sandbox never gave"
    if must_recover(o.cell) and code != 0:
        return False, "one fault, and the client did not get past it"
    if o.kind == "uncertain":
        return lost_a_change(o), "said it may have happened"
    if op in ("enable", "disable"):
        want = "ENABLED" if op == "enable" else "NOT_ENABLED"
        if code == 0:
            return state == want == s, f"reported {state}, sandbox {s}"
        return s != want, f"reported failure, sandbox {s}"
    if op == "status":
        if code in (0, 4):
            return state == s and (code == 0) == (s == "ENABLED"), f"reported {state}, sandbox {s}"
        return state is None, "reported failure, no state"
    if op == "customer-endpoint":
        if code == 0:
            return o.endpoints == o.expected_endpoints, f"reported {o.endpoints}"
        return not o.endpoints, "reported failure"
    if op == "customer-status":
        if code == 0:
            return state == s, f"reported {state}, sandbox {s}"
        return state is None, "reported failure"
    done = ("ENABLED",) if op == "customer-enable" else ("DISABLED", "NO_ASSOCIATION")
    pending = "ENABLING" if op == "customer-enable" else "DISABLING"
    if code == 0:
        if not o.verified:  # the change's own answer stands: Alexa may still be at it
            return state in (*done, pending) and s in (*done, pending), f"{state}/{s}"
        return state in done and s in done, f"reported {state}, sandbox {s}"
    if o.kind in ("transition_failed", "in_progress"):
        return state == s, f"reported {state}, sandbox {s}"
    unchanged = "NO_ASSOCIATION" if op == "customer-enable" else "ENABLED"
    return s == unchanged, f"reported failure, sandbox {s}"


def repeated_after_processing(o: Outcome) -> bool:
    """Was operation 5 sent again after the sandbox had processed it once, or after an answer
    that leaves it open whether it did (a 5xx, a lost answer: the client cannot tell)?"""
    processed = False
    for call in o.journal:
        if call["route"] != "customer-enable":
            continue
        if processed:
            return True
        fault = call["fault"] or ""
        processed = call["handled"] or (bool(fault) and not fault.startswith("429"))
    return False


async def run_matrix(cells: Iterable[Cell], sandboxes: list[SandboxServer]) -> list[Outcome]:
    """Every cell, as many at a time as there are sandboxes."""
    free: asyncio.Queue[SandboxServer] = asyncio.Queue()
    for sandbox in sandboxes:
        free.put_nowait(sandbox)

    async def one(cell: Cell) -> Outcome:
        sandbox = await free.get()
        try:
            return await run_cell(sandbox, cell)
        finally:
            free.put_nowait(sandbox)

    return list(await asyncio.gather(*(one(cell) for cell in cells)))


def table(outcomes: list[Outcome]) -> str:
    """Markdown: operation × fault → outcome (exit code, state, attempts, elapsed) per mode."""
    by = {(o.cell.operation, o.cell.fault, o.cell.mode): o for o in outcomes}
    lines = [
        "| operation | fault | once | persistent |",
        "|---|---|---|---|",
    ]
    for op in OPERATIONS:
        for fault in FAULTS:
            row = [by.get((op, fault, mode)) for mode in MODES]
            if not any(row):
                continue
            cells = [o.summary() if o else "" for o in row]
            lines.append(f"| {op} | {fault} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
