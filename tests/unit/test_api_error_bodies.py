"""Reading Amazon's error bodies and request ids: never raises, keeps what a person needs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from console.api.errors import ConsoleError, ForbiddenError, Violation
from console.api.models import Attempt
from console.api.parsing import ErrorBody, error_body, error_fields, request_id
from console.cli import attempt_line, error_lines

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_body_reads_without_raising(raw: bytes) -> None:
    parsed = error_body(raw)
    assert all(isinstance(v, Violation) and v.message.strip() for v in parsed.violations)
    assert error_fields(raw) == (parsed.code, parsed.message)


def test_bad_request_error_and_standardized_error() -> None:
    bad = {
        "message": "Skill is not ready for enablement.",
        "violations": [
            {"message": "Regionalized endpoints must not be empty."},
            {"code": "X1", "message": "Second.", "validationDetails": {"a": 1}},
            {"code": "NO_MESSAGE"},
            "not an object",
            {"message": "   "},
        ],
    }
    assert error_body(json.dumps(bad).encode()) == ErrorBody(
        None,
        "Skill is not ready for enablement.",
        (Violation("Regionalized endpoints must not be empty."), Violation("Second.", "X1")),
    )
    standard = {"code": "Zq-9", "message": "Not here.", "validationDetails": {}}
    assert error_body(json.dumps(standard).encode()) == ErrorBody("Zq-9", "Not here.")
    assert error_body(b"<html>503</html>") == ErrorBody()


def test_request_id_prefers_amazons_header_and_refuses_odd_values() -> None:
    assert request_id({"X-Amzn-RequestId": "abc-1", "x-amz-rid": "zzz"}) == "abc-1"
    assert request_id({"x-amz-request-id": "r2"}) == "r2"
    assert request_id({"x-amz-cf-id": "not a request id"}) is None
    assert request_id({"x-amzn-RequestId": "two words", "x-amz-rid": "ok"}) == "ok"
    assert request_id({"x-amzn-RequestId": "x" * 500}) is None
    assert request_id({}) is None


def test_violations_are_always_a_list_in_json_and_each_gets_a_line() -> None:
    assert ConsoleError("plain").to_dict()["violations"] == []
    error = ForbiddenError(
        "Not allowed: Skill is not ready for enablement.",
        endpoint="https://api.amazonalexa.com",
        violations=[Violation("Regionalized endpoints must not be empty."), Violation("B", "C")],
    )
    assert error.to_dict()["violations"] == [
        {"code": None, "message": "Regionalized endpoints must not be empty."},
        {"code": "C", "message": "B"},
    ]
    lines = error_lines(error)
    assert lines[0].startswith("error: Not allowed") and lines[-1].startswith("hint: ")
    assert lines[1:3] == ["  - Regionalized endpoints must not be empty.", "  - B [C]"]


def test_attempts_carry_the_request_id() -> None:
    attempt = Attempt(
        "GET", "https://h/p", 404, 3.0, 1, "done", datetime.now(UTC), request_id="rid-7"
    )
    assert attempt.to_dict()["request_id"] == "rid-7"
    assert attempt_line(attempt).endswith("[request id rid-7]")
