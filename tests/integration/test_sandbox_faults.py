"""Fault injection and the sandbox's admin surface and standalone runner."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from console.sandbox.cli import parse_fault
from tests.sandbox_client import SKILL_TRIVIA, bearer, link_body, partner_code

ROUTE = f"/v1/skills/{SKILL_TRIVIA}/stages/development/enablement"
CUSTOMER_ROUTE = f"/v1/users/~current/skills/{SKILL_TRIVIA}/enablement"


@pytest.fixture
def dev(sandbox: Any) -> dict[str, str]:
    return bearer(sandbox.issue_tokens("developer")["access_token"])


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_log() -> Iterator[list[logging.LogRecord]]:
    """What uvicorn logs as warnings or errors (e.g. "Exception in ASGI application")."""
    handler = _Records()
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll a server-side condition (never a blind sleep); fail if it does not hold in time."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the sandbox did not settle in time"
        threading.Event().wait(0.01)


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


def test_client_giving_up_during_latency_changes_nothing_and_logs_nothing(
    sandbox: Any, server_log: list[logging.LogRecord]
) -> None:
    headers = bearer(sandbox.issue_tokens("customer-eu")["access_token"])
    url, code = sandbox.urls.eu + CUSTOMER_ROUTE, partner_code(sandbox)
    sandbox.add_fault(route="customer-enable", latency=60.0)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(url, headers=headers, json=link_body(code), timeout=0.3)
    # The rule was taken (so the request reached the sandbox) and the request has ended: at the
    # hang-up, not 60 s later.
    wait_for(lambda: not sandbox.faults.rules() and sandbox.in_flight() == 0)
    assert httpx.get(url, headers=headers).json()["status"] == "NO_ASSOCIATION"
    relinked = httpx.post(url, headers=headers, json=link_body(code))  # the code is still unused
    assert relinked.status_code == 201 and relinked.json()["status"] == "ENABLING"
    assert server_log == []


def test_latency_on_a_post_still_hands_the_body_to_the_handler(sandbox: Any) -> None:
    headers = bearer(sandbox.issue_tokens("customer-eu")["access_token"])
    sandbox.add_fault(route="customer-enable", latency=0.1)
    created = httpx.post(
        sandbox.urls.eu + CUSTOMER_ROUTE, headers=headers, json=link_body(partner_code(sandbox))
    )
    assert created.status_code == 201 and created.json()["accountLink"]["status"] == "LINKED"


def test_client_hanging_up_mid_body_is_quiet(
    sandbox: Any, server_log: list[logging.LogRecord]
) -> None:
    token = sandbox.issue_tokens("customer-eu")["access_token"]
    host, port = sandbox.urls.eu.removeprefix("http://").split(":")
    head = (
        f"POST {CUSTOMER_ROUTE} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(head.encode() + b'{"stage": "li')  # 13 of the 500 bytes promised
        wait_for(lambda: sandbox.in_flight() == 1)  # the handler is waiting for the rest
    wait_for(lambda: sandbox.in_flight() == 0)
    assert server_log == []


def test_dropped_connection(sandbox: Any, dev: dict[str, str]) -> None:
    sandbox.add_fault(route="get-enablement", drop=True)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(sandbox.urls.na + ROUTE, headers=dev)
    assert httpx.get(sandbox.urls.na + ROUTE, headers=dev).status_code == 404


BROKEN = (httpx.RemoteProtocolError, httpx.ReadError)  # a hang-up, with or without a reset


def test_drop_response_changes_state_but_answers_nothing(sandbox: Any) -> None:
    headers = bearer(sandbox.issue_tokens("customer-eu")["access_token"])
    url = sandbox.urls.eu + CUSTOMER_ROUTE
    added = httpx.post(
        f"{sandbox.urls.admin}/faults", json={"route": "customer-enable", "drop_response": True}
    )
    assert added.status_code == 200 and added.json()["faults"][0]["drop_response"] is True
    with pytest.raises(BROKEN):
        httpx.post(url, headers=headers, json=link_body(partner_code(sandbox)))
    state = httpx.get(url, headers=headers).json()
    assert state["status"] == "ENABLING" and state["accountLink"]["status"] == "LINKED"
    sandbox.clock.advance(5)
    assert httpx.get(url, headers=headers).json()["status"] == "ENABLED"


def test_drop_response_from_a_cli_spec(sandbox: Any, dev: dict[str, str]) -> None:
    assert parse_fault("route=enable,drop_response") == {"route": "enable", "drop_response": True}
    sandbox.add_fault(**parse_fault("route=enable,region=na,drop_response=true"))
    with pytest.raises(BROKEN):
        httpx.put(sandbox.urls.na + ROUTE, headers=dev)
    assert httpx.get(sandbox.urls.na + ROUTE, headers=dev).status_code == 204  # it was enabled
    with pytest.raises(ValueError, match="drop_response cannot be combined"):
        sandbox.add_fault(**parse_fault("route=enable,drop_response,status=503"))


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
        {"route": "enable", "drop_response": "yes"},
        {"route": "enable", "drop_response": True, "drop": True},
        {"route": "enable", "drop_response": True, "status": 503},
        {"route": "enable", "drop_response": False},
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


def test_the_journal_tells_processed_calls_from_refused_ones(
    sandbox: Any, dev: dict[str, str]
) -> None:
    url = sandbox.urls.na + ROUTE
    sandbox.add_fault(route="enable", drop=True, count=1)
    sandbox.add_fault(route="enable", drop_response=True, count=1)
    for _ in range(2):
        with pytest.raises(httpx.TransportError):
            httpx.put(url, headers=dev)
    assert httpx.put(url, headers=dev).status_code == 204
    wait_for(lambda: sandbox.in_flight() == 0)
    calls = httpx.get(f"{sandbox.urls.admin}/journal").json()["calls"]
    assert [(c["route"], c["fault"], c["handled"]) for c in calls] == [
        ("enable", "drop", False),
        ("enable", "drop_response", True),
        ("enable", None, True),
    ]
    httpx.post(f"{sandbox.urls.admin}/reset")
    assert httpx.get(f"{sandbox.urls.admin}/journal").json()["calls"] == []
