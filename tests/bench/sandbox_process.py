"""The sandbox in a child process, as Amazon would be: the benchmarks' server.

In-process it shares the GIL with the client or the window it serves, and every time they let go
of it (a socket or disk call) the server may hold it for a while: that measures the two
interleaving rather than the client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import httpx


class SandboxProcess:
    """`python -m console.sandbox` in a child process, driven through its admin routes (what
    the benchmarks and `sandbox_backend` need of a SandboxServer)."""

    def __init__(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "console.sandbox", "--port-base", "0", "--json"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        self._info: dict[str, Any] = json.loads(self.proc.stdout.readline())
        self.urls = SimpleNamespace(**self._info["urls"])

    def info(self) -> dict[str, Any]:
        return self._info

    def env(self, account: str = "developer") -> dict[str, str]:
        urls, token = self.urls, {a["name"]: a["refresh_token"] for a in self._info["accounts"]}
        return {
            "SKILL_CONSOLE_ENDPOINTS": f"na={urls.na},eu={urls.eu},fe={urls.fe}",
            "SKILL_CONSOLE_LWA_AUTHORIZE_URL": urls.authorize_url,
            "SKILL_CONSOLE_LWA_TOKEN_URL": urls.token_url,
            "SKILL_CONSOLE_CLIENT_ID": self._info["client_id"],
            "SKILL_CONSOLE_CLIENT_SECRET": self._info["client_secret"],
            "SKILL_CONSOLE_REFRESH_TOKEN": token[account],
        }

    def issue_tokens(self, account: str) -> dict[str, Any]:
        answer = httpx.post(f"{self.urls.admin}/tokens", json={"account": account})
        answer.raise_for_status()
        tokens: dict[str, Any] = answer.json()
        return tokens

    def add_fault(self, **fields: Any) -> None:
        httpx.post(f"{self.urls.admin}/faults", json=fields).raise_for_status()

    def clear_faults(self) -> None:
        httpx.delete(f"{self.urls.admin}/faults").raise_for_status()

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
