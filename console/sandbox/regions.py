"""One regional Skill Enablement listener (NA, EU or FE): operations 1–7 of the contract.

Order of checks, as Amazon does: authentication (401), the kind of token (403), the region of
the customer (400 incorrectEndpoint), input (400), then the skill and stage (404).

Error bodies follow Amazon's models: the owner operations 1–3 answer 400 and 403 with SMAPI's
BadRequestError (`message` + `violations`) and 401/404 with its StandardizedError (`code` +
`message`), whose codes Amazon does not document; the customer operations use `message`/`code`.
No code here is one the client needs, except `incorrectEndpoint`, which the reference names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.sandbox.http import api_error, bad_request_error, no_content
from console.sandbox.partner import redeem
from console.sandbox.pkce import VERIFIER_RE
from console.sandbox.state import (
    CUSTOMER_SCOPE,
    SMAPI_SCOPES,
    Account,
    Association,
    SandboxState,
    Skill,
)

SKILL_ID_RE = re.compile(r"amzn1\.[A-Za-z0-9._-]{1,249}")
STAGES = ("development", "live")
OWNER_PATH = "/v1/skills/{skill_id}/stages/{stage}/enablement"
# Every owner 404 has the same undocumented-looking code: only the message tells them apart.
OWNER_NOT_FOUND = "RESOURCE_NOT_FOUND"
CUSTOMER_PATH = "/v1/users/~current/skills/{skill_id}/enablement"


def valid_skill_id(skill_id: str) -> bool:
    return bool(SKILL_ID_RE.fullmatch(skill_id)) and ".." not in skill_id


class RegionRoutes:
    def __init__(
        self, state: SandboxState, region: str, endpoints: Callable[[], dict[str, str]]
    ) -> None:
        self.state = state
        self.region = region
        self.endpoints = endpoints

    def routes(self) -> list[Route]:
        return [
            Route(OWNER_PATH, self.owner, methods=["GET", "PUT", "DELETE"]),
            Route("/v1/alexaApiEndpoint", self.api_endpoint, methods=["GET"]),
            Route(CUSTOMER_PATH, self.customer, methods=["GET", "POST", "DELETE"]),
        ]

    # --- shared checks ------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> tuple[Account, tuple[str, ...]] | Response:
        accept = request.headers.get("accept")
        if accept and not any(
            t.split(";")[0].strip() in ("application/json", "*/*", "application/*")
            for t in accept.split(",")
        ):
            return api_error(406, "This API only produces application/json.", "NOT_ACCEPTABLE")
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return api_error(401, "Request is not authorized: no bearer token.", "UNAUTHORIZED")
        resolved = self.state.resolve_access_token(token.strip())
        if isinstance(resolved, str):
            return api_error(401, f"Request is not authorized: {resolved}", "UNAUTHORIZED")
        return resolved

    def _customer(self, request: Request) -> Account | Response:
        auth = self._authenticate(request)
        if isinstance(auth, Response):
            return auth
        account, scopes = auth
        if account.kind != "customer" or CUSTOMER_SCOPE not in scopes:
            return api_error(
                403,
                "This operation needs a customer token with scope alexa::skills:account_linking.",
                "FORBIDDEN",
            )
        return account

    def _check_region(self, account: Account) -> Response | None:
        if account.region != self.region:
            return api_error(400, "Incorrect endpoint for customer.", "incorrectEndpoint")
        return None

    def _skill(self, skill_id: str, *, owner: bool = False) -> Skill | Response:
        """The seeded skill; call only after the input checks (400 comes before 404)."""
        skill = self.state.world.skills.get(skill_id)
        if skill is None:
            code = OWNER_NOT_FOUND if owner else "SKILL_NOT_FOUND"
            return api_error(404, f"Skill with id {skill_id} does not exist.", code)
        return skill

    # --- operations 1–3 (owner) ---------------------------------------------------------------

    def _owner(self, request: Request) -> Account | Response:
        auth = self._authenticate(request)
        if isinstance(auth, Response):
            return auth
        account, scopes = auth
        if account.kind != "developer" or not set(SMAPI_SCOPES) & set(scopes):
            return bad_request_error(
                403, "This operation needs a developer token with SMAPI scopes."
            )
        if self.region != "na":
            return api_error(
                404,
                "Skill owner operations are served by the North America endpoint.",
                OWNER_NOT_FOUND,
            )
        return account

    async def owner(self, request: Request) -> Response:
        account = self._owner(request)
        if isinstance(account, Response):
            return account
        skill_id = request.path_params["skill_id"]
        stage = request.path_params["stage"]
        invalid = _invalid_owner_input(skill_id, stage)
        if invalid is not None:
            return invalid
        skill = self._skill(skill_id, owner=True)
        if isinstance(skill, Response):
            return skill
        if skill.owner != account.name:
            return bad_request_error(403, "User is not authorized to access this skill.")
        if stage not in skill.stages:
            return api_error(
                404, f"The {stage} stage of this skill does not exist.", OWNER_NOT_FOUND
            )
        key = (account.name, skill.id)
        if request.method == "PUT" and skill.not_ready:
            return bad_request_error(403, "Skill is not ready for enablement.", skill.not_ready)
        with self.state.lock:
            enabled = self.state.world.owner_enabled
            if request.method == "PUT":
                enabled[key] = stage  # at most one stage per account: this replaces the other
                return no_content()
            if request.method == "DELETE":
                if enabled.get(key) == stage:
                    del enabled[key]
                return no_content()
            if enabled.get(key) == stage:
                return no_content()
        return api_error(
            404, f"Enablement of the {stage} stage of this skill was not found.", OWNER_NOT_FOUND
        )

    # --- operation 4 --------------------------------------------------------------------------

    async def api_endpoint(self, request: Request) -> Response:
        account = self._customer(request)
        if isinstance(account, Response):
            return account
        urls = self.endpoints()
        regions = ["na", "eu", "fe"] if account.ambiguous else [account.region]
        return JSONResponse({"endpoints": [urls[r] for r in regions]})

    # --- operations 5–7 (customer) ------------------------------------------------------------

    async def customer(self, request: Request) -> Response:
        account = self._customer(request)
        if isinstance(account, Response):
            return account
        wrong = self._check_region(account)
        if wrong is not None:
            return wrong
        skill_id = request.path_params["skill_id"]
        invalid = _invalid_skill_id(skill_id)
        if invalid is not None:
            return invalid
        body = await _enable_input(request) if request.method == "POST" else None
        if isinstance(body, Response):
            return body
        skill = self._skill(skill_id)
        if isinstance(skill, Response):
            return skill
        if body is not None:
            return self._enable(account, skill, *body)
        key = (account.name, skill.id)
        with self.state.lock:
            assoc = self.state.world.associations.get(key)
            if request.method == "GET":
                return self._status_body(account, skill, assoc)
            if assoc is None or assoc.target == "DISABLED":
                return api_error(404, "The skill is not enabled for this user.", "NO_ASSOCIATION")
            assoc.target = "DISABLED"
            assoc.linked = False
            assoc.changed_at = self.state.clock.now()
            status = self.state.config.customer_delete_status
        return no_content(status)

    def _enable(self, account: Account, skill: Skill, stage: str, link: dict[str, str]) -> Response:
        if stage not in skill.stages:
            return api_error(404, f"The {stage} stage of this skill does not exist.", "NOT_FOUND")
        problem = redeem(
            self.state, link["authCode"], link["redirectUri"], link.get("codeVerifier")
        )
        if problem is not None:
            return api_error(
                400,
                f"Account linking failed: the partner answered {problem}.",
                "ACCOUNT_LINK_FAILED",
            )
        with self.state.lock:
            key = (account.name, skill.id)
            previous = self.state.world.associations.get(key)
            user_id = (
                previous.user_id
                if previous and previous.target == "ENABLED"
                else (
                    f"{account.user_id}.{len(self.state.world.associations) + 1}"
                    f"{int(self.state.clock.now()) % 100000}"
                )
            )
            assoc = Association(
                stage=stage,
                user_id=user_id,
                linked=True,
                target="ENABLED",
                changed_at=self.state.clock.now(),
                fails=skill.transitions_fail,
            )
            self.state.world.associations[key] = assoc
            response = self._status_body(account, skill, assoc)
        response.status_code = 201
        return response

    def _status_body(self, account: Account, skill: Skill, assoc: Association | None) -> Response:
        if assoc is None:
            return JSONResponse(
                {
                    "skill": {"id": skill.id, "stage": None},
                    "user": {"id": account.user_id},
                    "accountLink": {"status": "NOT_LINKED"},
                    "status": "NO_ASSOCIATION",
                }
            )
        return JSONResponse(
            {
                "skill": {"id": skill.id, "stage": assoc.stage},
                "user": {"id": assoc.user_id},
                "accountLink": {"status": "LINKED" if assoc.linked else "NOT_LINKED"},
                "status": self.state.association_status(assoc),
            }
        )


def _invalid_skill_id(skill_id: str) -> Response | None:
    if valid_skill_id(skill_id):
        return None
    return api_error(
        400, "The skill ID is not a valid Amazon Common Identifier.", "INVALID_SKILL_ID"
    )


def _invalid_owner_input(skill_id: str, stage: str) -> Response | None:
    """SMAPI's 400: one violation per bad path parameter."""
    violations: list[tuple[str | None, str]] = []
    if not valid_skill_id(skill_id):
        violations.append(
            ("INVALID_SKILL_ID", "The skill ID is not a valid Amazon Common Identifier.")
        )
    if stage not in STAGES:
        violations.append(("INVALID_STAGE", "stage must be development or live."))
    if not violations:
        return None
    return bad_request_error(400, "The request is not valid.", tuple(violations))


async def _enable_input(request: Request) -> tuple[str, dict[str, str]] | Response:
    """The stage and accountLinkRequest of operation 5, or the 415/400 that refuses them."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        return api_error(415, "Content-Type must be application/json.", "UNSUPPORTED_MEDIA")
    body = _parse_enable_body(await request.body())
    if isinstance(body, str):
        return api_error(400, body, "INVALID_REQUEST_BODY")
    return body


def _parse_enable_body(raw: bytes) -> tuple[str, dict[str, str]] | str:
    """The validated body of operation 5, or what is wrong with it."""
    try:
        data: Any = json.loads(raw)
    except ValueError:
        return "The request body is not valid JSON."
    if not isinstance(data, dict):
        return "The request body must be a JSON object."
    stage = data.get("stage")
    if stage not in STAGES:
        return "stage must be development or live."
    link = data.get("accountLinkRequest")
    if not isinstance(link, dict):
        return "accountLinkRequest is required."
    if link.get("type") != "AUTH_CODE":
        return "accountLinkRequest.type must be AUTH_CODE."
    for name in ("redirectUri", "authCode"):
        if not isinstance(link.get(name), str) or not link[name]:
            return f"accountLinkRequest.{name} is required."
    if not link["redirectUri"].startswith("https://"):
        return "accountLinkRequest.redirectUri must be an https URL."
    verifier = link.get("codeVerifier")
    if verifier is not None and (
        not isinstance(verifier, str) or not VERIFIER_RE.fullmatch(verifier)
    ):
        return "accountLinkRequest.codeVerifier must be 43-128 unreserved characters."
    return str(stage), {k: str(v) for k, v in link.items() if v is not None}
