"""The sandbox's Skill Enablement API over real loopback sockets, with plain httpx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox_client import (
    PARTNER_CLIENT,
    PARTNER_REDIRECT,
    SKILL_FLAKY,
    SKILL_OTHER,
    SKILL_TRIVIA,
    SKILL_UNREADY,
    SKILL_WEATHER,
    bearer,
    link_body,
    partner_code,
    pkce_pair,
)


def owner_url(sandbox: Any, skill: str = SKILL_TRIVIA, stage: str = "development") -> str:
    return f"{sandbox.urls.na}/v1/skills/{skill}/stages/{stage}/enablement"


def customer_url(base: str, skill: str = SKILL_TRIVIA) -> str:
    return f"{base}/v1/users/~current/skills/{skill}/enablement"


@pytest.fixture
def dev(sandbox: Any) -> dict[str, str]:
    return bearer(sandbox.issue_tokens("developer")["access_token"])


def customer(sandbox: Any, name: str = "customer-eu") -> dict[str, str]:
    return bearer(sandbox.issue_tokens(name)["access_token"])


# --- owner operations 1-3 -------------------------------------------------------------------


def test_enable_check_and_one_stage_rule(sandbox: Any, dev: dict[str, str]) -> None:
    assert httpx.get(owner_url(sandbox), headers=dev).status_code == 404
    put = httpx.put(owner_url(sandbox), headers=dev)
    assert put.status_code == 204 and put.content == b""
    assert httpx.get(owner_url(sandbox), headers=dev).status_code == 204
    assert httpx.put(owner_url(sandbox, stage="live"), headers=dev).status_code == 204
    assert httpx.get(owner_url(sandbox, stage="live"), headers=dev).status_code == 204
    not_enabled = httpx.get(owner_url(sandbox), headers=dev)
    assert not_enabled.status_code == 404
    assert not_enabled.json()["code"] == "RESOURCE_NOT_FOUND"  # undocumented, like Amazon's
    assert "not found" in not_enabled.json()["message"]
    assert httpx.delete(owner_url(sandbox, stage="live"), headers=dev).status_code == 204
    assert httpx.get(owner_url(sandbox, stage="live"), headers=dev).status_code == 404


def owner_error_code(response: httpx.Response) -> str | None:
    """StandardizedError's code, or the first violation's code of a BadRequestError (400/403)."""
    body = response.json()
    assert isinstance(body["message"], str) and body["message"]
    if response.status_code in (400, 403):
        assert "code" not in body and isinstance(body["violations"], list)
        assert all(isinstance(v["message"], str) for v in body["violations"])
        return body["violations"][0].get("code") if body["violations"] else None
    return str(body["code"])


@pytest.mark.parametrize(
    ("skill", "stage", "status", "code"),
    [
        (
            "amzn1.ask.skill.99999999-0000-4000-8000-000000000000",
            "development",
            404,
            "RESOURCE_NOT_FOUND",
        ),
        (SKILL_WEATHER, "live", 404, "RESOURCE_NOT_FOUND"),
        (SKILL_TRIVIA, "beta", 400, "INVALID_STAGE"),
        (SKILL_TRIVIA, "LIVE", 400, "INVALID_STAGE"),
        ("not-an-aci", "development", 400, "INVALID_SKILL_ID"),
        ("amzn1.ask..skill", "development", 400, "INVALID_SKILL_ID"),
        (SKILL_OTHER, "development", 403, None),
        # input (400) is checked before any lookup (404) or ownership (403)
        ("amzn1.ask.skill.99999999-0000-4000-8000-000000000000", "beta", 400, "INVALID_STAGE"),
        ("amzn1.ask.skill.99999999-0000-4000-8000-000000000000", "Live", 400, "INVALID_STAGE"),
        (SKILL_OTHER, "beta", 400, "INVALID_STAGE"),
        (SKILL_WEATHER, "beta", 400, "INVALID_STAGE"),
    ],
)
def test_owner_errors(
    sandbox: Any, dev: dict[str, str], skill: str, stage: str, status: int, code: str | None
) -> None:
    response = httpx.put(owner_url(sandbox, skill, stage), headers=dev)
    assert response.status_code == status
    assert owner_error_code(response) == code


def test_a_skill_that_is_not_ready_is_refused_with_violations(
    sandbox: Any, dev: dict[str, str]
) -> None:
    response = httpx.put(owner_url(sandbox, SKILL_UNREADY, "live"), headers=dev)
    assert response.status_code == 403
    body = response.json()
    assert body["message"] == "Skill is not ready for enablement."
    assert body["violations"][0] == {"message": "Regionalized endpoints must not be empty."}
    assert len(body["violations"]) == 2
    assert httpx.get(owner_url(sandbox, SKILL_UNREADY, "live"), headers=dev).status_code == 404


def test_every_answer_has_its_own_request_id(sandbox: Any, dev: dict[str, str]) -> None:
    sandbox.add_fault(route="get-enablement", status=503)
    answers = [
        httpx.get(owner_url(sandbox), headers=dev),  # the injected 503
        httpx.get(owner_url(sandbox), headers=dev),
        httpx.get(f"{sandbox.urls.eu}/v1/nothing", headers=dev),
        httpx.post(sandbox.urls.token_url, data={"grant_type": "refresh_token"}),
        httpx.get(f"{sandbox.urls.admin}/state"),
        httpx.get(f"{sandbox.urls.partner}/oauth/authorize"),
    ]
    ids = [a.headers.get("x-amzn-RequestId") for a in answers]
    assert all(ids) and len(set(ids)) == len(ids), ids
    assert answers[0].status_code == 503 and answers[0].json()["code"]


def test_owner_routes_refuse_customer_tokens_and_other_regions(
    sandbox: Any, dev: dict[str, str]
) -> None:
    assert httpx.put(owner_url(sandbox), headers=customer(sandbox)).status_code == 403
    eu = f"{sandbox.urls.eu}/v1/skills/{SKILL_TRIVIA}/stages/development/enablement"
    assert httpx.put(eu, headers=dev).status_code == 404


def test_unauthenticated_expired_and_revoked_tokens_get_401(sandbox: Any) -> None:
    assert httpx.get(owner_url(sandbox)).status_code == 401
    assert httpx.get(owner_url(sandbox, "amzn1.ask.skill.nope", "beta")).status_code == 401
    assert httpx.get(owner_url(sandbox), headers=bearer("Atza|forged")).status_code == 401
    tokens = sandbox.issue_tokens("developer")
    sandbox.clock.advance(3601)
    expired = httpx.get(owner_url(sandbox), headers=bearer(tokens["access_token"]))
    assert expired.status_code == 401
    assert "expired" in expired.json()["message"]
    fresh = sandbox.issue_tokens("developer")
    sandbox.state.revoke(fresh["refresh_token"])
    assert httpx.get(owner_url(sandbox), headers=bearer(fresh["access_token"])).status_code == 401


def test_strict_method_accept_and_unknown_paths(sandbox: Any, dev: dict[str, str]) -> None:
    assert httpx.post(owner_url(sandbox), headers=dev).status_code == 405
    assert httpx.get(owner_url(sandbox), headers=dev | {"Accept": "text/html"}).status_code == 406
    missing = httpx.get(f"{sandbox.urls.na}/v1/nothing", headers=dev)
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("listener", "method", "path"),
    [
        ("na", "GET", f"/v1/skills/{SKILL_TRIVIA}/stages/development/enablement/"),
        ("na", "PUT", f"/v1/skills/{SKILL_TRIVIA}/stages/development/enablement/"),
        ("eu", "POST", f"/v1/users/~current/skills/{SKILL_TRIVIA}/enablement/"),
        ("na", "GET", "/v1/alexaApiEndpoint/"),
        ("hub", "POST", "/auth/o2/token/"),
        ("hub", "GET", "/__admin/state/"),
        ("partner", "GET", "/oauth/authorize/"),
    ],
)
def test_trailing_slash_is_a_json_404_not_a_redirect(
    sandbox: Any, dev: dict[str, str], listener: str, method: str, path: str
) -> None:
    response = httpx.request(method, getattr(sandbox.urls, listener) + path, headers=dev)
    assert response.status_code == 404 and "location" not in response.headers
    assert response.json() == {"message": f"No such resource: {path}", "code": "NOT_FOUND"}


ENCODED_BAD_IDS = [
    "amzn1.ask.skill.a%2Fb",
    "amzn1.ask.skill.a%2fb",
    "amzn1.ask.skill.a%2F..%2Fb",
    "amzn1.ask.skill.a%252Fb",
    "amzn1.ask.skill.a%3Fb",
    "amzn1.ask.skill.a%23b",
    "amzn1.ask.skill.a%20b",
    "amzn1.ask.skill.a%00b",
]


@pytest.mark.parametrize("skill", ENCODED_BAD_IDS)
def test_percent_encoded_invalid_skill_id_is_400(
    sandbox: Any, dev: dict[str, str], skill: str
) -> None:
    for url, headers in (
        (owner_url(sandbox, skill), dev),
        (customer_url(sandbox.urls.eu, skill), customer(sandbox)),
    ):
        response = httpx.get(url, headers=headers)
        assert response.status_code == 400, (url, response.text)
        body = response.json()
        assert body.get("code", "") == "INVALID_SKILL_ID" or (
            body["violations"][0]["code"] == "INVALID_SKILL_ID"
        )
        assert httpx.get(url).status_code == 401  # authentication still comes first


def test_percent_encoded_valid_skill_id_reaches_the_skill(
    sandbox: Any, dev: dict[str, str]
) -> None:
    encoded = SKILL_TRIVIA[:-1] + "%31"  # ...0001 with its last digit escaped
    assert httpx.put(owner_url(sandbox, encoded), headers=dev).status_code == 204
    assert httpx.get(owner_url(sandbox), headers=dev).status_code == 204


# --- operation 4 ------------------------------------------------------------------------------


def test_api_endpoint_home_region_and_ambiguous(sandbox: Any, dev: dict[str, str]) -> None:
    urls = sandbox.urls
    single = httpx.get(f"{urls.na}/v1/alexaApiEndpoint", headers=customer(sandbox, "customer-fe"))
    assert single.json() == {"endpoints": [urls.fe]}
    several = httpx.get(
        f"{urls.na}/v1/alexaApiEndpoint", headers=customer(sandbox, "customer-ambiguous")
    )
    assert several.json() == {"endpoints": [urls.na, urls.eu, urls.fe]}
    assert httpx.get(f"{urls.na}/v1/alexaApiEndpoint", headers=dev).status_code == 403


# --- operations 5-7 ---------------------------------------------------------------------------


def test_customer_link_follows_transitions_and_unlinks(sandbox: Any) -> None:
    eu, headers = sandbox.urls.eu, customer(sandbox)
    never = httpx.get(customer_url(eu), headers=headers)
    assert never.status_code == 200 and never.json()["status"] == "NO_ASSOCIATION"
    created = httpx.post(customer_url(eu), headers=headers, json=link_body(partner_code(sandbox)))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "ENABLING" and body["accountLink"]["status"] == "LINKED"
    assert body["skill"] == {"id": SKILL_TRIVIA, "stage": "live"}
    sandbox.clock.advance(5)
    assert httpx.get(customer_url(eu), headers=headers).json()["status"] == "ENABLED"
    gone = httpx.delete(customer_url(eu), headers=headers)
    assert gone.status_code == 200 and gone.content == b""
    state = httpx.get(customer_url(eu), headers=headers).json()
    assert state["status"] == "DISABLING" and state["accountLink"]["status"] == "NOT_LINKED"
    sandbox.clock.advance(5)
    assert httpx.get(customer_url(eu), headers=headers).json()["status"] == "DISABLED"
    again = httpx.delete(customer_url(eu), headers=headers)
    assert again.status_code == 404 and again.json()["code"] == "NO_ASSOCIATION"


def test_customer_delete_can_answer_204(sandbox: Any) -> None:
    eu, headers = sandbox.urls.eu, customer(sandbox)
    httpx.post(f"{sandbox.urls.admin}/config", json={"customer_delete_status": 204})
    httpx.post(customer_url(eu), headers=headers, json=link_body(partner_code(sandbox)))
    assert httpx.delete(customer_url(eu), headers=headers).status_code == 204


def test_flaky_skill_ends_in_failed_states(sandbox: Any) -> None:
    eu, headers = sandbox.urls.eu, customer(sandbox)
    url = customer_url(eu, SKILL_FLAKY)
    httpx.post(url, headers=headers, json=link_body(partner_code(sandbox)))
    sandbox.clock.advance(5)
    assert httpx.get(url, headers=headers).json()["status"] == "ENABLING_FAILED"


def test_disabling_fails_for_flaky_skill_after_enable(sandbox: Any) -> None:
    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": 0})
    eu, headers = sandbox.urls.eu, customer(sandbox)
    url = customer_url(eu, SKILL_FLAKY)
    httpx.post(url, headers=headers, json=link_body(partner_code(sandbox)))
    httpx.delete(url, headers=headers)
    assert httpx.get(url, headers=headers).json()["status"] == "DISABLING_FAILED"


def test_wrong_region_is_incorrect_endpoint(sandbox: Any) -> None:
    headers = customer(sandbox, "customer-ambiguous")
    for base in (sandbox.urls.na, sandbox.urls.fe):
        response = httpx.get(customer_url(base), headers=headers)
        assert response.status_code == 400
        assert response.json() == {
            "message": "Incorrect endpoint for customer.",
            "code": "incorrectEndpoint",
        }
    assert httpx.get(customer_url(sandbox.urls.eu), headers=headers).status_code == 200


def test_customer_routes_refuse_developer_tokens(sandbox: Any, dev: dict[str, str]) -> None:
    assert httpx.get(customer_url(sandbox.urls.na), headers=dev).status_code == 403


def test_customer_unknown_skill_is_404(sandbox: Any) -> None:
    url = customer_url(sandbox.urls.eu, "amzn1.ask.skill.99999999-0000-4000-8000-000000000000")
    assert httpx.get(url, headers=customer(sandbox)).status_code == 404


def test_customer_input_is_checked_before_the_skill_lookup(sandbox: Any) -> None:
    url = customer_url(sandbox.urls.eu, "amzn1.ask.skill.99999999-0000-4000-8000-000000000000")
    bad_body = httpx.post(url, headers=customer(sandbox), json={"stage": "beta"})
    assert bad_body.status_code == 400 and bad_body.json()["code"] == "INVALID_REQUEST_BODY"
    not_json = httpx.post(url, headers=customer(sandbox), content=b"stage=live")
    assert not_json.status_code == 415
    assert httpx.post(url, json={"stage": "beta"}).status_code == 401  # but only after auth


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.pop("stage"),
        lambda b: b.update(stage="beta"),
        lambda b: b["accountLinkRequest"].update(type="IMPLICIT"),
        lambda b: b["accountLinkRequest"].pop("authCode"),
        lambda b: b["accountLinkRequest"].update(redirectUri="http://plain.example/cb"),
        lambda b: b["accountLinkRequest"].update(codeVerifier="short"),
        lambda b: b.pop("accountLinkRequest"),
    ],
)
def test_bad_link_bodies_are_400(sandbox: Any, mutate: Any) -> None:
    body = link_body(partner_code(sandbox))
    mutate(body)
    response = httpx.post(customer_url(sandbox.urls.eu), headers=customer(sandbox), json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_REQUEST_BODY"


def test_link_needs_json_content_type(sandbox: Any) -> None:
    response = httpx.post(
        customer_url(sandbox.urls.eu), headers=customer(sandbox), content=b"stage=live"
    )
    assert response.status_code == 415


def _link(sandbox: Any, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(customer_url(sandbox.urls.eu), headers=customer(sandbox), json=body)


def _not_linked(sandbox: Any) -> bool:
    status = httpx.get(customer_url(sandbox.urls.eu), headers=customer(sandbox)).json()
    return status["status"] == "NO_ASSOCIATION" and status["accountLink"]["status"] == "NOT_LINKED"


def test_partner_code_is_single_use(sandbox: Any) -> None:
    code = partner_code(sandbox)
    assert _link(sandbox, link_body(code)).status_code == 201
    reused = _link(sandbox, link_body(code))
    assert reused.status_code == 400 and "already used" in reused.json()["message"]


def test_partner_code_expires(sandbox: Any) -> None:
    code = partner_code(sandbox)
    sandbox.clock.advance(301)
    response = _link(sandbox, link_body(code))
    assert response.status_code == 400 and "expired" in response.json()["message"]
    assert _not_linked(sandbox)


def test_partner_code_redirect_mismatch(sandbox: Any) -> None:
    body = link_body(partner_code(sandbox), redirect_uri="https://layla.amazon.com/other")
    response = _link(sandbox, body)
    assert response.status_code == 400 and response.json()["code"] == "ACCOUNT_LINK_FAILED"
    assert _not_linked(sandbox)


def test_partner_pkce(sandbox: Any) -> None:
    verifier, challenge = pkce_pair()
    wrong, _ = pkce_pair()
    assert (
        _link(
            sandbox, link_body(partner_code(sandbox, challenge=challenge), codeVerifier=wrong)
        ).status_code
        == 400
    )
    assert _not_linked(sandbox)
    ok = _link(
        sandbox, link_body(partner_code(sandbox, challenge=challenge), codeVerifier=verifier)
    )
    assert ok.status_code == 201


def test_re_enable_after_disable_changes_user_id(sandbox: Any) -> None:
    httpx.post(f"{sandbox.urls.admin}/config", json={"transition_delay": 0})
    first = _link(sandbox, link_body(partner_code(sandbox))).json()["user"]["id"]
    httpx.delete(customer_url(sandbox.urls.eu), headers=customer(sandbox))
    second = _link(sandbox, link_body(partner_code(sandbox))).json()["user"]["id"]
    assert first != second


# --- the partner's OAuth server ---------------------------------------------------------------


def test_partner_authorize_accepts_each_registered_redirect(sandbox: Any) -> None:
    for uri in sandbox.info()["partner"]["redirect_uris"]:
        assert partner_code(sandbox, redirect_uri=uri).startswith("partner-")


@pytest.mark.parametrize(
    ("client_id", "redirect_uri", "error"),
    [
        (PARTNER_CLIENT, "https://evil.example/cb", "invalid_request"),
        (PARTNER_CLIENT, PARTNER_REDIRECT + "/extra", "invalid_request"),
        (PARTNER_CLIENT, PARTNER_REDIRECT.replace("https:", "http:"), "invalid_request"),
        (PARTNER_CLIENT, "", "invalid_request"),
        ("someone-else", PARTNER_REDIRECT, "invalid_client"),
        ("someone-else", "https://evil.example/cb", "invalid_client"),
    ],
)
def test_partner_authorize_refuses_unregistered_redirect_or_client(
    sandbox: Any, client_id: str, redirect_uri: str, error: str
) -> None:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
    response = httpx.get(sandbox.urls.partner_authorize_url, params=params | {"state": "s1"})
    assert response.status_code == 400 and "location" not in response.headers
    assert response.json()["error"] == error
    assert not sandbox.state.world.partner_codes  # no code was issued to anyone
