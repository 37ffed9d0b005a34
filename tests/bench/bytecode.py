"""The bytecode state the timed processes run in.

An installed skill-console never compiles its modules at start: the PyInstaller bundle carries
bytecode, and pip (or `uv --compile-bytecode`) writes it at install. A shell with
PYTHONDONTWRITEBYTECODE=1 and no __pycache__ (this VM's) makes every process compile every
module it imports, every time: that measures the compiler, and charges the app for each module
it has beyond the floor's, in time and in memory the compiler leaves behind. So by default the
benchmarks let Python cache bytecode under a temporary PYTHONPYCACHEPREFIX (the work tree stays
clean) and run each process once untimed first; `--no-bytecode` measures the compiling case.
"""

from __future__ import annotations

import tempfile


def bench_env(base: dict[str, str], *, bytecode: bool) -> dict[str, str]:
    """`base` with bytecode cached outside the tree (bytecode) or never written (not)."""
    env = dict(base)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="skill-console-bench-pyc-")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def mode(bytecode: bool) -> str:
    return "cached" if bytecode else "compiled at every start"
