"""skillctl login / whoami / logout across processes, with and without a keychain."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.sandbox_client import CLIENT_SECRET, SKILL_TRIVIA, consent, scripted_browser

ROOT = Path(__file__).resolve().parents[2]


def environ(sandbox: Any, tmp: Path, backend: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    env |= sandbox.env() | {
        "SKILL_CONSOLE_REFRESH_TOKEN": "",
        "PYTHON_KEYRING_BACKEND": backend,
        "FILE_KEYRING_PATH": str(tmp / "keyring.json"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "XDG_STATE_HOME": str(tmp / "state"),
    }
    return env


def skillctl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=ROOT,
    )


def login_process(
    env: dict[str, str], *extra: str, paste: bool = True, wait: int = 60
) -> subprocess.Popen[str]:
    """`skillctl login --no-browser`; with `paste`, its stdin is ours to write to."""
    return subprocess.Popen(
        [sys.executable, "-m", "console", "login", "--no-browser", "--wait", str(wait), *extra],
        stdin=subprocess.PIPE if paste else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def browser_login(
    env: dict[str, str], account: str = "developer", *extra: str
) -> tuple[int, str, str]:
    """Run `skillctl login --no-browser` and play the browser for the URL it prints."""
    proc = login_process(env, *extra, paste=False)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("http"):
            opener, _ = scripted_browser(account)
            opener(line.strip())
            break
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, "".join(seen) + err


def test_login_then_a_second_process_uses_the_stored_tokens(sandbox: Any, tmp_path: Path) -> None:
    env = environ(sandbox, tmp_path, "tests.file_keyring.FileKeyring")
    code, out, err = browser_login(env)
    assert code == 0, err
    assert "Logged in as a developer" in out and "OS keychain" in out
    sandbox.clock.advance(3700)  # the stored access token expired: -v shows the refresh too
    status = skillctl(env, "-v", "status", SKILL_TRIVIA)
    assert status.returncode == 4 and "NOT_ENABLED" in status.stdout  # an answer, not a login
    assert "auth/o2/token" in status.stderr
    without_id = {k: v for k, v in env.items() if k != "SKILL_CONSOLE_CLIENT_ID"}
    assert skillctl(without_id, "status", SKILL_TRIVIA).returncode == 4  # the login knows it
    assert "* default" in skillctl(env, "profiles").stdout  # the app lists it too
    who = skillctl(env, "whoami")
    assert who.returncode == 0 and "developer" in who.stdout and "expires in" in who.stdout
    out_text = out + err + status.stdout + status.stderr + who.stdout + who.stderr
    files = "".join(
        p.read_text(errors="replace")
        for d in ("config", "state")
        for p in (tmp_path / d).rglob("*")
        if p.is_file()
    )
    world = sandbox.state.world
    secrets = [
        CLIENT_SECRET,
        *world.access_tokens,
        *world.auth_codes,
        *[t for t in world.grants if "sandbox-" not in t],
    ]
    assert len(world.access_tokens) >= 2 and world.auth_codes  # the secrets this run used
    for secret in secrets:
        assert secret not in out_text and secret not in files
    gone = skillctl(env, "logout")
    assert gone.returncode == 0 and "developer" in gone.stdout
    assert skillctl(env, "status", SKILL_TRIVIA).returncode == 3


def test_without_a_keychain_the_user_is_told_why_a_new_login_is_needed(
    sandbox: Any, tmp_path: Path
) -> None:
    env = environ(sandbox, tmp_path, "keyring.backends.fail.Keyring")
    code, out, err = browser_login(env)
    assert code == 3 and "No OS keychain" in err and "memory for this run only" in out
    issued = [g for t, g in sandbox.state.world.grants.items() if "sandbox-" not in t]
    assert issued and all(g.revoked for g in issued)  # no live login left that nobody holds
    status = skillctl(env, "status", SKILL_TRIVIA)
    assert status.returncode == 3
    assert "Not logged in" in status.stderr and "No OS keychain" in status.stderr
    assert not (tmp_path / "keyring.json").exists()


def printed_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("http"):
            return line.strip()
    raise AssertionError("skillctl login printed no URL")


def test_ctrl_c_cancels_a_waiting_login(sandbox: Any, tmp_path: Path) -> None:
    # A login that would wait 10 minutes; a loaded CI machine may take a while to wind down.
    env = environ(sandbox, tmp_path, "tests.file_keyring.FileKeyring")
    proc = login_process(env, wait=600)
    printed_url(proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 3 and "cancelled" in err and "Traceback" not in err


def test_a_wrong_paste_can_be_followed_by_the_right_one(sandbox: Any, tmp_path: Path) -> None:
    env = environ(sandbox, tmp_path, "tests.file_keyring.FileKeyring")
    with socket.socket() as taken:  # the redirect cannot reach the CLI: paste it is
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        proc = login_process(env, "--port", str(taken.getsockname()[1]))
        split = urlsplit(printed_url(proc))
        params = {k: v[0] for k, v in parse_qs(split.query).items()}
        landed = consent(split._replace(query="").geturl(), params).headers["location"]
        assert proc.stdin is not None
        proc.stdin.write("\nhttp://127.0.0.1:1/callback?state=not-this-one&code=x\n")
        proc.stdin.write(landed + "\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "state mismatch" in err and "Logged in as a developer" in out


def test_a_customer_login_says_who_signed_in(sandbox: Any, tmp_path: Path) -> None:
    import json

    env = environ(sandbox, tmp_path, "tests.file_keyring.FileKeyring")
    env["XDG_DATA_HOME"] = str(tmp_path / "data")  # this run's history, to look through
    code, out, err = browser_login(env, "customer-eu", "--customer")
    assert code == 0, err
    assert "Customer: Elena Europa <elena.europa@example.com>" in out
    who = skillctl(env, "--json", "whoami")
    [login] = json.loads(who.stdout)["logins"]
    assert login["customer"]["name"] == "Elena Europa"
    assert login["customer"]["email"] == "elena.europa@example.com"
    assert "Elena Europa <elena.europa@example.com>" in skillctl(env, "whoami").stdout
    case = skillctl(env, "-v", "case", "--customer", SKILL_TRIVIA)
    assert "signed in as the customer Elena Europa <elena.europa@example.com>" in case.stdout
    assert "elena" not in case.stderr.lower()  # -v logs every attempt, never the profile
    stored = "".join(
        p.read_text(errors="replace") if p.suffix != ".sqlite3" else p.read_bytes().hex()
        for d in ("config", "state", "data")
        for p in (tmp_path / d).rglob("*")
        if p.is_file()
    )
    assert list((tmp_path / "data").rglob("history.sqlite3"))  # the case was recorded
    for personal in ("Elena", "elena.europa@example.com"):
        assert personal not in stored and personal.encode().hex() not in stored
    assert "elena.europa@example.com" in (tmp_path / "keyring.json").read_text()  # with the login
