"""The fault matrix runs once per session, only for the cells selected, all at once.

Its table goes to the terminal summary (whatever -s or -q say) and to fault-matrix.md in the
session's temporary directory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from console.sandbox.server import SandboxServer
from tests.reliability.matrix import DEADLINE, Cell, Outcome, run_matrix, table

SANDBOXES = 6  # cells at a time; each has a sandbox of its own (faults are per sandbox)
TABLE = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def fault_matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[Cell, Outcome]]:
    cells = sorted(
        {
            item.callspec.params["cell"]
            for item in request.session.items
            if hasattr(item, "callspec") and isinstance(item.callspec.params.get("cell"), Cell)
        }
    )
    sandboxes = [SandboxServer(port_base=0) for _ in range(min(SANDBOXES, len(cells)))]
    for sandbox in sandboxes:
        sandbox.start()
    try:
        started = time.monotonic()
        outcomes = asyncio.run(run_matrix(cells, sandboxes))
        took = time.monotonic() - started
    finally:
        for sandbox in sandboxes:
            sandbox.stop()
    text = table(outcomes)
    longest = max(outcomes, key=lambda o: o.elapsed)
    text += (
        f"\n\n{len(outcomes)} cells in {took:.1f} s on {len(sandboxes)} sandboxes; longest "
        f"{longest.elapsed:.2f} s ({longest.cell.id}), deadline {DEADLINE:g} s"
        if outcomes
        else ""
    )
    (tmp_path_factory.getbasetemp() / "fault-matrix.md").write_text(text + "\n", "utf-8")
    request.config.stash[TABLE] = text
    yield {o.cell: o for o in outcomes}


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    text = config.stash.get(TABLE, None)
    if text:
        terminalreporter.write_sep("=", "fault matrix (operation × fault → outcome)")
        terminalreporter.write_line(text)
