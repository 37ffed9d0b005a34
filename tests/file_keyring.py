"""A file-backed keyring for tests that need a keychain shared between two processes.

Selected in subprocesses with PYTHON_KEYRING_BACKEND=tests.file_keyring.FileKeyring and
FILE_KEYRING_PATH=<tmp file>. Never used outside tests: a plain file is exactly what the app
must not store secrets in.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    """Safe for many processes at once: writes hold a lock file and replace the file whole, so
    a reader never sees half of it (an OS keychain is just as consistent)."""

    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        return Path(os.environ["FILE_KEYRING_PATH"])

    def _load(self) -> dict[str, str]:
        try:
            return dict(json.loads(self.path.read_text()))
        except FileNotFoundError:
            return {}

    @contextlib.contextmanager
    def _changing(self) -> Iterator[dict[str, str]]:
        """The stored entries, to change; written back atomically under an exclusive lock."""
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._load()
            yield data
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data))
            tmp.replace(self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}|{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._changing() as data:
            data[f"{service}|{username}"] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._changing() as data:
            if data.pop(f"{service}|{username}", None) is None:
                raise PasswordDeleteError(username)
