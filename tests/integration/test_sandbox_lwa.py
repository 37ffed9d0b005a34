"""The sandbox's Login with Amazon: consent page, code rules, refresh and revocation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.sandbox_client import (
    CLIENT_ID,
    CLIENT_SECRET,
    SKILL_TRIVIA,
    SMAPI,
    bearer,
    consent,
    pkce_pair,
    redirect_params,
)

REDIRECT = "http://127.0.0.1:53682/callback"


def authorize(sandbox: Any, challenge: str, **over: str) -> dict[str, str]:
    params = {
        "client_id": CLIENT_ID,
        "scope": SMAPI,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "state": "st-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    } | over
    return redirect_params(consent(sandbox.urls.authorize_url, params))


def exchange(
    sandbox: Any, code: str, verifier: str, *, as_json: bool = False, **over: str
) -> httpx.Response:
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code_verifier": verifier,
    } | over
    if as_json:
        return httpx.post(sandbox.urls.token_url, json=fields)
    return httpx.post(sandbox.urls.token_url, data=fields)


def test_consent_page_lists_every_demo_account(sandbox: Any) -> None:
    _, challenge = pkce_pair()
    page = httpx.get(
        sandbox.urls.authorize_url,
        params={
            "client_id": CLIENT_ID,
            "scope": SMAPI,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "state": "x",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert page.status_code == 200
    for name in ("developer", "customer-na", "customer-eu", "customer-fe", "customer-ambiguous"):
        assert f'value="{name}"' in page.text
    assert "Allow" in page.text and "Deny" in page.text


def test_full_code_flow_then_token_works(sandbox: Any) -> None:
    verifier, challenge = pkce_pair()
    params = authorize(sandbox, challenge)
    assert params["state"] == "st-123"
    response = exchange(sandbox, params["code"], verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 3600
    assert tokens["access_token"].startswith("Atza|") and tokens["refresh_token"].startswith(
        "Atzr|"
    )
    check = f"{sandbox.urls.na}/v1/skills/{SKILL_TRIVIA}/stages/live/enablement"
    assert httpx.get(check, headers=bearer(tokens["access_token"])).status_code == 404


@pytest.mark.parametrize("path", ["/auth/o2/token", "/auth/O2/token"])
@pytest.mark.parametrize("as_json", [False, True])
def test_token_endpoint_accepts_both_shapes_and_spellings(
    sandbox: Any, path: str, as_json: bool
) -> None:
    verifier, challenge = pkce_pair()
    code = authorize(sandbox, challenge)["code"]
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code_verifier": verifier,
    }
    url = sandbox.urls.hub + path
    response = httpx.post(url, json=fields) if as_json else httpx.post(url, data=fields)
    assert response.status_code == 200, response.text


def test_deny_redirects_with_access_denied(sandbox: Any) -> None:
    _, challenge = pkce_pair()
    params = {
        "client_id": CLIENT_ID,
        "scope": SMAPI,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "state": "st-9",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    result = redirect_params(consent(sandbox.urls.authorize_url, params, decision="deny"))
    assert result["error"] == "access_denied" and result["state"] == "st-9"
    assert "code" not in result


def test_authorize_refuses_unregistered_redirect_without_redirecting(sandbox: Any) -> None:
    response = httpx.get(
        sandbox.urls.authorize_url,
        params={
            "client_id": CLIENT_ID,
            "scope": SMAPI,
            "response_type": "code",
            "redirect_uri": "https://evil.example/cb",
            "state": "x",
        },
    )
    assert response.status_code == 400 and "location" not in response.headers


def test_authorize_rejects_plain_pkce_and_unknown_scope(sandbox: Any) -> None:
    base = {"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": REDIRECT, "state": "x"}
    plain = httpx.get(
        sandbox.urls.authorize_url,
        params=base
        | {"scope": SMAPI, "code_challenge": "a" * 43, "code_challenge_method": "plain"},
    )
    assert redirect_params(plain)["error"] == "invalid_request"
    scope = httpx.get(sandbox.urls.authorize_url, params=base | {"scope": "alexa::everything"})
    assert redirect_params(scope)["error"] == "invalid_scope"
    _, challenge = pkce_pair()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256", "scope": SMAPI}
    for missing in ("code_challenge", "code_challenge_method", "state"):
        params = {k: v for k, v in (base | pkce).items() if k != missing}
        for send in (httpx.get, httpx.post):  # the consent form's POST is checked the same
            answer = (
                send(sandbox.urls.authorize_url, params=params)
                if send is httpx.get
                else send(sandbox.urls.authorize_url, data=params | {"decision": "allow"})
            )
            assert redirect_params(answer)["error"] == "invalid_request", (missing, send)


def test_code_is_single_use_and_replay_revokes(sandbox: Any) -> None:
    verifier, challenge = pkce_pair()
    code = authorize(sandbox, challenge)["code"]
    first = exchange(sandbox, code, verifier)
    assert first.status_code == 200
    replay = exchange(sandbox, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    refresh = httpx.post(
        sandbox.urls.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": first.json()["refresh_token"],
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_code_expires_after_five_minutes(sandbox: Any) -> None:
    verifier, challenge = pkce_pair()
    code = authorize(sandbox, challenge)["code"]
    sandbox.clock.advance(301)
    response = exchange(sandbox, code, verifier)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The authorization code has expired",
    }


def test_pkce_mismatch_and_missing_verifier(sandbox: Any) -> None:
    _, challenge = pkce_pair()
    other, _ = pkce_pair()
    assert (
        exchange(sandbox, authorize(sandbox, challenge)["code"], other).json()["error"]
        == "invalid_grant"
    )
    code = authorize(sandbox, challenge)["code"]
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert httpx.post(sandbox.urls.token_url, data=fields).json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_exactly(sandbox: Any) -> None:
    verifier, challenge = pkce_pair()
    code = authorize(sandbox, challenge)["code"]
    response = exchange(sandbox, code, verifier, redirect_uri="http://127.0.0.1:53682/callback/")
    assert response.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_invalid_client(sandbox: Any) -> None:
    verifier, challenge = pkce_pair()
    code = authorize(sandbox, challenge)["code"]
    response = exchange(sandbox, code, verifier, client_secret="nope")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_unsupported_grant_and_content_type(sandbox: Any) -> None:
    grant = httpx.post(
        sandbox.urls.token_url,
        data={"grant_type": "password", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    assert grant.json()["error"] == "unsupported_grant_type"
    text = httpx.post(
        sandbox.urls.token_url,
        content=b"grant_type=refresh_token",
        headers={"Content-Type": "text/plain"},
    )
    assert text.status_code == 400 and text.json()["error"] == "invalid_request"


def test_refresh_then_revoke(sandbox: Any) -> None:
    refresh = "Atzr|sandbox-developer"
    fields = {
        "grant_type": "refresh_token",
        "refresh_token": refresh,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    first = httpx.post(sandbox.urls.token_url, data=fields)
    assert first.status_code == 200
    access = first.json()["access_token"]
    revoked = httpx.post(
        sandbox.urls.revoke_url,
        data={"token": refresh, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    assert revoked.status_code == 200
    assert httpx.post(sandbox.urls.token_url, data=fields).json()["error"] == "invalid_grant"
    url = f"{sandbox.urls.na}/v1/skills/{SKILL_TRIVIA}/stages/live/enablement"
    assert httpx.get(url, headers=bearer(access)).status_code == 401


def test_reset_restores_demo_refresh_token(sandbox: Any) -> None:
    sandbox.state.revoke("Atzr|sandbox-developer")
    httpx.post(f"{sandbox.urls.admin}/reset")
    fields = {
        "grant_type": "refresh_token",
        "refresh_token": "Atzr|sandbox-developer",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    assert httpx.post(sandbox.urls.token_url, data=fields).status_code == 200
