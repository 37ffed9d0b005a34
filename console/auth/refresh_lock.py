"""A lock file that every process refreshing one stored login takes (profile + kind).

With refresh-token rotation, LWA revokes the old refresh token when it hands out a new one, so
two processes that refresh the same login at once must take turns: the second one then finds the
first one's tokens in the keychain instead of a revoked token. The keychain has no locks of its
own, so this is a file beside the app's cache (flock on POSIX, msvcrt on Windows); the OS drops
it when a process dies, so a crash never leaves it stuck.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

__all__ = ["lock_path", "refresh_lock"]

_POLL_FIRST, _POLL_MAX = 0.005, 0.05  # seconds between tries while another process holds it


def lock_path(profile: str, kind: str) -> Path:
    import platformdirs

    from console import APP_NAME

    safe = re.sub(r"[^A-Za-z0-9_-]", "_", f"{profile}-{kind}")
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "locks" / f"refresh-{safe}.lock"


@contextlib.asynccontextmanager
async def refresh_lock(path: Path, patience: float) -> AsyncIterator[bool]:
    """Hold the lock at `path`; yields False (unlocked) if it cannot be had within `patience`
    seconds or the file cannot be made — the caller then must not delete anything."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield False
        return
    try:
        held = await _acquire(fd, patience)
        try:
            yield held
        finally:
            if held:
                _unlock(fd)
    finally:
        os.close(fd)


async def _acquire(fd: int, patience: float) -> bool:
    """Try without blocking the loop until `patience` seconds have passed."""
    end = time.monotonic() + patience
    delay = _POLL_FIRST
    while True:
        try:
            if _try_lock(fd):
                return True
        except OSError:  # no locks on this file system: go on unlocked (and careful)
            return False
        if time.monotonic() >= end:
            return False
        await asyncio.sleep(delay)
        delay = min(delay * 2, _POLL_MAX)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        # flock (not fcntl/lockf): it is per open file, so two stores in one process exclude
        # each other too.
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
