"""Searching the history database from a worker thread, on a read-only connection of its own.

`History.query` shares the writer's connection and lock, so a long read there would hold up the
next commit on the UI thread; WAL lets this separate reader run beside the writer instead.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from console.services.history import BUSY_TIMEOUT_MS, HistoryEntry

__all__ = ["DEFAULT_LIMIT", "HistoryFilter", "search"]

DEFAULT_LIMIT = 1000
_NAMES = tuple(f.name for f in fields(HistoryEntry))


class HistoryFilter(NamedTuple):
    """What the history view asks for; empty values match everything."""

    skill: str = ""  # part of a skill ID
    since: datetime | None = None
    outcome: str | None = None  # ok, failed, cancelled
    text: str = ""  # part of the operation's name
    limit: int = DEFAULT_LIMIT


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(path: Path, wanted: HistoryFilter) -> list[HistoryEntry]:
    """Matching rows, newest first; raises sqlite3.Error if the file cannot be read."""
    where: list[str] = []
    args: list[object] = []
    if wanted.skill.strip():
        where.append("skill_id LIKE ? ESCAPE '\\'")
        args.append(_like(wanted.skill.strip()))
    if wanted.since is not None:
        where.append("at >= ?")
        args.append(wanted.since.astimezone(UTC).isoformat())
    if wanted.outcome:
        where.append("outcome = ?")
        args.append(wanted.outcome)
    if wanted.text.strip():
        where.append("operation LIKE ? ESCAPE '\\'")
        args.append(_like(wanted.text.strip()))
    sql = f"SELECT {', '.join(_NAMES)} FROM actions"  # noqa: S608 (fixed names)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY at DESC, id DESC LIMIT ?"
    args.append(max(1, wanted.limit))
    try:
        rows = _read(path, "mode=ro", sql, args)
    except sqlite3.OperationalError:
        if os.access(path.parent, os.W_OK):
            raise
        # A WAL file in a directory we cannot write: a reader cannot make its -shm file, so
        # read the file as it stands (nobody here can be writing it).
        rows = _read(path, "mode=ro&immutable=1", sql, args)
    return [HistoryEntry(**dict(zip(_NAMES, row, strict=True))) for row in rows]


def _read(path: Path, mode: str, sql: str, args: list[object]) -> list[Any]:
    db = sqlite3.connect(
        f"{path.resolve().as_uri()}?{mode}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
    )
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()
