"""A file-backed keyring for tests that need a keychain shared between two processes.

Selected in subprocesses with PYTHON_KEYRING_BACKEND=tests.file_keyring.FileKeyring and
FILE_KEYRING_PATH=<tmp file>. With FILE_KEYRING_BARRIER=<dir>:<n>, each process's first read
waits until n processes have got there, so that they go on (and refresh) at the same moment;
FILE_KEYRING_WRITE_SECONDS makes each write take that long, as a keychain over D-Bus can.
Never used outside tests: a plain file is exactly what the app
must not store secrets in.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
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

    _met = False

    def _meet_the_others(self) -> None:
        """The start barrier (once per process): a condition polled, with a limit."""
        spec = os.environ.get("FILE_KEYRING_BARRIER")
        if not spec or FileKeyring._met:
            return
        FileKeyring._met = True
        directory, _, count = spec.rpartition(":")
        Path(directory, str(os.getpid())).touch()
        give_up = time.monotonic() + 60
        while len(os.listdir(directory)) < int(count) and time.monotonic() < give_up:
            time.sleep(0.005)

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
            time.sleep(float(os.environ.get("FILE_KEYRING_WRITE_SECONDS", "0")))  # a slow keychain
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data))
            tmp.replace(self.path)

    def get_password(self, service: str, username: str) -> str | None:
        self._meet_the_others()
        return self._load().get(f"{service}|{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._changing() as data:
            data[f"{service}|{username}"] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._changing() as data:
            if data.pop(f"{service}|{username}", None) is None:
                raise PasswordDeleteError(username)
