"""skillctl batch, history and case: many rows at once, what was done, a support summary.

Exit code of `batch` (and `case`), over every row of the input:
  0 every row succeeded; 4 every failure is "not enabled / not found / NO_ASSOCIATION";
  otherwise the most serious class present, in this order: 3 authentication, 6 network,
  5 throttled or server error, 1 anything else (refused, forbidden, unknown), 2 invalid rows
  skipped with --skip-invalid, 4 not found. 130 when stopped with Ctrl+C (or a closed stdout).
`case` leaves "not enabled / not found" out: that is what it reports, not a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import shutil
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from console.api.errors import AuthError, ConsoleError, ValidationError
from console.api.models import Attempt
from console.api.redact import redact
from console.api.regions import EndpointMemory
from console.batch_csv import ResultsWriter, csv_cell, done_lines, parse_rows
from console.config import RuntimeState, api_settings, history_retention_days
from console.services import ConsoleService
from console.services.batch import (
    DEFAULT_CONCURRENCY,
    BatchResult,
    BatchRow,
    BatchRun,
    Outcome,
    not_run,
)
from console.services.case import case_rows, summarize
from console.services.history import History, HistoryEntry, open_history
from console.services.history_search import HistoryFilter, search
from console.services.session import effective_env, token_provider
from console.services.throttle import Limiter

if TYPE_CHECKING:
    from console.cli import Options

__all__ = ["batch_exit_code", "register"]

SEVERITY = (3, 6, 5, 1, 2, 4)  # most serious first; see the module docstring
KIND_CODES = {
    "validation": 2,
    "auth": 3,
    "not_found": 4,
    "throttled": 5,
    "server": 5,
    "network": 6,
}


def exit_code_for(error: ConsoleError) -> int:
    from console.cli import exit_code_for as of_error  # cli imports this module at its end

    return of_error(error)


def row_code(result: BatchResult) -> int:
    """The exit code one row stands for (0: it succeeded)."""
    if result.outcome is Outcome.OK:
        return 0
    if result.outcome is Outcome.NOT_FOUND:
        return 4
    if result.outcome is Outcome.SKIPPED:
        return 2
    if result.error is not None:
        return exit_code_for(result.error)
    return KIND_CODES.get(result.error_kind or "", 1)


def batch_exit_code(codes: list[int]) -> int:
    """0 if all rows succeeded, else the most serious class present (see SEVERITY)."""
    failures = {c for c in codes if c != 0}
    return next((c for c in SEVERITY if c in failures), 1 if failures else 0)


# --- services per login kind -----------------------------------------------------------------


class Logins:
    """One ConsoleService per login kind for a run, sharing one limiter and one history."""

    def __init__(
        self,
        opts: Options,
        env_for: Callable[[str], dict[str, str]],
        *,
        limiter: Limiter | None,
        history: History | None,
    ) -> None:
        self.opts = opts
        self.env_for = env_for
        self.limiter = limiter
        self.history = history
        self._services: dict[str, ConsoleService] = {}
        self._problems: dict[str, ConsoleError] = {}
        if opts.sandbox:  # a fresh sandbox on new ports: nothing remembered applies
            self.memory = EndpointMemory()
        else:
            state = RuntimeState()
            self.memory = EndpointMemory(state.endpoints(), on_change=state.save_endpoints)

    async def service_for(self, row: BatchRow) -> ConsoleService:
        kind = row.kind
        if kind in self._problems:
            raise self._problems[kind]  # one missing login fails its rows, not the batch
        if kind not in self._services:
            try:
                env = self.env_for(kind)
                self._services[kind] = ConsoleService(
                    api_settings(env),
                    token_provider(env, profile=self.opts.profile, kind=kind),
                    on_attempt=_verbose if self.opts.verbose else None,
                    memory=self.memory,
                    limiter=self.limiter,
                    history=self.history,
                    profile=self.opts.profile,
                    kind=kind,
                )
            except ConsoleError as exc:
                self._problems[kind] = exc
                raise
        return self._services[kind]

    async def aclose(self) -> None:
        for service in self._services.values():
            await service.aclose()


def _verbose(attempt: Attempt) -> None:
    from console.cli import attempt_line

    click.echo(redact(attempt_line(attempt)), err=True)


@contextlib.contextmanager
def login_envs(opts: Options) -> Iterator[Callable[[str], dict[str, str]]]:
    """The settings for each login kind; with --sandbox, a running sandbox's demo logins."""
    env = effective_env(opts.profile)
    if not opts.sandbox:
        yield lambda kind: env
        return
    from console.sandbox.server import SandboxServer  # only paid for with --sandbox

    chosen = env.get("SKILL_CONSOLE_SANDBOX_ACCOUNT", "")
    base = {
        k: v
        for k, v in env.items()
        if not (k.startswith("SKILL_CONSOLE_") and k.endswith("_TOKEN"))
    }
    with SandboxServer(port_base=0) as server:

        def for_kind(kind: str) -> dict[str, str]:
            account = "customer-ambiguous" if kind == "customer" else "developer"
            if chosen and chosen.startswith("customer") == (kind == "customer"):
                account = chosen
            return base | server.env(account)

        yield for_kind


def history_for_run() -> History:
    history = open_history(history_retention_days())
    if history.notice:
        click.echo(f"note: {history.notice}", err=True)
    return history


def close_history(history: History, said: str | None) -> None:
    """Close the history, and say so if it turned off during the run (a full disk, a lock
    held too long): otherwise rows would stop being recorded without a word."""
    history.close()
    if history.notice and history.notice != said:
        click.echo(f"note: {history.notice}", err=True)


# --- output --------------------------------------------------------------------------------


def needs_a_look(result: BatchResult) -> bool:
    """Whether a terminal shows the row above the bar: failures and unknowns. Rows not run
    (after a stop, possibly thousands) are counted in the closing line and kept in the file."""
    return not result.done and result.outcome is not Outcome.NOT_RUN


def row_line(result: BatchResult) -> str:
    row = result.row
    parts = [f"line {row.line}", row.operation]
    parts += [p for p in (row.skill_id, row.stage) if p]
    if result.outcome in (Outcome.OK, Outcome.NOT_FOUND) and result.state:
        parts.append(result.state)
        if result.account_link:
            parts.append(f"account link {result.account_link}")
    elif result.outcome in (Outcome.OK, Outcome.NOT_FOUND) and result.endpoint:
        parts.append(result.endpoint)
    else:
        said = result.message or result.error_kind or ""
        label = str(result.outcome)
        # "not_run: not run: ..." says it twice
        parts.append(said if said.startswith(label.replace("_", " ")) else f"{label}: {said}")
    where = ", ".join(
        p for p in (result.region, f"{result.attempts} attempt(s)" if result.attempts else "") if p
    )
    if result.outcome is Outcome.OK and result.message and row.operation == "enable":
        parts.append(f"({result.message})")
    return redact("  ".join(parts) + (f"  ({where})" if where else ""))


class Progress:
    """Counts, rate and ETA: a redrawn bar on a terminal, nothing extra when piped."""

    def __init__(self, total: int, stream: IO[str], *, bar: bool) -> None:
        self.total = total
        self.stream = stream
        self.bar = bar
        self.counts: Counter[str] = Counter()
        self.started = time.monotonic()
        self._drawn = 0.0

    @property
    def landed(self) -> int:
        return sum(self.counts.values())

    def add(self, result: BatchResult, line: str | None = None) -> None:
        """Count a landed row; `line` (if any) is printed above the bar."""
        self.counts[str(result.outcome)] += 1
        if line is not None:
            self.clear()
            click.echo(line)
        now = time.monotonic()
        if self.bar and (line is not None or now - self._drawn > 0.1 or self.landed == self.total):
            self._drawn = now
            # Wider than the terminal, the bar wraps and each redraw leaves a line behind.
            width = shutil.get_terminal_size().columns - 1
            self.stream.write("\r" + self.text()[: max(width, 20)] + "\x1b[K")
            self.stream.flush()

    def text(self) -> str:
        done, total = self.landed, self.total
        elapsed = max(1e-6, time.monotonic() - self.started)
        rate = done / elapsed
        width = 24
        filled = int(width * done / total) if total else width
        eta = f"ETA {(total - done) / rate:.0f} s" if rate > 0 and done < total else ""
        counts = "  ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(self.counts.items()))
        bar = "#" * filled + "." * (width - filled)
        return f"[{bar}] {done}/{total}  {rate:.1f}/s  {eta}  {counts}"  # counts clip first

    def clear(self) -> None:
        if self.bar:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


# --- batch -----------------------------------------------------------------------------------


def _read_input(source: str) -> str:
    try:
        if source == "-":
            return sys.stdin.read()
        return Path(source).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"The batch file {source} cannot be read ({exc})",
            hint="Give a UTF-8 CSV file with a header line 'operation,skill_id,stage'.",
        ) from None


@click.command("batch")
@click.argument("source", metavar="FILE.csv|-")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write one results row per input row, as rows land.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=DEFAULT_CONCURRENCY,
    show_default=True,
    help="Operations in flight at once.",
)
@click.option(
    "--resume",
    "resume_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An earlier results file: run only the rows not answered there.",
)
@click.option("--skip-invalid", is_flag=True, help="Run the good rows; report bad ones skipped.")
@click.option("--json", "json_flag", is_flag=True, help="Print one JSON line per row.")
@click.pass_obj
def batch_command(
    opts: Options,
    source: str,
    out_path: Path | None,
    concurrency: int,
    resume_path: Path | None,
    skip_invalid: bool,
    json_flag: bool,
) -> None:
    """Run many operations from a CSV (columns operation, skill_id, stage); see the README."""
    as_json = opts.as_json or json_flag
    try:
        parsed = parse_rows(_read_input(source), profile=opts.profile)
        if parsed.problems and not skip_invalid:
            _refuse(parsed.problems, as_json)
            sys.exit(2)
        if out_path and source != "-" and _same_file(out_path, Path(source)):
            raise ValidationError(
                f"--out {out_path} is the batch file itself; writing results would replace it",
                hint="Choose another --out path; nothing was sent.",
            )
        carried = done_lines(resume_path, parsed.rows) if resume_path else {}
    except ConsoleError as error:
        _error(error, as_json)
        sys.exit(exit_code_for(error))
    if resume_path and out_path is None:
        # Resuming continues the same results: with no --out the rows run now would be in no
        # file, and the next --resume would send them again. Its answered rows are read above.
        out_path = resume_path
    todo = [row for row in parsed.rows if row.line not in carried]
    skipped = [  # each with what its line asked, so the results can be filtered by skill
        not_run(
            BatchRow(p.line, p.asked[0], p.asked[1] or None, p.asked[2] or None, opts.profile, "-"),
            p.reason,
            skipped=True,
        )
        for p in parsed.problems
    ]
    try:
        sink = out_path.open("w", encoding="utf-8", newline="") if out_path else None
    except OSError as exc:
        unwritable = ValidationError(
            f"The results file {out_path} cannot be written ({exc.strerror or exc})",
            hint="Choose another --out path; nothing was sent.",
        )
        _error(unwritable, as_json)
        sys.exit(2)
    try:
        writer = ResultsWriter(sink) if sink else None
        codes: list[int] = []
        for record in carried.values():
            if writer:
                writer.write_raw(record)
            codes.append(4 if record.get("outcome") == Outcome.NOT_FOUND else 0)
        for result in skipped:
            _skipped_row(result, writer, as_json)
            codes.append(2)
        if carried:
            click.echo(
                f"resuming: {len(carried)} row(s) already answered, {len(todo)} to run", err=True
            )
        code = _run_rows(opts, todo, concurrency, writer, as_json, codes)
    finally:
        if sink:
            sink.close()
    if out_path:
        click.echo(f"results: {out_path}", err=True)
    sys.exit(code)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and a.samefile(b)
    except OSError:
        return False


def _skipped_row(result: BatchResult, writer: ResultsWriter | None, as_json: bool) -> None:
    if writer:
        writer.write(result)
    if as_json:
        click.echo(json.dumps(result.to_dict()))
    else:
        click.echo(f"line {result.row.line}  skipped: {result.message}")


def _run_rows(
    opts: Options,
    rows: list[BatchRow],
    concurrency: int,
    writer: ResultsWriter | None,
    as_json: bool,
    codes: list[int],
) -> int:
    progress = Progress(len(rows), sys.stderr, bar=sys.stderr.isatty() and not as_json)
    every_row = as_json or not sys.stdout.isatty()
    runs: list[BatchRun] = []
    reader_gone = False

    def landed(result: BatchResult) -> None:
        nonlocal reader_gone
        if writer:
            writer.write(result)
        codes.append(row_code(result))
        show = not as_json and (every_row or needs_a_look(result))
        try:
            progress.add(result, row_line(result) if show and not reader_gone else None)
            if as_json and not reader_gone:
                click.echo(json.dumps(result.to_dict()))
        except BrokenPipeError:  # `| head`, or a pager quit: stop as Ctrl+C would
            reader_gone = True
            _drop_stdout()
            if runs and not runs[0].cancelled:
                click.echo("\nstopping: standard output was closed", err=True)
                runs[0].cancel()

    history = history_for_run()
    said = history.notice
    cancelled = False
    try:
        with login_envs(opts) as env_for:
            cancelled = asyncio.run(
                _drive(opts, rows, concurrency, env_for, history, landed, runs.append)
            )
    except KeyboardInterrupt:  # a second Ctrl+C: quit now; the file has every row so far
        cancelled = True
    finally:
        progress.clear()
        close_history(history, said)
    elapsed = time.monotonic() - progress.started
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(progress.counts.items()))
    rate = progress.landed / elapsed if elapsed > 0 else 0.0
    click.echo(
        f"{progress.landed} row(s) in {elapsed:.1f} s ({rate:.1f}/s): {counts or 'nothing run'}",
        err=True,
    )
    if cancelled:
        click.echo(
            "stopped: rows not sent are 'not_run', rows in flight 'unknown' "
            "(check them again, or run again with --resume)",
            err=True,
        )
        return 130
    return batch_exit_code(codes)


async def _drive(
    opts: Options,
    rows: list[BatchRow],
    concurrency: int,
    env_for: Callable[[str], dict[str, str]],
    history: History,
    landed: Callable[[BatchResult], None],
    started: Callable[[BatchRun], None] = lambda run: None,
) -> bool:
    """Run the rows; Ctrl+C cancels cleanly (True when it did)."""
    logins = Logins(opts, env_for, limiter=Limiter(concurrency), history=history)
    run = BatchRun(rows, logins.service_for, concurrency=concurrency)
    started(run)
    loop = asyncio.get_running_loop()

    def stop() -> None:
        click.echo("\nstopping (Ctrl+C again quits at once)", err=True)
        run.cancel()
        loop.remove_signal_handler(signal.SIGINT)

    with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows' loop
        loop.add_signal_handler(signal.SIGINT, stop)
    try:
        await run.run(landed)
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
        await logins.aclose()
    return run.cancelled


def _drop_stdout() -> None:
    """Point a closed standard output at the null device, so later writes (and the flush at
    exit) do not fail again."""
    with contextlib.suppress(OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


def _refuse(problems: list[Any], as_json: bool) -> None:
    n = len(problems)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": False,
                    "error": {"kind": "validation", "message": f"{n} bad row(s); nothing was sent"},
                    "problems": [{"line": p.line, "reason": p.reason} for p in problems],
                }
            )
        )
        return
    click.echo(f"error: the batch file has {n} bad row(s); nothing was sent:", err=True)
    for problem in problems:
        click.echo(redact(f"  {problem}"), err=True)
    click.echo("hint: fix these rows, or run the good ones with --skip-invalid.", err=True)


def _error(error: ConsoleError, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"ok": False, "error": error.to_dict()}))
        return
    click.echo(redact(f"error: {error.message}"), err=True)
    click.echo(redact(f"hint: {error.hint}"), err=True)


# --- history ---------------------------------------------------------------------------------


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """A date (2026-11-30), a date-time (UTC unless given), or an age: 90m, 24h, 7d."""
    now = now or datetime.now(UTC)
    value = text.strip()
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if value[:-1].isdigit() and value[-1:].lower() in units:
        try:
            return now - timedelta(**{units[value[-1].lower()]: int(value[:-1])})
        except OverflowError:  # 99999999999d: before the first date there is
            return datetime.min.replace(tzinfo=UTC)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "use a date (2026-11-30), a date and time (2026-11-30T08:00), or 90m / 24h / 7d",
            param_hint="--since",
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


HISTORY_COLUMNS = (
    "at",
    "profile",
    "kind",
    "operation",
    "skill_id",
    "stage",
    "outcome",
    "state",
    "account_link",
    "endpoint",
    "region",
    "error_kind",
    "message",
    "request_id",
    "attempts",
    "batch_id",
)


@click.command("history")
@click.option("--skill", "skill_id", help="Only this skill.")
@click.option("--since", help="From this date/time (UTC), or an age: 90m, 24h, 7d.")
@click.option(
    "--outcome",
    type=click.Choice(["ok", "failed", "cancelled"]),
    help="Only these outcomes (cancelled: stopped before an answer came back).",
)
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "json_flag", is_flag=True, help="One JSON object per line.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header line.")
@click.pass_obj
def history_command(
    opts: Options,
    skill_id: str | None,
    since: str | None,
    outcome: str | None,
    limit: int,
    json_flag: bool,
    as_csv: bool,
) -> None:
    """What was done, newest first (kept for 90 days by default; see the README)."""
    when = parse_since(since) if since else None
    history = open_history(history_retention_days())
    try:
        if history.notice:
            click.echo(f"note: {history.notice}", err=True)
        entries: list[HistoryEntry] | None
        if history.enabled:
            entries = history.query(skill_id=skill_id, since=when, outcome=outcome, limit=limit)
        else:  # off (a read-only data directory): what was recorded can still be read
            entries = _read_only(history.path, skill_id, when, outcome, limit)
    finally:
        history.close()
    if entries is None:
        click.echo(f"The history in {history.path} cannot be read.", err=True)
        sys.exit(1)
    if opts.as_json or json_flag:
        for entry in entries:
            click.echo(json.dumps(entry.to_dict()))
    elif as_csv:
        out = csv.DictWriter(sys.stdout, HISTORY_COLUMNS, extrasaction="ignore")
        out.writeheader()
        for entry in entries:
            out.writerow({k: "" if v is None else csv_cell(v) for k, v in entry.to_dict().items()})
    else:
        for entry in entries:
            click.echo(_history_line(entry))
        if not entries:
            click.echo(
                "Nothing recorded"
                + (" that matches." if skill_id or since or outcome else " yet."),
                err=True,
            )
    if entries and len(entries) == limit:  # there may be more (an export too): say so
        click.echo(f"(the newest {limit} shown; --limit N for more)", err=True)


def _read_only(
    path: Path, skill_id: str | None, since: datetime | None, outcome: str | None, limit: int
) -> list[HistoryEntry] | None:
    """The recorded rows through a read-only connection; None when the file cannot be read."""
    if not path.exists():
        return []
    wanted = HistoryFilter(skill=skill_id or "", since=since, outcome=outcome, limit=limit)
    try:
        entries = search(path, wanted)
    except sqlite3.Error:
        return None
    return [e for e in entries if skill_id is None or e.skill_id == skill_id]


def _history_line(entry: HistoryEntry) -> str:
    parts = [entry.at, entry.profile, entry.kind or "-", entry.operation]
    parts += [p for p in (entry.skill_id, entry.stage) if p]
    parts.append(entry.outcome)
    parts += [p for p in (entry.state, entry.region) if p]
    if entry.error_kind:
        parts.append(f"{entry.error_kind}: {entry.message or ''}")
    if entry.request_id:
        parts.append(f"request {entry.request_id}")
    if entry.batch_id:
        parts.append(f"batch {entry.batch_id}")
    return redact("  ".join(parts))


# --- case ------------------------------------------------------------------------------------


@click.command("case")
@click.argument("skill_ids", nargs=-1, required=True, metavar="SKILL_ID...")
@click.option(
    "--customer",
    is_flag=True,
    help="Check as the signed-in customer (region, status, account link).",
)
@click.option("--json", "json_flag", is_flag=True, help="One JSON object.")
@click.pass_obj
def case_command(
    opts: Options, skill_ids: tuple[str, ...], customer: bool, json_flag: bool
) -> None:
    """Support: check these skills now and print a ticket-ready summary (no secrets)."""
    rows = case_rows(skill_ids, customer=customer, profile=opts.profile)
    history = history_for_run()
    said = history.notice
    checks: list[BatchResult] = []
    try:
        with login_envs(opts) as env_for:
            run_id = asyncio.run(_case_checks(opts, rows, env_for, history, checks))
            who = _customer_name(env_for("customer"), opts.profile) if customer else None
        summary = summarize(
            checks,
            history,
            skill_ids=skill_ids,
            profile=opts.profile,
            customer=customer,
            own_batch=run_id,
            signed_in_as=who,
        )
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    finally:
        close_history(history, said)
    if opts.as_json or json_flag:
        click.echo(json.dumps(summary.to_dict()))
    else:
        click.echo(summary.text())
    codes = [row_code(c) for c in checks if c.outcome is not Outcome.NOT_FOUND]
    failures = [c for c in checks if c.error and isinstance(c.error, AuthError)]
    if failures and not (opts.as_json or json_flag):
        click.echo(redact(f"hint: {failures[0].error.hint if failures[0].error else ''}"), err=True)
    sys.exit(batch_exit_code(codes))


def _customer_name(env: dict[str, str], profile: str) -> str | None:
    """The stored customer login's name and email, if Amazon shared them."""
    from console.services.session import signed_in_customer

    customer = signed_in_customer(env, profile)
    return customer.who() if customer is not None and customer.known else None


async def _case_checks(
    opts: Options,
    rows: list[BatchRow],
    env_for: Callable[[str], dict[str, str]],
    history: History,
    into: list[BatchResult],
) -> str:
    logins = Logins(opts, env_for, limiter=Limiter(4), history=history)
    run = BatchRun(rows, logins.service_for, concurrency=4, batch_id=None)
    try:
        into.extend(await run.run())
    finally:
        await logins.aclose()
    return run.batch_id


def register(group: click.Group) -> None:
    """Add batch, history and case to skillctl."""
    for command in (batch_command, history_command, case_command):
        group.add_command(command)
