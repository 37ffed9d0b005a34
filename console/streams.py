"""Standard streams for a process started without a console (a windowed exe, `1>&- 2>&-`)."""

from __future__ import annotations

import os
import sys

_STREAMS = ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w"))


def ensure_std_streams() -> None:
    """Give a closed or missing stdin/stdout/stderr the null device, so no code needs a console.

    A windowed PyInstaller exe starts with `sys.stdout`/`sys.stderr` set to None (uvicorn's and
    logging's handlers then fail), and a closed descriptor 0-2 would be handed to the next file
    or socket opened, where C libraries (Qt's warnings) would then write."""
    for fd, name, mode in _STREAMS:
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if getattr(sys, name, None) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115
