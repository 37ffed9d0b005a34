"""Batch files: read and check an input CSV, write results as they land, read them back to resume.

No Qt and no I/O beyond the file handed in: `skillctl batch` uses it, and the window's
"import CSV" can reuse `parse_rows`.

Input: a header naming `operation, skill_id, stage` (any order; other columns are ignored),
then one row per operation. Blank lines and lines starting with `#` are skipped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from console.api import validation
from console.api.errors import ValidationError
from console.services.batch import (
    CUSTOMER_OPERATIONS,
    DONE,
    OPERATIONS,
    BatchResult,
    BatchRow,
    Outcome,
)

__all__ = [
    "INPUT_COLUMNS",
    "RESULT_COLUMNS",
    "ParsedBatch",
    "ResultsWriter",
    "RowProblem",
    "csv_cell",
    "done_lines",
    "parse_rows",
]

INPUT_COLUMNS = ("operation", "skill_id", "stage")
RESULT_COLUMNS = (
    "line",
    "operation",
    "skill_id",
    "stage",
    "outcome",
    "state",
    "account_link",
    "endpoint",
    "region",
    "attempts",
    "request_id",
    "error_kind",
    "message",
    "started",
    "finished",
)
STAGES = ("development", "live")
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value a spreadsheet shows as text: a leading formula character gets a ' before it.

    Skill IDs of valid rows cannot start so, but a history row keeps the ID as it was asked
    (an invalid one included), and states, links and request ids are the server's words."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str
    text: str = ""  # the row as read, for the message
    asked: tuple[str, str, str] = ("", "", "")  # its operation, skill_id and stage as read

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ParsedBatch:
    rows: list[BatchRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def parse_rows(text: str, *, profile: str = "default") -> ParsedBatch:
    """Every row of a batch file checked; every bad row named with its line and reason."""
    parsed = ParsedBatch()
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header: dict[str, int] | None = None
    ended = 0  # the last line of the previous record: a quoted field may span lines
    try:
        for fields in reader:
            line, ended = ended + 1, reader.line_num
            if not any(f.strip() for f in fields) or fields[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = _header(fields, line, parsed)
                if header is None:
                    return parsed  # without its columns no row can be read
                continue
            row = _row(fields, header, line, profile, parsed)
            if row is not None:
                parsed.rows.append(row)
            elif ended > line:  # a quote left open swallows the lines after it
                bad = parsed.problems[-1]
                reason = f"{bad.reason} (this row runs on to line {ended}: a quote not closed?)"
                parsed.problems[-1] = replace(bad, reason=reason)
    except csv.Error as exc:
        parsed.problems.append(RowProblem(ended + 1, f"not valid CSV ({exc})"))
        return parsed
    if header is None:
        parsed.problems.append(
            RowProblem(
                1,
                "the file is empty: it needs a header line "
                "'operation,skill_id,stage' and at least one row",
            )
        )
    elif not parsed.rows and not parsed.problems:
        parsed.problems.append(RowProblem(reader.line_num or 1, "no rows after the header"))
    return parsed


def _header(fields: list[str], line: int, parsed: ParsedBatch) -> dict[str, int] | None:
    names = [f.strip().lower().replace(" ", "_") for f in fields]
    missing = [c for c in INPUT_COLUMNS if c not in names]
    if missing:
        joined = next((name for sep, name in _SEPARATORS if _names_by(fields, sep)), "")
        # Excel in many locales saves "CSV" with semicolons
        hint = f"; the columns seem to be separated by {joined}: use commas" if joined else ""
        parsed.problems.append(
            RowProblem(
                line,
                f"the header must name the columns {', '.join(INPUT_COLUMNS)} "
                f"(missing: {', '.join(missing)}){hint}",
                ",".join(fields),
            )
        )
        return None
    return {name: names.index(name) for name in INPUT_COLUMNS}


_SEPARATORS = ((";", "';'"), ("\t", "tabs"))


def _names_by(fields: list[str], separator: str) -> bool:
    """Whether a one-field header names the columns when split at `separator`."""
    names = {n.strip().lower() for n in fields[0].split(separator)} if len(fields) == 1 else set()
    return set(INPUT_COLUMNS) <= names


def _row(
    fields: list[str], header: dict[str, int], line: int, profile: str, parsed: ParsedBatch
) -> BatchRow | None:
    text = ",".join(fields)

    def cell(name: str) -> str:
        index = header[name]
        return fields[index].strip() if index < len(fields) else ""

    reasons: list[str] = []
    operation = cell("operation").lower().replace(" ", "-").replace("_", "-")
    skill_id = cell("skill_id") or None
    stage = cell("stage").lower() or None
    if len(fields) < len(header):
        reasons.append(f"{len(fields)} column(s), the header has at least {len(header)}")
    elif operation not in OPERATIONS:
        shown = repr(cell("operation")) if cell("operation") else "nothing"
        reasons.append(f"operation is {shown}; use one of {', '.join(OPERATIONS)}")
    else:
        reasons += _check(operation, skill_id, stage)
    if reasons:
        asked = (cell("operation"), cell("skill_id"), cell("stage"))
        parsed.problems.append(RowProblem(line, "; ".join(reasons), text, asked))
        return None
    return BatchRow(line=line, operation=operation, skill_id=skill_id, stage=stage, profile=profile)


def _check(operation: str, skill_id: str | None, stage: str | None) -> list[str]:
    reasons: list[str] = []
    if operation == "customer-endpoint":
        if skill_id:
            reasons.append("customer-endpoint takes no skill_id (leave it empty)")
    elif skill_id is None:
        reasons.append(f"{operation} needs a skill_id")
    else:
        try:
            validation.check_skill_id(skill_id)
        except ValidationError as exc:
            reasons.append(exc.message)
    if operation in CUSTOMER_OPERATIONS:
        if stage:
            reasons.append(f"{operation} takes no stage (leave it empty)")
    elif stage is None:
        reasons.append(f"{operation} needs a stage: development or live")
    elif stage not in STAGES:
        reasons.append(f"stage is {stage!r}; use development or live")
    return reasons


class ResultsWriter:
    """Writes one results row per landed row and flushes it, so a stopped run leaves a valid
    file (with every row that came back)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._writer = csv.DictWriter(stream, RESULT_COLUMNS, extrasaction="ignore")
        self._writer.writeheader()
        stream.flush()

    def write(self, result: BatchResult) -> None:
        values = {k: ("" if v is None else csv_cell(v)) for k, v in result.to_dict().items()}
        self._writer.writerow(values)
        self._stream.flush()

    def write_raw(self, row: dict[str, str]) -> None:
        """A row carried over from an earlier results file, as it was."""
        self._writer.writerow({k: csv_cell(row.get(k, "")) for k in RESULT_COLUMNS})
        self._stream.flush()


def done_lines(path: Path, rows: Iterable[BatchRow]) -> dict[int, dict[str, str]]:
    """The rows of an earlier results file that were answered and still match the input.

    A row counts as done when its outcome is ok or not_found and its line still asks the same
    question (operation, skill, stage); everything else runs again."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            f"The results file {path} cannot be read to resume from ({exc})",
            hint="Give the --out file of the earlier run; nothing was sent.",
        ) from None
    wanted = {row.line: row for row in rows}
    done: dict[int, dict[str, str]] = {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if reader.fieldnames is None or not {"line", "outcome"} <= set(reader.fieldnames):
        raise ValidationError(
            f"{path} is not a results file of 'skillctl batch' (no line/outcome columns)",
            hint="Give the --out file of the earlier run; nothing was sent.",
        )
    finished = {str(o) for o in DONE}
    for record in reader:
        try:
            line = int(record.get("line") or "")
        except ValueError:
            continue
        row = wanted.get(line)
        if row is None or record.get("outcome") not in finished:
            continue
        same = (
            record.get("operation") == row.operation
            and (record.get("skill_id") or None) == row.skill_id
            and (record.get("stage") or None) == row.stage
        )
        if same:
            done[line] = {k: v or "" for k, v in record.items() if k is not None}
    return done


def is_done_outcome(value: str) -> bool:
    return value in {str(Outcome.OK), str(Outcome.NOT_FOUND)}
