"""Shared fixtures: isolated settings dirs, an in-memory keyring, the sandbox on loopback, qasync.

Nothing here touches the developer's keychain, config dir or the internet.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_ISOLATED = Path(tempfile.mkdtemp(prefix="skill-console-tests-"))


def pytest_configure(config: pytest.Config) -> None:
    # Settings, caches and runtime state go to a throwaway tree; never the user's real dirs.
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.environ[var] = str(_ISOLATED / var.lower())
    for var in [v for v in os.environ if v.startswith("SKILL_CONSOLE_")]:
        del os.environ[var]
    import keyring

    from tests.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())


@pytest.fixture(autouse=True)
def _fresh_keyring() -> Iterator[None]:
    import keyring

    from console.auth.tokens import TokenStore

    backend = keyring.get_keyring()
    if hasattr(backend, "clear"):
        backend.clear()
    TokenStore._memory.clear()  # the no-keychain store lives as long as the process
    yield
    if hasattr(backend, "clear"):
        backend.clear()
    TokenStore._memory.clear()


@pytest.fixture(scope="session")
def _sandbox_server() -> Iterator[Any]:
    from console.sandbox.server import SandboxServer

    server = SandboxServer(port_base=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(_sandbox_server: Any) -> Iterator[Any]:
    """The sandbox on ephemeral loopback ports, reset to its seed state for this test."""
    _sandbox_server.reset()
    yield _sandbox_server
    _sandbox_server.reset()
