"""Validation runs before any I/O: no invalid input ever produces a request."""

from __future__ import annotations

import asyncio
import string

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.api.client import ApiSettings, SkillApiClient
from console.api.errors import ValidationError
from console.api.validation import (
    check_code_verifier,
    check_redirect_uri,
    skill_id_problem,
)
from console.auth.provider import StaticTokenProvider

GOOD = "amzn1.ask.skill.00000000-0000-4000-8000-000000000001"


def test_known_good_ids() -> None:
    for skill_id in (GOOD, "amzn1.alexa.skill.did.abc_DEF-1", "amzn1.x"):
        assert skill_id_problem(skill_id) is None


@pytest.mark.parametrize(
    "bad",
    [
        "",
        " " + GOOD,
        GOOD + "/../x",
        "amzn1.a/b",
        "amzn1..a",
        "amzn1.a%2Fb",
        "amzn1.a?b",
        "amzn1.a#b",
        "amzn1.a b",
        "amzn1.a\nb",
        "amzn2.skill",
        "amzn1.",
        "amzn1." + "a" * 250,
    ],
)
def test_known_bad_ids_say_why(bad: str) -> None:
    problem = skill_id_problem(bad)
    assert problem and len(problem) > 10


def _invalid_ids() -> st.SearchStrategy[str]:
    allowed = set(string.ascii_letters + string.digits + "._-")
    smuggled = st.sampled_from(["/", "..", "%", "?", "#", " ", "\t", "\x00", "\\", "é", "~"])
    with_bad_char = st.tuples(
        st.text(alphabet=sorted(allowed), max_size=30), smuggled, st.text(max_size=30)
    ).map(lambda t: "amzn1." + "".join(t))
    too_long = st.integers(min_value=250, max_value=400).map(lambda n: "amzn1." + "a" * n)
    wrong_prefix = st.text(max_size=40).filter(lambda s: not s.startswith("amzn1."))
    return st.one_of(with_bad_char, too_long, wrong_prefix)


class _Counting:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(204)


@settings(max_examples=200, deadline=None)
@given(skill_id=_invalid_ids(), op=st.sampled_from(["enable", "disable", "status", "customer"]))
def test_no_invalid_skill_id_ever_produces_a_request(skill_id: str, op: str) -> None:
    counter = _Counting()

    async def scenario() -> None:
        client = SkillApiClient(
            ApiSettings(), StaticTokenProvider("Atza|t"), transport=httpx.MockTransport(counter)
        )
        try:
            with pytest.raises(ValidationError):
                if op == "enable":
                    await client.enable(skill_id, "development")
                elif op == "disable":
                    await client.disable(skill_id, "live")
                elif op == "status":
                    await client.get_enablement(skill_id, "development")
                else:
                    await client.customer_status(skill_id)
        finally:
            await client.aclose()

    asyncio.run(scenario())
    assert counter.requests == []


def test_bad_stage_and_link_inputs_send_nothing() -> None:
    counter = _Counting()

    async def scenario() -> None:
        client = SkillApiClient(
            ApiSettings(), StaticTokenProvider("Atza|t"), transport=httpx.MockTransport(counter)
        )

        async def attempts() -> None:
            with pytest.raises(ValidationError, match="stage"):
                await client.enable(GOOD, "Live")
            with pytest.raises(ValidationError, match="redirect URI"):
                await client.link(GOOD, "live", "code", "http://partner.example/cb")
            with pytest.raises(ValidationError, match="code is empty"):
                await client.link(GOOD, "live", "  ", "https://partner.example/cb")
            with pytest.raises(ValidationError, match="verifier"):
                await client.link(GOOD, "live", "c", "https://partner.example/cb", "short")

        try:
            await attempts()
        finally:
            await client.aclose()

    asyncio.run(scenario())
    assert counter.requests == []


def test_redirect_uri_and_verifier_rules() -> None:
    assert check_redirect_uri("https://layla.amazon.com/api/skill/link/X")
    assert check_redirect_uri("http://127.0.0.1:9000/cb", loopback_http=True)  # the sandbox
    for bad in ("ftp://x/y", "http://example.com/cb", "/relative", "https://x/#frag"):
        with pytest.raises(ValidationError):
            check_redirect_uri(bad)
    assert check_code_verifier("a" * 43) == "a" * 43
    assert check_code_verifier(None) is None
    with pytest.raises(ValidationError):
        check_code_verifier("a" * 129)
