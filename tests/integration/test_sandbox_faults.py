"""Fault injection and the sandbox's admin surface and standalone runner."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx
import pytest

from tests.sandbox_client import SKILL_TRIVIA, bearer

ROUTE = f"/v1/skills/{SKILL_TRIVIA}/stages/development/enablement"


@pytest.fixture
def dev(sandbox: Any) -> dict[str, str]:
    return bearer(sandbox.issue_tokens("developer")["access_token"])


def test_status_fault_with_retry_after_for_next_n_calls(sandbox: Any, dev: dict[str, str]) -> None:
    sandbox.add_fault(route="enable", status=429, retry_after="2", count=2)
    url = sandbox.urls.na + ROUTE
    for _ in range(2):
        response = httpx.put(url, headers=dev)
        assert response.status_code == 429 and response.headers["retry-after"] == "2"
        assert response.json()["message"]
    assert httpx.put(url, headers=dev).status_code == 204


def test_fault_is_per_route_and_region(sandbox: Any, dev: dict[str, str]) -> None:
    sandbox.add_fault(route="get-enablement", region="eu", status=503, count=1)
    assert httpx.get(sandbox.urls.na + ROUTE, headers=dev).status_code == 404
    httpx.post(f"{sandbox.urls.admin}/faults", json={"route": "enable", "status": 500})
    assert httpx.get(sandbox.urls.na + ROUTE, headers=dev).status_code == 404
    assert httpx.put(sandbox.urls.na + ROUTE, headers=dev).status_code == 500


def test_share_of_calls(sandbox: Any, dev: dict[str, str]) -> None:
    sandbox.add_fault(route="get-enablement", status=503, share=1.0)
    statuses = {httpx.get(sandbox.urls.na + ROUTE, headers=dev).status_code for _ in range(3)}
    assert statuses == {503}
    httpx.delete(f"{sandbox.urls.admin}/faults")
    assert httpx.get(sandbox.urls.na + ROUTE, headers=dev).status_code == 404


def test_latency_fault_trips_a_client_timeout(sandbox: Any, dev: dict[str, str]) -> None:
    sandbox.add_fault(route="get-enablement", latency=3.0)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(sandbox.urls.na + ROUTE, headers=dev, timeout=0.2)


def test_dropped_connection(sandbox: Any, dev: dict[str, str]) -> None:
    sandbox.add_fault(route="get-enablement", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(sandbox.urls.na + ROUTE, headers=dev)
    assert httpx.get(sandbox.urls.na + ROUTE, headers=dev).status_code == 404


def test_malformed_and_truncated_bodies(sandbox: Any) -> None:
    headers = bearer(sandbox.issue_tokens("customer-na")["access_token"])
    url = f"{sandbox.urls.na}/v1/alexaApiEndpoint"
    sandbox.add_fault(route="endpoint", malformed=True)
    response = httpx.get(url, headers=headers)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    sandbox.add_fault(route="endpoint", truncated=True)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url, headers=headers)


@pytest.mark.parametrize(
    "bad",
    [
        {"route": "nope", "status": 500},
        {"status": 418},
        {"route": "enable"},
        {"status": 500, "share": 2.0},
        {"status": "500"},
        {"status": 500, "colour": "red"},
    ],
)
def test_admin_rejects_bad_faults(sandbox: Any, bad: dict[str, Any]) -> None:
    response = httpx.post(f"{sandbox.urls.admin}/faults", json=bad)
    assert response.status_code == 400 and response.json()["code"] == "BAD_FAULT"


def test_admin_clock_state_and_tokens(sandbox: Any) -> None:
    before = httpx.get(f"{sandbox.urls.admin}/clock").json()["now"]
    after = httpx.post(f"{sandbox.urls.admin}/clock", json={"advance": 100}).json()["now"]
    assert after - before >= 100
    assert httpx.post(f"{sandbox.urls.admin}/clock", json={"advance": -1}).status_code == 400
    tokens = httpx.post(f"{sandbox.urls.admin}/tokens", json={"account": "developer"}).json()
    httpx.put(sandbox.urls.na + ROUTE, headers=bearer(tokens["access_token"]))
    state = httpx.get(f"{sandbox.urls.admin}/state").json()
    assert state["owner_enablements"] == [
        {"account": "developer", "skill": SKILL_TRIVIA, "stage": "development"}
    ]


def test_standalone_runner_prints_json_and_stops_cleanly() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console.sandbox",
            "--port-base",
            "0",
            "--json",
            "--fault",
            "route=enable,status=503,count=1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert {"urls", "client_id", "accounts", "skills", "env"} <= set(info)
        tokens = httpx.post(f"{info['urls']['admin']}/tokens", json={"account": "developer"}).json()
        url = info["urls"]["na"] + ROUTE
        assert httpx.put(url, headers=bearer(tokens["access_token"])).status_code == 503
        assert httpx.put(url, headers=bearer(tokens["access_token"])).status_code == 204
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")


def test_fixed_port_in_use_is_a_clear_error(sandbox: Any) -> None:
    port = int(sandbox.urls.na.rsplit(":", 1)[1])
    result = subprocess.run(
        [sys.executable, "-m", "console.sandbox", "--port-base", str(port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "choose another --port-base" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("entry", "port_base"),
    [
        (["console.sandbox"], "65533"),
        (["console.sandbox"], "65531"),
        (["console.sandbox"], "70000"),
        (["console.sandbox"], "-1"),
        (["console.sandbox"], "80"),
        (["console.cli", "sandbox"], "65533"),  # skillctl sandbox
    ],
)
def test_port_base_out_of_range_is_a_one_line_error(entry: list[str], port_base: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *entry, "--port-base", port_base],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"sandbox: --port-base must be 0 (ephemeral ports) or 1024..65530 "
        f"(it uses ports N..N+4), not {port_base}"
    ]
    assert result.stdout == ""
