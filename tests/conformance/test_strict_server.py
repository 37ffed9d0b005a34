"""The client against a server that answers only in Amazon's documented shapes.

Error `code` strings are random (hypothesis): the client must behave the same whatever they
are, so nothing in it can depend on a code that only our sandbox sends. The one code the
reference names, `incorrectEndpoint` on 400, is the only one used on purpose.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.api.client import (
    FIX_SKILL_HINT,
    FIX_VIOLATIONS_HINT,
    ApiSettings,
    SkillApiClient,
)
from console.api.errors import (
    AuthError,
    ConsoleError,
    ForbiddenError,
    NotFoundError,
    ProtocolError,
    RefusedError,
    ServerError,
    ThrottledError,
)
from console.api.models import AttemptListener, OperationResult, Region
from console.api.redact import redact
from console.api.retry import RetryPolicy
from tests.conformance.strict_server import Answer, StrictServer, running

SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-00000000abcd"
OWNER = f"/na/v1/skills/{SKILL}/stages/live/enablement"
CUSTOMER = f"/v1/users/~current/skills/{SKILL}/enablement"
T = TypeVar("T")

# Codes as a service might invent them; never the one the reference names.
codes = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40
).filter(lambda c: c != "incorrectEndpoint")
messages = st.text(min_size=1, max_size=120).filter(lambda m: m.strip() != "")
violations = st.lists(
    st.fixed_dictionaries(
        {"message": messages},
        optional={"code": codes, "validationDetails": st.just({"reason": {"type": "X"}})},
    ),
    min_size=1,
    max_size=4,
)
standardized = st.fixed_dictionaries(
    {"code": codes, "message": messages}, optional={"validationDetails": st.just({})}
)
not_json = st.sampled_from(
    [
        (b"<html><body>Service Unavailable</body></html>", "text/html"),
        (b"Internal Server Error", "text/plain"),
        (b'{"message": "cut off', "application/json"),
        (b"", "application/json"),
    ]
)
# A real-loopback suite: few examples, no deadline (sockets are not pure functions).
examples = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Tokens:
    """A login that refreshes without a login service (this server only speaks the API)."""

    def __init__(self) -> None:
        self.token = "Atza|first"

    async def access_token(self) -> str:
        return self.token

    def fresh_token(self) -> str | None:
        return self.token

    async def refresh(self, rejected: str) -> str:
        self.token = "Atza|second"
        return self.token

    def identity(self) -> str:
        return "strict-server-login"

    def add_listener(self, listener: AttemptListener) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[StrictServer]:
    yield from running()


def client(server: StrictServer) -> SkillApiClient:
    endpoints = {r: f"{server.url}/{r.value}" for r in (Region.NA, Region.EU, Region.FE)}
    policy = RetryPolicy(base=0.001, cap=0.002, max_attempts=2, deadline=10.0)
    return SkillApiClient(ApiSettings(endpoints, 5.0, 5.0, policy), Tokens())


def run(server: StrictServer, call: Callable[[SkillApiClient], Awaitable[T]]) -> T:
    async def go() -> T:
        api = client(server)
        try:
            return await call(api)
        finally:
            await api.aclose()

    server.seen.clear()
    return asyncio.run(go())


def failure(server: StrictServer, call: Callable[[SkillApiClient], Awaitable[Any]]) -> ConsoleError:
    with pytest.raises(ConsoleError) as caught:
        run(server, call)
    return caught.value


def body(data: object) -> bytes:
    return json.dumps(data).encode()


def said(message: str) -> str:
    return redact(message.strip())


# --- operation 3: any 404 is "not enabled" --------------------------------------------------


@examples
@given(error=standardized)
def test_a_404_of_the_check_is_not_enabled_whatever_its_code(
    server: StrictServer, error: dict[str, Any]
) -> None:
    server.script = lambda method, path: Answer(404, body(error))
    result: OperationResult = run(server, lambda api: api.get_enablement(SKILL, "live"))
    assert result.state == "NOT_ENABLED" and result.detail == said(error["message"])
    assert [a.request_id for a in result.attempts] == [s.request_id for s in server.seen]


@examples
@given(raw=not_json)
def test_a_404_of_the_check_without_a_json_body_is_not_enabled(
    server: StrictServer, raw: tuple[bytes, str]
) -> None:
    server.script = lambda method, path: Answer(404, raw[0], raw[1])
    result = run(server, lambda api: api.get_enablement(SKILL, "live"))
    assert result.state == "NOT_ENABLED" and result.detail is None


def test_skillctl_says_not_enabled_with_the_message_and_exit_4(server: StrictServer) -> None:
    message = "Skill with id amzn1.ask.skill.x does not exist for this vendor."
    server.script = lambda method, path: Answer(404, body({"code": "Q7-ZZ", "message": message}))
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SKILL_CONSOLE_")}
    environ |= {
        # skillctl takes bare addresses only (no /na prefix); owner operations go to NA alone.
        "SKILL_CONSOLE_ENDPOINTS": f"na={server.url},eu={server.url},fe={server.url}",
        "SKILL_CONSOLE_ACCESS_TOKEN": "Atza|strict",
    }
    done = subprocess.run(
        [sys.executable, "-m", "console", "--json", "status", SKILL, "--stage", "live"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    assert done.returncode == 4, done.stderr
    data = json.loads(done.stdout)
    assert data["state"] == "NOT_ENABLED" and data["detail"] == message
    assert data["attempts"][0]["request_id"] == server.seen[-1].request_id


# --- 400 and 403: BadRequestError with violations -------------------------------------------


@examples
@given(status=st.sampled_from([400, 403]), top=messages, listed=violations, op=st.booleans())
def test_every_violation_reaches_the_error(
    server: StrictServer, status: int, top: str, listed: list[dict[str, Any]], op: bool
) -> None:
    server.script = lambda method, path: Answer(
        status, body({"message": top, "violations": listed})
    )
    call = (lambda api: api.enable(SKILL, "live")) if op else lambda api: api.disable(SKILL, "live")
    error = failure(server, call)
    assert isinstance(error, RefusedError if status == 400 else ForbiddenError)
    assert said(top) in error.message
    assert [v.message for v in error.violations] == [said(v["message"]) for v in listed]
    assert [v.code for v in error.violations] == [
        redact(v["code"]) if "code" in v else None for v in listed
    ]
    assert error.hint == (FIX_VIOLATIONS_HINT if status == 400 else FIX_SKILL_HINT)
    listed_json = error.to_dict()["violations"]
    assert isinstance(listed_json, list) and len(listed_json) == len(listed)


@examples
@given(top=messages, empty=st.booleans())
def test_a_403_without_violations_keeps_the_account_hint(
    server: StrictServer, top: str, empty: bool
) -> None:
    data: dict[str, Any] = {"message": top} | ({"violations": []} if empty else {})
    server.script = lambda method, path: Answer(403, body(data))
    error = failure(server, lambda api: api.enable(SKILL, "live"))
    assert isinstance(error, ForbiddenError) and error.violations == ()
    assert "right kind of account" in error.hint


# --- 401, 429, 500, 503: StandardizedError with codes nobody documents ----------------------


@examples
@given(
    status=st.sampled_from([401, 429, 500, 503]),
    error=standardized,
    header=st.sampled_from(["x-amzn-RequestId", "x-amz-request-id", "X-Amz-Rid"]),
)
def test_standardized_errors_are_told_by_status_not_code(
    server: StrictServer, status: int, error: dict[str, Any], header: str
) -> None:
    server.script = lambda method, path: Answer(status, body(error), request_id_header=header)
    failed = failure(server, lambda api: api.get_enablement(SKILL, "live"))
    kind = {401: AuthError, 429: ThrottledError, 500: ServerError, 503: ServerError}[status]
    assert type(failed) is kind and failed.http_status == status
    assert said(error["message"]) in failed.message and failed.violations == ()
    assert len(failed.attempts) == 2  # one refresh, or one retry: then it gives up
    assert [a.request_id for a in failed.attempts] == [s.request_id for s in server.seen]


@examples
@given(status=st.sampled_from([400, 401, 403, 404, 429, 500, 503]), raw=not_json)
def test_bodies_that_are_not_json_still_get_an_error_a_person_can_act_on(
    server: StrictServer, status: int, raw: tuple[bytes, str]
) -> None:
    server.script = lambda method, path: Answer(status, raw[0], raw[1])
    failed = failure(server, lambda api: api.enable(SKILL, "live"))
    kind = {
        400: RefusedError,
        401: AuthError,
        403: ForbiddenError,
        404: NotFoundError,
        429: ThrottledError,
        500: ServerError,
        503: ServerError,
    }[status]
    assert type(failed) is kind and not isinstance(failed, ProtocolError)
    assert failed.violations == () and failed.hint and "<html" not in failed.message


# --- customer operations: {message, code} bodies ---------------------------------------------


@examples
@given(not_here=standardized, refused=standardized)
def test_customer_regions_follow_status_and_incorrect_endpoint_only(
    server: StrictServer, not_here: dict[str, Any], refused: dict[str, Any]
) -> None:
    status_body = {
        "skill": {"id": SKILL, "stage": "live"},
        "user": {"id": "amzn1.ask.account.X"},
        "accountLink": {"status": "LINKED"},
        "status": "ENABLED",
    }

    def script(method: str, path: str) -> Answer:
        if path == "/na/v1/alexaApiEndpoint":
            urls = [f"{server.url}/{r}" for r in ("na", "eu", "fe")]
            return Answer(200, body({"endpoints": urls}))
        if path == "/na" + CUSTOMER:
            wrong = {"message": "Incorrect endpoint for customer.", "code": "incorrectEndpoint"}
            return Answer(400, body(wrong))
        if path == "/eu" + CUSTOMER:
            return Answer(404, body(not_here))  # a candidate that does not know: try the next
        return Answer(200, body(status_body))

    server.script = script
    result = run(server, lambda api: api.customer_status(SKILL))
    assert result.state == "ENABLED" and result.endpoint == f"{server.url}/fe"
    assert all(a.request_id for a in result.attempts)

    server.script = lambda method, path: (
        Answer(200, body({"endpoints": [f"{server.url}/eu"]}))
        if path.endswith("alexaApiEndpoint")
        else Answer(400, body(refused))
    )
    failed = failure(server, lambda api: api.customer_status(SKILL))
    assert isinstance(failed, RefusedError) and said(refused["message"]) in failed.message
    assert len(server.seen) == 2  # a 400 with any other code is final: no region hopping
