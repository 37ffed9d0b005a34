"""The exit code of `skillctl batch`: 0, 4 when every failure is "not found", else the worst."""

from __future__ import annotations

import pytest

from console.cli_batch import batch_exit_code


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([], 0),
        ([0, 0], 0),
        ([0, 4, 4], 4),
        ([4, 2], 2),  # an invalid row skipped outranks "not found"
        ([4, 1, 2], 1),
        ([1, 5], 5),
        ([5, 6], 6),
        ([6, 3, 5], 3),  # authentication first: nothing else can work until a login
    ],
)
def test_the_most_serious_class_wins(codes: list[int], expected: int) -> None:
    assert batch_exit_code(codes) == expected
