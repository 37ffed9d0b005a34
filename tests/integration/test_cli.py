"""skillctl as scripts use it: a real subprocess against the sandbox over loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest

from tests.sandbox_client import (
    CLIENT_SECRET,
    PARTNER_REDIRECT,
    SKILL_FLAKY,
    SKILL_OTHER,
    SKILL_TRIVIA,
    SKILL_UNREADY,
    SKILL_WEATHER,
    partner_code,
    pkce_pair,
)


def skillctl(
    sandbox: Any, *args: str, account: str = "developer", **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    environ |= (
        sandbox.env(account)
        | {"SKILL_CONSOLE_RETRY_BASE": "0.01", "SKILL_CONSOLE_TIMEOUT": "2"}
        | env
    )
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )


def link(
    sandbox: Any,
    code: str,
    *options: str,
    skill: str = SKILL_TRIVIA,
    account: str = "customer-eu",
    extra: tuple[str, ...] = (),
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """`skillctl [OPTIONS] customer enable SKILL --stage live` with a partner code."""
    return skillctl(
        sandbox,
        *options,
        *("customer", "enable", skill, "--stage", "live"),
        *("--auth-code", code, "--redirect-uri", PARTNER_REDIRECT, *extra),
        account=account,
        **env,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.stdout.count("\n") == 1, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_owner_round_trip_with_exit_codes_and_json(sandbox: Any) -> None:
    before = skillctl(sandbox, "--json", "status", SKILL_TRIVIA)
    assert before.returncode == 4
    data = as_json(before)
    assert data["state"] == "NOT_ENABLED" and data["ok"] is False
    assert skillctl(sandbox, "enable", SKILL_TRIVIA, "--stage", "live").returncode == 0
    after = skillctl(sandbox, "--json", "status", SKILL_TRIVIA, "--stage", "live")
    assert after.returncode == 0
    data = as_json(after)
    assert set(data) == {
        "ok",
        "operation",
        "skill_id",
        "stage",
        "state",
        "account_link",
        "endpoint",
        "attempts",
        "notes",
    }
    assert data | {"attempts": None} == {
        "ok": True,
        "operation": "status",
        "skill_id": SKILL_TRIVIA,
        "stage": "live",
        "state": "ENABLED",
        "account_link": None,
        "endpoint": sandbox.urls.na,
        "attempts": None,
        "notes": [],
    }
    assert set(data["attempts"][0]) == {
        "method",
        "url",
        "status",
        "elapsed_ms",
        "decision",
        "request_id",
    }
    assert all(a["request_id"] for a in data["attempts"])  # the sandbox sends one every time
    human = skillctl(sandbox, "disable", SKILL_TRIVIA, "--stage", "live")
    assert human.returncode == 0 and "NOT_ENABLED" in human.stdout


@pytest.mark.parametrize(
    ("args", "code", "kind"),
    [
        (["enable", "amzn1.ask.skill/../../x"], 2, "validation"),
        (["enable", SKILL_WEATHER, "--stage", "live"], 4, "not_found"),
        (["enable", SKILL_OTHER], 1, "forbidden"),
    ],
)
def test_failures_have_exit_codes_and_error_objects(
    sandbox: Any, args: list[str], code: int, kind: str
) -> None:
    result = skillctl(sandbox, "--json", *args)
    assert result.returncode == code
    data = as_json(result)
    assert data["ok"] is False and data["error"]["kind"] == kind
    assert data["error"]["message"] and data["error"]["hint"]
    if kind == "validation":
        assert data["attempts"] == []  # nothing was sent


NOT_READY = ("Regionalized endpoints must not be empty.", "privacy policy URL")


def test_what_amazon_says_is_wrong_reaches_every_output(sandbox: Any) -> None:
    human = skillctl(sandbox, "-v", "enable", SKILL_UNREADY)
    assert human.returncode == 1 and human.stdout == ""
    lines = human.stderr.splitlines()
    error = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    assert "Skill is not ready for enablement." in lines[error]
    assert NOT_READY[0] in lines[error + 1] and NOT_READY[1] in lines[error + 2]
    hint = lines[error + 3]
    assert hint.startswith("hint: Fix what Amazon lists above") and "account" not in hint
    assert "[request id " in human.stderr  # -v: each attempt with the answer's request id
    data = as_json(skillctl(sandbox, "--json", "enable", SKILL_UNREADY))
    assert data["error"]["kind"] == "forbidden" and data["error"]["http_status"] == 403
    violations = data["error"]["violations"]
    assert violations[0]["message"] == NOT_READY[0]
    assert NOT_READY[1] in violations[1]["message"] and violations[1]["code"]
    assert data["attempts"][-1]["request_id"]


def test_a_404_of_the_status_check_is_not_enabled_with_the_message(sandbox: Any) -> None:
    unknown = "amzn1.ask.skill.99999999-0000-4000-8000-000000000000"
    human = skillctl(sandbox, "status", unknown)
    assert human.returncode == 4 and human.stdout.startswith("NOT_ENABLED")
    assert "the service says: Skill with id" in human.stdout  # Amazon's words, not a guess
    data = as_json(skillctl(sandbox, "--json", "status", SKILL_WEATHER, "--stage", "live"))
    assert data["state"] == "NOT_ENABLED" and data["ok"] is False and "error" not in data
    assert "stage of this skill does not exist" in data["detail"]


def test_bad_stage_is_a_usage_error(sandbox: Any) -> None:
    result = skillctl(sandbox, "status", SKILL_TRIVIA, "--stage", "Live")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_refused_token_is_exit_3(sandbox: Any) -> None:
    result = skillctl(
        sandbox,
        "status",
        SKILL_TRIVIA,
        SKILL_CONSOLE_REFRESH_TOKEN="",
        SKILL_CONSOLE_ACCESS_TOKEN="Atza|bogus",
    )
    assert result.returncode == 3
    assert (
        "error:" in result.stderr and "hint:" in result.stderr and "Atza|bogus" not in result.stderr
    )


def test_not_logged_in_is_exit_3(sandbox: Any) -> None:
    result = skillctl(sandbox, "status", SKILL_TRIVIA, SKILL_CONSOLE_REFRESH_TOKEN="")
    assert result.returncode == 3 and "Not logged in" in result.stderr


def test_throttled_is_exit_5(sandbox: Any) -> None:
    sandbox.add_fault(route="get-enablement", status=429, share=1.0)
    result = skillctl(sandbox, "-v", "status", SKILL_TRIVIA, SKILL_CONSOLE_MAX_ATTEMPTS="2")
    assert result.returncode == 5
    assert result.stderr.count("→ 429") == 2 and "retry in" in result.stderr


def test_network_error_is_exit_6(sandbox: Any) -> None:
    result = skillctl(
        sandbox,
        "status",
        SKILL_TRIVIA,
        SKILL_CONSOLE_MAX_ATTEMPTS="1",
        SKILL_CONSOLE_ENDPOINTS="na=http://127.0.0.1:9",
    )
    assert result.returncode == 6 and "http://127.0.0.1:9" in result.stderr


def test_bad_environment_value_is_exit_2(sandbox: Any) -> None:
    result = skillctl(sandbox, "status", SKILL_TRIVIA, SKILL_CONSOLE_TIMEOUT="soon")
    assert result.returncode == 2 and "SKILL_CONSOLE_TIMEOUT" in result.stderr


def test_customer_commands(sandbox: Any) -> None:
    endpoint = skillctl(sandbox, "--json", "customer", "endpoint", account="customer-ambiguous")
    assert as_json(endpoint)["endpoints"] == [sandbox.urls.na, sandbox.urls.eu, sandbox.urls.fe]
    said = skillctl(sandbox, "customer", "endpoint", account="customer-ambiguous").stdout
    assert said.startswith("3 endpoints: Alexa could not decide")
    assert said.index(sandbox.urls.na) < said.index(sandbox.urls.eu) < said.index(sandbox.urls.fe)
    missing = skillctl(sandbox, "customer", "status", SKILL_TRIVIA, account="customer-ambiguous")
    assert missing.returncode == 4 and "NO_ASSOCIATION" in missing.stdout
    code = partner_code(sandbox)
    linked = link(sandbox, code, "--json", account="customer-ambiguous")
    data = as_json(linked)
    assert linked.returncode == 0 and data["account_link"] == "LINKED"
    assert data["endpoint"] == sandbox.urls.eu
    assert code not in linked.stdout + linked.stderr
    gone = skillctl(sandbox, "customer", "disable", SKILL_TRIVIA, account="customer-ambiguous")
    assert gone.returncode == 0


def test_no_secret_reaches_output(sandbox: Any) -> None:
    sandbox.add_fault(route="get-enablement", status=503, count=1)
    refresh = sandbox.env()["SKILL_CONSOLE_REFRESH_TOKEN"]
    outputs = [
        skillctl(sandbox, "-v", "--json", "status", SKILL_TRIVIA),
        skillctl(sandbox, "-v", "enable", SKILL_TRIVIA),
        skillctl(sandbox, "-v", "status", "bad id"),
    ]
    verifier, challenge = pkce_pair()
    code = partner_code(sandbox, challenge=challenge)
    sandbox.add_fault(route="customer-enable", status=500, count=1)  # an error path too
    outputs.append(link(sandbox, code, "-v", "--json", extra=("--code-verifier", verifier)))
    customer = sandbox.env("customer-eu")["SKILL_CONSOLE_REFRESH_TOKEN"]
    issued = [t for t in sandbox.state.world.access_tokens]
    assert issued, "the runs must have used access tokens"
    for result in outputs:
        text = result.stdout + result.stderr
        for secret in (refresh, customer, CLIENT_SECRET, code, verifier, *issued):
            assert secret not in text


def test_embedded_sandbox_mode(tmp_path: Any) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "--sandbox",
            "--json",
            "customer",
            "enable",
            SKILL_TRIVIA,
            "--stage",
            "live",
        ],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    # It waited for the sandbox's ENABLING to settle: the polls are in the attempts.
    assert data["state"] == "ENABLED" and data["account_link"] == "LINKED"
    assert [a["method"] for a in data["attempts"]][-1] == "GET"


@pytest.mark.parametrize(
    "args",
    [
        ["--json", "status", SKILL_TRIVIA, "--stage", "LIVE"],
        ["--json", "status"],
        ["--json", "customer", "enable", SKILL_TRIVIA, "--stage", "live"],
    ],
)
def test_usage_errors_with_json_print_json(sandbox: Any, args: list[str]) -> None:
    result = skillctl(sandbox, *args)
    data = as_json(result)
    assert result.returncode == 2 and data["ok"] is False
    assert data["error"]["kind"] == "validation" and data["attempts"] == []


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SKILL_CONSOLE_ENDPOINTS", "na=http://127.0.0.1:99999"),
        ("SKILL_CONSOLE_LWA_TOKEN_URL", "http://127.0.0.1:99999/auth/o2/token"),
    ],
)
def test_unusable_addresses_are_bad_input(sandbox: Any, variable: str, value: str) -> None:
    human = skillctl(sandbox, "status", SKILL_TRIVIA, **{variable: value})
    assert human.returncode == 2 and variable in human.stderr
    assert "Traceback" not in human.stderr
    assert as_json(skillctl(sandbox, "--json", "status", SKILL_TRIVIA, **{variable: value}))


def test_refused_and_failed_customer_changes_are_not_success(sandbox: Any) -> None:
    refused = link(sandbox, "not-a-partner-code", "--json")
    data = as_json(refused)
    assert refused.returncode == 1 and data["error"]["kind"] == "refused"
    assert data["attempts"], "it was sent, so it is not 'bad input, nothing sent'"
    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": 0})
    failed = link(sandbox, partner_code(sandbox), "--json", skill=SKILL_FLAKY)
    data = as_json(failed)
    assert failed.returncode == 1 and data["ok"] is False
    assert data["state"] == "ENABLING_FAILED" and data["error"]["kind"] == "transition_failed"


def test_customer_disable_waits_until_alexa_settles(sandbox: Any) -> None:
    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": 0.2})
    assert link(sandbox, partner_code(sandbox)).returncode == 0
    gone = skillctl(sandbox, "--json", "customer", "disable", SKILL_TRIVIA, account="customer-eu")
    data = as_json(gone)
    assert gone.returncode == 0 and data["state"] == "DISABLED"
    assert "DELETE" in [a["method"] for a in data["attempts"]]
    assert data["attempts"][-1]["method"] == "GET"  # followed until it settled


def test_sandbox_partner_refusing_a_redirect_uri_is_explained(sandbox: Any) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    args = ["--sandbox", "customer", "enable", SKILL_TRIVIA, "--stage", "live"]
    result = subprocess.run(
        [sys.executable, "-m", "console", *args, "--redirect-uri", "https://example.com/cb"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    assert result.returncode == 1 and "refused to issue a code" in result.stderr
    assert "pitangui" in result.stderr and "Traceback" not in result.stderr


def test_a_change_that_did_not_take_or_has_not_finished_is_not_success(sandbox: Any) -> None:
    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": 0})
    assert link(sandbox, partner_code(sandbox)).returncode == 0
    sandbox.add_fault(route="customer-disable", malformed=True, count=1)  # nothing happens
    kept = as_json(
        skillctl(sandbox, "--json", "customer", "disable", SKILL_TRIVIA, account="customer-eu")
    )
    assert kept["ok"] is False and kept["state"] == "ENABLED"
    assert kept["error"]["kind"] == "transition_failed"
    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": 1000})
    slow = link(
        sandbox,
        partner_code(sandbox),
        "--json",
        account="customer-fe",
        SKILL_CONSOLE_DEADLINE="1.5",
    )
    data = as_json(slow)
    assert slow.returncode == 1 and data["state"] == "ENABLING"
    assert data["error"]["kind"] == "in_progress"


@pytest.mark.parametrize(("value", "code"), [("{token}\r", 0), ("{token} x", 2)])
def test_tokens_from_the_environment_are_trimmed_or_refused(
    sandbox: Any, value: str, code: int
) -> None:
    token = str(sandbox.issue_tokens("developer")["access_token"])
    result = skillctl(
        sandbox,
        "status",
        SKILL_TRIVIA,
        SKILL_CONSOLE_REFRESH_TOKEN="",
        SKILL_CONSOLE_ACCESS_TOKEN=value.format(token=token),
    )
    assert result.returncode in ((0, 4) if code == 0 else (code,)), result.stderr
    assert token not in result.stdout + result.stderr


def test_a_broken_settings_file_is_explained_everywhere(sandbox: Any, tmp_path: Any) -> None:
    config = tmp_path / "config" / "skill-console"
    config.mkdir(parents=True)
    (config / "settings.toml").write_text("[profiles.default\n", encoding="utf-8")
    home = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    for args in (["whoami"], ["profiles"], ["--json", "whoami"], ["status", SKILL_TRIVIA]):
        result = skillctl(sandbox, *args, **home)
        assert result.returncode == 2, (args, result.stderr)
        assert "cannot be read" in result.stdout + result.stderr
        assert "Unexpected" not in result.stdout + result.stderr
