"""The refresh lock: one holder at a time (even within a process), a bounded wait."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.auth.refresh_lock import lock_path, refresh_lock


@pytest.mark.asyncio
async def test_a_second_holder_waits_and_then_gets_it(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "refresh-default-developer.lock"
    async with refresh_lock(path, 5) as first:
        assert first
        async with refresh_lock(path, 0.05) as second:
            assert not second  # timed out: the caller goes on, but deletes nothing
    async with refresh_lock(path, 0.05) as third:
        assert third


@pytest.mark.asyncio
async def test_no_lock_file_possible_means_unlocked_not_stuck(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    async with refresh_lock(blocker / "x.lock", 5) as held:  # its parent is a file
        assert not held


def test_the_lock_is_per_profile_and_kind() -> None:
    assert lock_path("qa", "developer") != lock_path("qa", "customer")
    assert lock_path("qa", "developer") != lock_path("qa-eu", "developer")
    assert lock_path("../x", "developer").parent.name == "locks"
