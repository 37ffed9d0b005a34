"""Amazon's own SMAPI client (ask-smapi-sdk) against the sandbox: a conformance check.

`set_skill_enablement_v1`, `get_skill_enablement_status_v1` and `delete_skill_enablement_v1`
run against the sandbox's NA listener, with tokens from the sandbox's LWA endpoint; Amazon's
models must parse every error body the sandbox sends (StandardizedError, BadRequestError with
violations), and every answer must carry a request id. The SDK refuses plain http, so it gets
an API client that allows loopback http and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from ask_sdk_model_runtime import (
    ApiClientRequest,
    ApiClientResponse,
    ApiConfiguration,
    AuthenticationConfiguration,
    DefaultApiClient,
    DefaultSerializer,
    ServiceException,
)
from ask_sdk_model_runtime.lwa import LwaClient
from ask_smapi_model.services.skill_management import SkillManagementServiceClient
from ask_smapi_model.v1.bad_request_error import BadRequestError
from ask_smapi_model.v1.error import Error
from ask_smapi_model.v1.skill.standardized_error import StandardizedError

from tests.sandbox_client import (
    CLIENT_ID,
    CLIENT_SECRET,
    SKILL_OTHER,
    SKILL_TRIVIA,
    SKILL_UNREADY,
)

Smapi = SkillManagementServiceClient


class LoopbackApiClient(DefaultApiClient):
    """Amazon's requests-based client, also allowing http to 127.0.0.1 (its own invoke refuses
    anything but https); keeps each raw answer for the tests to read."""

    def __init__(self) -> None:
        self.answers: list[ApiClientResponse] = []

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        parts = urlsplit(request.url)
        if parts.scheme == "http" and parts.hostname == "127.0.0.1":
            response = self._loopback(request)
        else:
            response = super().invoke(request)  # Amazon's own rules for anything else
        self.answers.append(response)
        return response

    def _loopback(self, request: ApiClientRequest) -> ApiClientResponse:
        """What DefaultApiClient.invoke does, minus its https check."""
        headers = self._convert_list_tuples_to_dict(headers_list=request.headers)
        body = request.body
        if body and "json" in headers.get("Content-type", ""):
            body = json.dumps(body)
        answer = requests.request(
            request.method, request.url, headers=headers, data=body or None, timeout=10
        )
        return ApiClientResponse(
            headers=self._convert_dict_to_list_tuples(answer.headers),
            status_code=answer.status_code,
            body=answer.text,
        )


class ForgedLwa(LwaClient):
    """An LWA client whose token the API has never issued: the sandbox's own 401."""

    def get_access_token_from_refresh_token(self) -> str:
        return "Atza|forged-for-conformance"


@pytest.fixture
def http() -> LoopbackApiClient:
    return LoopbackApiClient()


def smapi(sandbox: Any, http: LoopbackApiClient, *, forged: bool = False) -> Smapi:
    serializer = DefaultSerializer()
    auth = AuthenticationConfiguration(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token="Atzr|sandbox-developer"
    )
    lwa_type = ForgedLwa if forged else LwaClient
    lwa = lwa_type(
        api_configuration=ApiConfiguration(
            serializer=serializer, api_client=http, api_endpoint=sandbox.urls.hub
        ),
        authentication_configuration=auth,
        grant_type="refresh_token",
    )
    api = ApiConfiguration(serializer=serializer, api_client=http, api_endpoint=sandbox.urls.na)
    return Smapi(api_configuration=api, authentication_configuration=auth, lwa_client=lwa)


@pytest.fixture
def client(sandbox: Any, http: LoopbackApiClient) -> Iterator[Smapi]:
    yield smapi(sandbox, http)


def refused(call: Callable[[], object]) -> ServiceException:
    with pytest.raises(ServiceException) as caught:
        call()
    return caught.value


def request_id(headers: list[tuple[str, str]] | None) -> str | None:
    return next((v for k, v in headers or [] if k.lower() == "x-amzn-requestid"), None)


def raw(http: LoopbackApiClient) -> dict[str, Any]:
    """The last answer's JSON body: every key must be one Amazon's models know."""
    data: dict[str, Any] = json.loads(http.answers[-1].body)
    return data


def only_model_keys(data: dict[str, Any], model: type) -> None:
    assert set(data) <= set(model.attribute_map.values()), (data, model)


def test_enable_check_disable_with_amazons_client(client: Smapi, http: LoopbackApiClient) -> None:
    done = client.set_skill_enablement_v1(SKILL_TRIVIA, "live", full_response=True)
    assert done.status_code == 204
    status = client.get_skill_enablement_status_v1(SKILL_TRIVIA, "live", full_response=True)
    assert status.status_code == 204 and request_id(status.headers)
    gone = client.delete_skill_enablement_v1(SKILL_TRIVIA, "live", full_response=True)
    assert gone.status_code == 204
    missing = refused(lambda: client.get_skill_enablement_status_v1(SKILL_TRIVIA, "live"))
    assert missing.status_code == 404 and isinstance(missing.body, StandardizedError)
    assert missing.body.message and missing.body.code
    only_model_keys(raw(http), StandardizedError)
    ids = [request_id(a.headers) for a in http.answers]  # LWA's answer too
    assert all(ids) and len(set(ids)) == len(ids)


def test_not_ready_for_enablement_parses_as_bad_request_error_with_violations(
    client: Smapi, http: LoopbackApiClient
) -> None:
    error = refused(lambda: client.set_skill_enablement_v1(SKILL_UNREADY, "live"))
    assert error.status_code == 403 and isinstance(error.body, BadRequestError)
    assert error.body.message == "Skill is not ready for enablement."
    violations = error.body.violations
    assert all(isinstance(v, Error) for v in violations)
    assert violations[0].message == "Regionalized endpoints must not be empty."
    assert violations[1].code and violations[1].message
    data = raw(http)
    only_model_keys(data, BadRequestError)
    for violation in data["violations"]:
        only_model_keys(violation, Error)


@pytest.mark.parametrize(
    ("skill", "stage", "status", "model"),
    [
        (SKILL_TRIVIA, "beta", 400, BadRequestError),
        (SKILL_OTHER, "live", 403, BadRequestError),
        ("amzn1.ask.skill.99999999-0000-4000-8000-000000000000", "live", 404, StandardizedError),
    ],
)
def test_the_sandboxs_own_errors_parse_in_amazons_models(
    client: Smapi, http: LoopbackApiClient, skill: str, stage: str, status: int, model: type
) -> None:
    error = refused(lambda: client.set_skill_enablement_v1(skill, stage))
    assert error.status_code == status and isinstance(error.body, model)
    assert error.body.message and request_id(error.headers)
    only_model_keys(raw(http), model)
    if model is BadRequestError:
        for violation in raw(http)["violations"]:
            only_model_keys(violation, Error)


def test_a_refused_token_is_a_standardized_401(sandbox: Any, http: LoopbackApiClient) -> None:
    forged = smapi(sandbox, http, forged=True)
    error = refused(lambda: forged.get_skill_enablement_status_v1(SKILL_TRIVIA, "live"))
    assert error.status_code == 401 and isinstance(error.body, StandardizedError)
    assert error.body.message
    only_model_keys(raw(http), StandardizedError)


@pytest.mark.parametrize(
    ("route", "status", "model"),
    [
        ("enable", 400, BadRequestError),
        ("disable", 403, BadRequestError),
        ("get-enablement", 429, StandardizedError),
        ("get-enablement", 500, StandardizedError),
        ("get-enablement", 503, StandardizedError),
    ],
)
def test_injected_faults_answer_in_amazons_shapes(
    sandbox: Any, client: Smapi, http: LoopbackApiClient, route: str, status: int, model: type
) -> None:
    sandbox.add_fault(route=route, status=status)
    calls = {
        "enable": client.set_skill_enablement_v1,
        "disable": client.delete_skill_enablement_v1,
        "get-enablement": client.get_skill_enablement_status_v1,
    }
    error = refused(lambda: calls[route](SKILL_TRIVIA, "development"))
    assert error.status_code == status and isinstance(error.body, model)
    assert error.body.message and request_id(error.headers)
    only_model_keys(raw(http), model)
