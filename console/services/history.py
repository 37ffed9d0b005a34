"""A local history of every action (SQLite, WAL), so support can say what was done and when.

One row per user action: time, profile, login kind, operation, skill, stage, endpoint, region,
outcome, state, request id, batch id, and the error's kind and (redacted) message. Never a token,
code, verifier or secret: nothing of the kind is passed in, and messages are redacted again.

Each row is committed as it lands (rows landing in the same turn of the event loop share one
commit). The write-ahead log is copied into the database (a checkpoint, which syncs the disk and
took 5-8 ms every ~200 rows) on a worker thread through its own connection, not inside a commit
on the UI thread. Two processes may write at once (WAL + a busy timeout). A
damaged file is moved aside and a new one started; when the data directory cannot be written,
history is off and `notice` says so once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec, Protocol, TypeVar

import platformdirs

from console import APP_NAME
from console.api.errors import ConsoleError
from console.api.models import OperationResult
from console.api.redact import redact

if TYPE_CHECKING:  # sqlite3 loads where a database is opened: the idle window opens none
    import sqlite3

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "History",
    "HistoryEntry",
    "current_batch",
    "data_dir",
    "in_batch",
    "open_history",
    "recorded",
]

DEFAULT_RETENTION_DAYS = 90
FILE_NAME = "history.sqlite3"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000
CHECKPOINT_ROWS = 200  # rows committed between checkpoints (~SQLite's own 1000-page default)
CHECKPOINT_PASSES = 5
WAL_LIMIT_BYTES = 4 * 1024 * 1024  # the log file is cut back to this when it starts again

# The batch a row belongs to; set by the batch engine in each row's task.
current_batch: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_batch", default=None
)

COLUMNS = (  # the database's columns, in its order (the window's exports use them too)
    "at",
    "profile",
    "kind",
    "operation",
    "skill_id",
    "stage",
    "endpoint",
    "region",
    "outcome",
    "state",
    "account_link",
    "error_kind",
    "message",
    "request_id",
    "attempts",
    "batch_id",
)

_INSERT = (
    f"INSERT INTO actions ({', '.join(COLUMNS)}) "  # noqa: S608 (fixed names)
    f"VALUES ({', '.join('?' for _ in COLUMNS)})"
)
_MESSAGE = COLUMNS.index("message")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    {", ".join(f"{name} {'INTEGER' if name == 'attempts' else 'TEXT'}" for name in COLUMNS)}
);
CREATE INDEX IF NOT EXISTS actions_at ON actions (at);
CREATE INDEX IF NOT EXISTS actions_skill ON actions (skill_id, at);
"""


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded action (outcome: ok, failed or cancelled)."""

    at: str  # ISO 8601, UTC
    profile: str
    kind: str | None
    operation: str
    skill_id: str | None = None
    stage: str | None = None
    endpoint: str | None = None
    region: str | None = None
    outcome: str = "ok"
    state: str | None = None
    account_link: str | None = None
    error_kind: str | None = None
    message: str | None = None
    request_id: str | None = None
    attempts: int = 0
    batch_id: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class History:
    """The history database; every method is safe to call when history is off (then a no-op)."""

    def __init__(
        self, path: Path | str | None = None, *, retention_days: int | None = None
    ) -> None:
        self.path = Path(path) if path else data_dir() / FILE_NAME
        self.retention_days = DEFAULT_RETENTION_DAYS if retention_days is None else retention_days
        self.notice: str | None = None  # one message for the user (moved aside, or off)
        self._lock = threading.Lock()  # a connection shared by whichever thread calls
        self._db: sqlite3.Connection | None = None
        self._pending: list[list[object]] = []  # recorded in this turn of the event loop
        self._scheduled = False
        self._since_checkpoint = 0  # rows committed since the last checkpoint
        self._checkpointer: threading.Thread | None = None
        self._open()

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def _open(self) -> None:
        import sqlite3

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._connect()
        except sqlite3.DatabaseError as exc:
            if _is_corrupt(exc):
                self._recover()
            else:
                self._off(exc)
        except OSError as exc:
            self._off(exc)

    def _connect(self) -> sqlite3.Connection:
        import sqlite3

        db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()
            if mode is None or str(mode[0]).lower() != "wal":
                raise sqlite3.OperationalError("cannot use write-ahead logging here")
            db.execute("PRAGMA synchronous = NORMAL")  # WAL: a crash of the app loses nothing
            db.execute("PRAGMA wal_autocheckpoint = 0")  # not inside a commit: see _checkpoint
            db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
            check = db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError("database disk image is malformed")
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._prune(db)
        except BaseException:
            db.close()
            raise
        return db

    def _recover(self) -> None:
        """Move a damaged database aside (with its WAL files) and start a new one."""
        import sqlite3

        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        try:
            self.path.replace(aside)
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{self.path}{suffix}").unlink()
            self._db = self._connect()
        except (OSError, sqlite3.DatabaseError) as exc:
            self._off(exc)
            return
        self.notice = (
            f"The history database was damaged; it was moved aside to {aside} and a new one "
            "was started."
        )

    def _off(self, exc: BaseException) -> None:
        self._db = None
        self.notice = (
            f"History is off: {self.path.parent} cannot be written ({_reason(exc)}). "
            "Everything else works; actions are not recorded."
        )

    def _prune(self, db: sqlite3.Connection) -> None:
        if self.retention_days <= 0:
            return  # 0 or less: keep everything
        cutoff = datetime.now(UTC) - timedelta(days=self.retention_days)
        db.execute("DELETE FROM actions WHERE at < ?", (cutoff.isoformat(),))

    def record(self, entry: HistoryEntry) -> None:
        """Append one row. In an event loop, the rows that land in one turn of the loop are
        committed together at the end of that turn (the commit is the costly part); without a
        loop, at once. A failure turns history off (said once), never raises."""
        if self._db is None:
            return
        values = [getattr(entry, name) for name in COLUMNS]
        values[_MESSAGE] = redact(entry.message) if entry.message else None
        self._pending.append(values)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self.flush)

    def flush(self) -> None:
        """Commit every row recorded so far."""
        import sqlite3

        self._scheduled = False
        rows, self._pending = self._pending, []
        if not rows or self._db is None:
            return
        try:
            with self._lock:
                self._db.execute("BEGIN")
                try:
                    self._db.executemany(_INSERT, rows)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self.close()
            self._off(exc)
            return
        self._since_checkpoint += len(rows)
        if self._since_checkpoint >= CHECKPOINT_ROWS:
            self._start_checkpoint()

    def _start_checkpoint(self) -> None:
        """In an event loop on a worker thread (one at a time), else at once."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self._since_checkpoint = 0
            self._checkpoint()
            return
        if self._checkpointer is not None and self._checkpointer.is_alive():
            return  # the next flush asks again
        self._since_checkpoint = 0
        self._checkpointer = threading.Thread(
            target=self._checkpoint, name="history-checkpoint", daemon=True
        )
        self._checkpointer.start()

    def _checkpoint(self) -> None:
        """Copy the write-ahead log into the database through a connection of its own (PASSIVE:
        writers and readers go on meanwhile). A checkpoint that fails loses nothing: the rows
        are in the log, and the next one (or the last connection closing) copies them."""
        import sqlite3

        with contextlib.suppress(sqlite3.Error):
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                # Until it has caught up (the rows committed meanwhile are few, so a few passes):
                # only then does the next commit start the log again from its beginning.
                for _ in range(CHECKPOINT_PASSES):
                    answer = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if answer is None or answer[1] == answer[2]:  # frames in log == copied
                        break
            finally:
                db.close()

    def query(
        self,
        *,
        skill_id: str | None = None,
        skills: tuple[str, ...] = (),
        since: datetime | None = None,
        outcome: str | None = None,
        profile: str | None = None,
        kind: str | None = None,
        limit: int | None = 100,
    ) -> list[HistoryEntry]:
        """Recorded actions, newest first (including rows still being written)."""
        import sqlite3

        self.flush()
        if self._db is None:
            return []
        where: list[str] = []
        args: list[object] = []
        wanted = (*skills, skill_id) if skill_id else skills
        if wanted:
            where.append(f"skill_id IN ({', '.join('?' for _ in wanted)})")
            args.extend(wanted)
        if since is not None:
            where.append("at >= ?")
            args.append(since.astimezone(UTC).isoformat())
        if outcome is not None:
            where.append("outcome = ?")
            args.append(outcome)
        if profile is not None:
            where.append("profile = ?")
            args.append(profile)
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        sql = f"SELECT {', '.join(COLUMNS)} FROM actions"  # noqa: S608 (fixed names)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY at DESC, id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        try:
            with self._lock:
                rows = self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            self.notice = f"The history could not be read ({_reason(exc)})."
            return []
        return [HistoryEntry(**dict(zip(COLUMNS, row, strict=True))) for row in rows]

    def close(self) -> None:
        """Commit what is pending and close the file."""
        if self._pending:
            self.flush()
        if self._checkpointer is not None:
            self._checkpointer.join()  # then closing the last connection checkpoints the rest
            self._checkpointer = None
        with self._lock:
            self._close_db()

    def _close_db(self) -> None:
        import sqlite3

        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def open_history(retention_days: int | None = None) -> History:
    """The history in the platform data directory (retention: settings.toml [history])."""
    return History(retention_days=retention_days)


@contextlib.contextmanager
def in_batch(batch_id: str) -> Iterator[None]:
    """Rows recorded inside belong to this batch."""
    token = current_batch.set(batch_id)
    try:
        yield
    finally:
        current_batch.reset(token)


# --- recording use cases ------------------------------------------------------------------


class RecordingContext(Protocol):
    """What `recorded` needs from the object whose methods it wraps (ConsoleService)."""

    history: History | None
    profile: str
    kind: str | None

    def region_of(self, endpoint: str | None) -> str | None: ...


S = TypeVar("S", bound=RecordingContext)
P = ParamSpec("P")
UseCase = Callable[Concatenate[S, P], Awaitable[OperationResult]]


def recorded(operation: str) -> Callable[[UseCase[S, P]], UseCase[S, P]]:
    """Record each call of a use case (its result or its error) in the owner's history."""

    def wrap(method: UseCase[S, P]) -> UseCase[S, P]:
        names = list(inspect.signature(method).parameters)[1:]  # after self

        async def call(self: S, /, *args: P.args, **kwargs: P.kwargs) -> OperationResult:
            if self.history is None or not self.history.enabled:
                return await method(self, *args, **kwargs)
            asked = dict(zip(names, args, strict=False)) | kwargs
            question = {
                "skill_id": _text(asked.get("skill_id")),
                "stage": _text(asked.get("stage")),
            }
            try:
                result = await method(self, *args, **kwargs)
            except ConsoleError as exc:
                _record(self, operation, question, None, exc)
                raise
            except asyncio.CancelledError:
                _record(self, operation, question, None, None)
                raise
            _record(self, operation, question, result, None)
            return result

        functools.update_wrapper(call, method)
        return call

    return wrap


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _record(
    owner: RecordingContext,
    operation: str,
    question: dict[str, str | None],
    result: OperationResult | None,
    error: ConsoleError | None,
) -> None:
    if owner.history is None:
        return
    attempts = result.attempts if result else (error.attempts if error else ())
    endpoint = result.endpoint if result else (error.endpoint if error else None)
    request_id = next(
        (rid for a in reversed(attempts) if (rid := getattr(a, "request_id", None))), None
    )
    if result is not None:
        outcome, message = "ok", None
    elif error is not None:
        outcome, message = "failed", error.message
    else:
        outcome, message = "cancelled", "stopped before an answer came back"
    owner.history.record(
        HistoryEntry(
            at=now_iso(),
            profile=owner.profile,
            kind=owner.kind,
            operation=operation,
            skill_id=(result.skill_id if result and result.skill_id else question["skill_id"]),
            stage=(result.stage if result and result.stage else question["stage"]),
            endpoint=endpoint,
            region=owner.region_of(endpoint),
            outcome=outcome,
            state=result.state if result else None,
            account_link=result.account_link if result else None,
            error_kind=error.kind if error else None,
            message=message,
            request_id=request_id,
            attempts=len(attempts),
            batch_id=current_batch.get(),
        )
    )
