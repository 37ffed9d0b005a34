"""The Skill Enablement API client: the seven operations over one reused httpx.AsyncClient.

Policy lives in `retry` and `regions` (pure); this module does the I/O, records one Attempt per
HTTP attempt, and turns final answers into models or `errors` values.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from console.api import pool, validation
from console.api.errors import (
    AuthError,
    ConsoleError,
    ForbiddenError,
    NetworkError,
    NotFoundError,
    ProtocolError,
    RefusedError,
    ServerError,
    ThrottledError,
    UncertainError,
    ValidationError,
    Violation,
    WrongEndpointError,
)
from console.api.models import (
    ENABLED,
    NOT_ENABLED,
    Attempt,
    AttemptListener,
    CustomerStatus,
    OperationResult,
    Region,
    Stage,
)
from console.api.parsing import (
    ErrorBody,
    error_body,
    error_fields,
    parse_customer_status,
    parse_endpoints,
    request_id,
)
from console.api.redact import redact
from console.api.regions import DEFAULT_ENDPOINTS, EndpointMemory, dedupe, fallback_candidates
from console.api.retry import Action, Outcome, RetryPolicy, decide, parse_retry_after
from console.api.tls import shared_ssl_context
from console.api.tokens import TokenProvider

__all__ = ["ApiSettings", "AttemptListener", "RequestLimiter", "SkillApiClient"]

USER_AGENT = "skill-enablement-console/0.1"
DEADLINE_TEXT = "the time allowed for this action ran out"


@dataclass(frozen=True, slots=True)
class ApiSettings:
    endpoints: Mapping[Region, str] = field(default_factory=lambda: dict(DEFAULT_ENDPOINTS))
    timeout: float = 15.0  # seconds per request (read/write/pool)
    connect_timeout: float = 5.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def owner_endpoint(self) -> str:
        return self.endpoints[Region.NA].rstrip("/")


class RequestLimiter(Protocol):
    """Paces requests per endpoint (services.throttle.Limiter): awaited before each send."""

    async def before(self, base: str, within: float | None = None) -> None:
        """Wait for a slot; TimeoutError if none is free within `within` seconds."""

    def after(self, base: str, status: int | None, retry_after: float | None) -> None: ...


@dataclass
class _Action:
    """One user action: its deadline and every attempt made for it."""

    name: str
    deadline_at: float
    attempts: list[Attempt] = field(default_factory=list)
    unanswered: set[str] = field(default_factory=set)  # methods sent and never answered
    sent: set[str] = field(default_factory=set)  # methods that (may have) left this machine
    lost_at: dict[str, str] = field(default_factory=dict)  # method: base its answer was lost at
    retry_at: float | None = None  # wall time a Retry-After the deadline could not wait for ends
    before: CustomerStatus | None = None  # operation 5: the state read just before it was sent

    def remaining(self) -> float:
        return self.deadline_at - time.monotonic()


@dataclass(frozen=True)
class _Reply:
    action: Action
    endpoint: str
    status: int | None
    body: bytes
    code: str | None
    transport_error: str | None
    sent: bool
    probe: _Reply | None = None  # operation 5 only: the status read after an ambiguous failure
    request_id: str | None = None  # the answer's x-amzn-RequestId, for the attempt record
    tries: int = 0  # attempts of this one request (a token refresh is not one)


class SkillApiClient:
    """Typed async access to operations 1–7; one instance per profile, reused for every call."""

    def __init__(
        self,
        settings: ApiSettings,
        tokens: TokenProvider,
        *,
        on_attempt: AttemptListener | None = None,
        memory: EndpointMemory | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        limiter: RequestLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.limiter = limiter
        self.tokens = tokens
        self.memory = memory or EndpointMemory()
        self._listeners: list[AttemptListener] = [on_attempt] if on_attempt else []
        tokens.add_listener(self._emit)  # login-service attempts join the activity log
        self._rng = rng or random.Random()  # noqa: S311 (jitter, not crypto)
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            transport=transport,
            verify=shared_ssl_context(),
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            follow_redirects=False,
        )
        pool.install(self._http)  # one request per connection at a time: see console.api.pool

    def add_listener(self, listener: AttemptListener) -> None:
        self._listeners.append(listener)

    def _emit(self, attempt: Attempt) -> None:
        for listener in self._listeners:
            listener(attempt)

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- owner operations 1-3 -----------------------------------------------------------------

    async def enable(
        self, skill_id: str, stage: str | Stage, *, deadline_at: float | None = None
    ) -> OperationResult:
        return await self._owner("enable", "PUT", skill_id, stage, frozenset({204}), deadline_at)

    async def disable(
        self, skill_id: str, stage: str | Stage, *, deadline_at: float | None = None
    ) -> OperationResult:
        ok = frozenset({204})
        return await self._owner("disable", "DELETE", skill_id, stage, ok, deadline_at)

    async def get_enablement(
        self, skill_id: str, stage: str | Stage, *, deadline_at: float | None = None
    ) -> OperationResult:
        ok = frozenset({204, 404})
        return await self._owner("status", "GET", skill_id, stage, ok, deadline_at)

    async def _owner(
        self,
        name: str,
        method: str,
        skill_id: str,
        stage: str | Stage,
        ok: frozenset[int],
        deadline_at: float | None = None,
    ) -> OperationResult:
        skill_id = validation.check_skill_id(skill_id)
        stage = validation.check_stage(stage)
        action = self._new_action(name, deadline_at)
        path = f"/v1/skills/{skill_id}/stages/{stage.value}/enablement"
        try:
            reply = await self._exchange(action, method, self.settings.owner_endpoint, path, ok)
        except ConsoleError as exc:
            if name == "status" or method not in action.unanswered:
                raise
            # A retry after a lost answer met trouble of its own (a refresh that failed, say):
            # that says nothing about the change, which may have landed.
            raise self._owner_uncertain(exc, name, skill_id, stage) from None
        if reply.action is not Action.DONE and name != "status" and method in action.unanswered:
            return await self._verify_owner(action, name, skill_id, stage, path, reply)
        self._raise_unless_done(reply, action)
        detail = None
        if name == "status":
            # Any 404 of operation 3 means "not enabled": Amazon's codes are undocumented, so
            # its message is passed on as it is (it may say the skill does not exist).
            state = ENABLED if reply.status == 204 else NOT_ENABLED
            if reply.status == 404:
                detail = _server_message(error_body(reply.body))
        else:
            state = ENABLED if name == "enable" else NOT_ENABLED
        return OperationResult(
            operation=name,
            skill_id=skill_id,
            stage=stage.value,
            state=state,
            endpoint=reply.endpoint,
            attempts=tuple(action.attempts),
            detail=detail,
        )

    async def _verify_owner(
        self, action: _Action, name: str, skill_id: str, stage: Stage, path: str, failed: _Reply
    ) -> OperationResult:
        """A change whose answer was lost: read the stage (operation 3) and report what it says."""
        original = self._error(failed, action)
        want = name == "enable"
        check = await self._read_after_loss(
            action, self.settings.owner_endpoint, path, frozenset({204, 404})
        )
        if check is None or check.action is not Action.DONE:
            raise self._owner_uncertain(original, name, skill_id, stage)
        enabled = check.status == 204
        state = ENABLED if enabled else NOT_ENABLED
        if enabled != want:
            original.hint = _did_not_happen(
                original,
                f"A status read afterwards shows the {stage.value} stage "
                f"{'enabled' if enabled else 'not enabled'}: the {name} did not happen.",
            )
            raise original
        return OperationResult(
            operation=name,
            skill_id=skill_id,
            stage=stage.value,
            state=state,
            endpoint=check.endpoint,
            attempts=tuple(action.attempts),
            notes=(
                f"An answer to the {name} request was lost ({original.message}); a status "
                f"read afterwards shows the stage {state}.",
            ),
        )

    def _owner_uncertain(
        self, original: ConsoleError, name: str, skill_id: str, stage: Stage
    ) -> UncertainError:
        return self._uncertain(
            original,
            f"The {name} request was sent and its answer lost, and the "
            f"stage could not be read afterwards: the {stage.value} stage may or may not be "
            f"{'enabled' if name == 'enable' else 'disabled'} now",
            f"Check with 'skillctl status {skill_id} --stage {stage.value}' (Check in the "
            "app) before trying again.",
        )

    async def _read_after_loss(
        self, action: _Action, base: str, path: str, ok: frozenset[int]
    ) -> _Reply | None:
        """The state read after a lost answer; None when it could not even be made.

        Its own trouble (a token refresh that fails, the deadline) is about the read, not the
        change: the caller then says the change may have happened instead of raising it.
        """
        try:
            return await self._exchange(action, "GET", base, path, ok)
        except ConsoleError:
            return None

    def _uncertain(self, original: ConsoleError, message: str, hint: str) -> UncertainError:
        """The change may have happened: say so (after what went wrong), and how to find out."""
        return UncertainError(
            f"{original.message.rstrip('.')}. {message}",
            hint=hint,
            endpoint=original.endpoint,
            http_status=original.http_status,
            code=original.code,
            attempts=original.attempts,
        )

    # --- customer operations 4-7 --------------------------------------------------------------

    async def find_endpoint(self, *, deadline_at: float | None = None) -> OperationResult:
        """Operation 4 alone; a failure is a failure here (the fallback is for operations 5-7)."""
        action = self._new_action("customer-endpoint", deadline_at)
        endpoints, answered = await self._discover(action, fallback=False)
        if len(endpoints) == 1:
            self.memory.remember(self._memory_key(), endpoints[0])
        return OperationResult(
            operation="customer-endpoint",
            endpoint=answered,
            endpoints=tuple(endpoints),
            attempts=tuple(action.attempts),
        )

    async def customer_status(
        self, skill_id: str, *, deadline_at: float | None = None
    ) -> OperationResult:
        skill_id = validation.check_skill_id(skill_id)
        action = self._new_action("customer-status", deadline_at)
        reply = await self._customer(action, "GET", skill_id, frozenset({200}))
        return self._status_result(action, "customer-status", skill_id, reply)

    async def link(
        self,
        skill_id: str,
        stage: str | Stage,
        auth_code: str,
        redirect_uri: str,
        code_verifier: str | None = None,
        *,
        deadline_at: float | None = None,
    ) -> OperationResult:
        """Operation 5; never blindly repeated after a 5xx or an ambiguous network failure.

        The state is read just before it is sent (on each candidate endpoint), so that after an
        ambiguous failure a skill that was already enabled is not taken for a fresh link.
        """
        skill_id = validation.check_skill_id(skill_id)
        stage = validation.check_stage(stage)
        validation.check_auth_code(auth_code)
        sandbox = all(validation.is_loopback_url(u) for u in self.settings.endpoints.values())
        validation.check_redirect_uri(redirect_uri, loopback_http=sandbox)
        verifier = validation.check_code_verifier(code_verifier)
        link: dict[str, str] = {
            "redirectUri": redirect_uri,
            "authCode": auth_code,
            "type": "AUTH_CODE",
        }
        if verifier:
            link["codeVerifier"] = verifier
        body = {"stage": stage.value, "accountLinkRequest": link}
        action = self._new_action("customer-enable", deadline_at)
        try:
            reply = await self._customer(
                action, "POST", skill_id, frozenset({200, 201}), body=body, idempotent=False
            )
        except ConsoleError as exc:
            if "POST" not in action.sent:  # a POST given up before sending spent nothing
                exc.hint += " The enable request was not sent: the partner code is still unused."
            raise
        if reply.action is not Action.DONE:
            return await self._reconcile(action, skill_id, stage, reply)
        return self._status_result(action, "customer-enable", skill_id, reply)

    async def unlink(self, skill_id: str, *, deadline_at: float | None = None) -> OperationResult:
        """Operation 7. Its 200/204 means disabled (Amazon: "the skill is disabled and the
        accounts are unlinked"); after a lost answer the state is read, not assumed."""
        skill_id = validation.check_skill_id(skill_id)
        action = self._new_action("customer-disable", deadline_at)
        try:
            reply = await self._customer(action, "DELETE", skill_id, frozenset({200, 204}))
        except ConsoleError as exc:
            if "DELETE" not in action.unanswered or isinstance(exc, ValidationError):
                raise  # nothing was lost on the way: the answer is the answer
            return await self._verify_disable(action, skill_id, exc)
        if reply.body.strip():
            with contextlib.suppress(ProtocolError):  # a status body is a bonus, not a promise
                return self._status_result(action, "customer-disable", skill_id, reply)
        return _disabled(action, skill_id, "DISABLED", reply.endpoint)

    async def _verify_disable(
        self, action: _Action, skill_id: str, original: ConsoleError
    ) -> OperationResult:
        """A DELETE was lost on the way (a retry may then say 404): read the state (op 6)."""
        # Where the DELETE went: the final error may name another host (a login service whose
        # refresh failed), and the customer's token must not go there.
        base = action.lost_at.get("DELETE")
        path = f"/v1/users/~current/skills/{skill_id}/enablement"
        check = None
        if base:
            check = await self._read_after_loss(action, base, path, frozenset({200}))
        status = _state_read(check)
        if check is None or status is None:
            raise self._uncertain(
                original,
                "The disable request was sent and its answer lost, and the "
                "state could not be read afterwards: the skill may already be disabled",
                f"Check with 'skillctl customer status {skill_id}' (Check in the app) before "
                "trying again.",
            )
        if status.status in ("ENABLED", "ENABLING"):
            original.hint = _did_not_happen(
                original,
                f"A status read afterwards shows the skill {status.status}: the disable did not "
                "happen.",
            )
            raise original
        result = self._result(action, "customer-disable", skill_id, status, check.endpoint)
        note = (
            "The answer to the disable request was lost; a status read afterwards shows "
            f"{status.status}."
        )
        return dataclasses.replace(result, notes=(note,))

    async def _discover(self, action: _Action, *, fallback: bool = True) -> tuple[list[str], str]:
        """Operation 4 on NA; a 5xx after retries falls back to NA, EU, FE in order (if asked)."""
        base = self.settings.owner_endpoint
        reply = await self._exchange(action, "GET", base, "/v1/alexaApiEndpoint", frozenset({200}))
        if reply.action is Action.DONE:
            with _attempts_on_error(action):
                return dedupe(parse_endpoints(reply.body, base, reply.status or 0)), base
        if fallback and reply.status is not None and reply.status >= 500:
            return fallback_candidates(self.settings.endpoints), base
        error = self._error(reply, action)
        if reply.status is not None and reply.status >= 500:
            error.hint = (
                "Alexa could not tell this customer's endpoint. Customer commands still work: "
                "they try North America, Europe and the Far East in order. Try again later."
            )
        raise error

    async def _customer(
        self,
        action: _Action,
        method: str,
        skill_id: str,
        ok: frozenset[int],
        *,
        body: dict[str, Any] | None = None,
        idempotent: bool = True,
    ) -> _Reply:
        """Run a customer operation on the remembered endpoint or each candidate in order.

        Returns a DONE reply, or (operation 5 only) an ambiguous failure to reconcile.
        """
        identity = self._memory_key()
        path = f"/v1/users/~current/skills/{skill_id}/enablement"
        remembered = self.memory.get(identity)
        candidates = [remembered] if remembered else (await self._discover(action))[0]
        rediscovered = remembered is None
        not_found: _Reply | None = None  # a candidate that knows the customer but not the skill
        index = 0
        while index < len(candidates):
            base = candidates[index]
            more = index < len(candidates) - 1
            reply = await self._read_before(action, base, path, more) if not idempotent else None
            sent_change = reply is None
            if reply is None:
                reply = await self._exchange(
                    action, method, base, path, ok, body=body, idempotent=idempotent, more=more
                )
            if reply.action is Action.DONE and sent_change:
                self.memory.remember(identity, base)
                return reply
            if not idempotent and sent_change and _ambiguous(reply):
                probe = await self._read_after_loss(action, base, path, frozenset({200}))
                if probe is None or not _wrong_endpoint(probe):
                    return dataclasses.replace(reply, probe=probe)
                reply = probe  # the enable cannot have landed where the customer is unknown
            if reply.action is Action.NEXT_ENDPOINT or (_wrong_endpoint(reply) and more):
                if reply.status == 404 and not_found is None:
                    not_found = reply
                index += 1
                continue
            gone = reply.status is None and not reply.sent  # nothing listens there any more
            if (_wrong_endpoint(reply) or gone) and not rediscovered:
                self.memory.forget(identity)  # find the endpoint again
                candidates, index, rediscovered = (await self._discover(action))[0], 0, True
                continue
            if _wrong_endpoint(reply) and not_found is not None:
                break
            raise self._error(reply, action)
        if not_found is not None:  # incorrectEndpoint elsewhere: this is the customer's region
            self.memory.remember(identity, not_found.endpoint)
            raise self._error(not_found, action)
        raise WrongEndpointError(
            "No regional endpoint accepted this customer",
            endpoint=candidates[-1] if candidates else None,
            attempts=action.attempts,
        )

    async def _read_before(
        self, action: _Action, base: str, path: str, more: bool
    ) -> _Reply | None:
        """Operation 5 only: the state on this candidate just before the enable is sent.

        None: go on and send it (the read may have failed: it is optional, `action.before` then
        stays None). A reply: this candidate's final answer (a wrong region, a refused login),
        so the one-time partner code is not spent where it cannot work.
        """
        reply = await self._exchange(action, "GET", base, path, frozenset({200}), more=more)
        action.before = None
        if reply.action is Action.DONE:
            with contextlib.suppress(ProtocolError):  # an unreadable state only costs the hint
                action.before = parse_customer_status(reply.body, base, reply.status or 0)
            return None
        if reply.status == 404:  # not enabled (or not this region): the enable itself decides
            action.before = CustomerStatus(None, None, None, None, "NO_ASSOCIATION")
            return None
        if _wrong_endpoint(reply) or reply.status in (401, 403):
            return reply
        return None  # a failing read does not stop the enable; it only knows less afterwards

    async def _reconcile(
        self, action: _Action, skill_id: str, stage: Stage, failed: _Reply
    ) -> OperationResult:
        """After an ambiguous failure of operation 5, read the state instead of repeating it."""
        check = failed.probe
        original = self._error(failed, action)
        status = _state_read(check)
        if status is None:
            raise self._uncertain(
                original,
                "The enable request may or may not have taken effect, and "
                "the state could not be read afterwards",
                f"Check with 'skillctl customer status {skill_id}' (Check in the app) before "
                "trying again; if it is not enabled, get a fresh partner code.",
            )
        enabled = ("ENABLED", "ENABLING")
        if status.status in enabled and status.stage in (None, stage.value):
            before = action.before
            if before is not None and before.status in enabled and _same_as(before, status):
                # It was like this before the request: nothing shows this code was redeemed.
                # Nor that it was not: a re-link that settled before the read looks the same.
                original.message = original.message.rstrip(".") + (
                    f". The skill was already {before.status} before this request and still "
                    "is: nothing shows that this partner code was redeemed"
                )
                original.hint = (
                    "The skill is enabled either way, by the earlier link or by this one; "
                    "which cannot be told. To be sure of a link with a new code, get a fresh "
                    "partner code and try once more."
                )
                raise original
            if before is None:
                # Enabled now, but maybe by an earlier link (to another partner account, even):
                # a success here would be a guess.
                raise self._uncertain(
                    original,
                    f"A status read afterwards shows {status.status}, but the state before the "
                    "request could not be read: this may be an earlier link, and this partner "
                    "code may or may not have been redeemed",
                    f"Check with 'skillctl customer status {skill_id}' (Check in the app); to "
                    "be sure of a link with this code's account, get a fresh partner code and "
                    "try once more.",
                )
            result = self._result(action, "customer-enable", skill_id, status, failed.endpoint)
            note = (
                f"The enable request failed ({original.message}), but a status read afterwards "
                f"shows {status.status}: the link went through."
            )
            return dataclasses.replace(result, notes=(note,))
        original.hint = (
            f"The skill is not enabled (status {status.status}). The partner code may have "
            "been used up: get a fresh partner code and try again."
        )
        raise original

    def _status_result(
        self, action: _Action, name: str, skill_id: str, reply: _Reply
    ) -> OperationResult:
        with _attempts_on_error(action):
            status = parse_customer_status(reply.body, reply.endpoint, reply.status or 0)
        return self._result(action, name, skill_id, status, reply.endpoint)

    def _result(
        self, action: _Action, name: str, skill_id: str, status: CustomerStatus, endpoint: str
    ) -> OperationResult:
        return OperationResult(
            operation=name,
            skill_id=skill_id,
            stage=status.stage,
            state=status.status,
            account_link=status.account_link,
            endpoint=endpoint,
            attempts=tuple(action.attempts),
        )

    def _memory_key(self) -> str:
        """The login's identity within this set of endpoints (a sandbox is not production)."""
        return f"{self.tokens.identity()}@{self.settings.owner_endpoint}"

    # --- one request with retries -------------------------------------------------------------

    def _new_action(self, name: str, deadline_at: float | None = None) -> _Action:
        """One action; `deadline_at` (monotonic) when it is part of a larger one (a follow)."""
        own = time.monotonic() + self.settings.policy.deadline
        return _Action(name, own if deadline_at is None else min(own, deadline_at))

    async def _exchange(
        self,
        action: _Action,
        method: str,
        base: str,
        path: str,
        ok: frozenset[int],
        *,
        body: dict[str, Any] | None = None,
        idempotent: bool = True,
        more: bool = False,
    ) -> _Reply:
        """Send one logical request, retrying and refreshing per policy; never raises HTTP."""
        token = await self._token(action, base)
        refreshed = False
        tries = 0
        url = base.rstrip("/") + path
        while True:
            tries += 1
            began, began_at = time.perf_counter(), datetime.now(UTC)
            try:
                reply, outcome, elapsed, started = await self._limited_send(
                    action, method, url, base, token, body
                )
            except asyncio.CancelledError:  # the log shows what was out when Cancel came
                cancelled = _Reply(
                    Action.FAIL, base.rstrip("/"), None, b"", None, "cancelled", True
                )
                elapsed = (time.perf_counter() - began) * 1000
                self._record(action, method, url, cancelled, elapsed, began_at, "cancelled")
                raise
            if reply.sent:
                action.sent.add(method)
            if reply.status is None and reply.sent:
                action.unanswered.add(method)
                action.lost_at[method] = base
            decision = decide(
                outcome,
                success=ok,
                attempt=tries,
                policy=self.settings.policy,
                remaining=action.remaining(),
                refreshed=refreshed,
                idempotent=idempotent,
                more_candidates=more,
                rng=self._rng,
            )
            self._record(action, method, url, reply, elapsed, started, decision.describe())
            if decision.action is Action.REFRESH:
                token = await self._refresh(action, base, token)
                refreshed = True
                tries -= 1  # the refused token was not an attempt at the request
                continue
            if decision.action is Action.RETRY:
                await self._sleep(decision.delay)
                continue
            if decision.action is Action.FAIL and outcome.retry_after is not None:
                action.retry_at = time.time() + outcome.retry_after
            return _Reply(
                decision.action,
                base.rstrip("/"),
                reply.status,
                reply.body,
                reply.code,
                reply.transport_error,
                reply.sent,
                request_id=reply.request_id,
                tries=tries,
            )

    async def _send(
        self,
        action: _Action,
        method: str,
        url: str,
        base: str,
        token: str,
        body: dict[str, Any] | None,
    ) -> tuple[_Reply, Outcome, float, datetime]:
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        remaining = action.remaining()
        timeout = max(0.01, min(self.settings.timeout, remaining))
        headers = {"Authorization": f"Bearer {token}"}
        try:
            if remaining <= 0:
                raise _DeadlinePassed(DEADLINE_TEXT)
            response = await self._http.request(
                method,
                url,
                headers=headers,
                json=body,
                timeout=httpx.Timeout(timeout, connect=min(timeout, self.settings.connect_timeout)),
            )
            content = response.content
        except (httpx.LocalProtocolError, UnicodeEncodeError) as exc:
            # The request could not even be written (a token with a space or a control
            # character, say): repeating it cannot help, and nothing reached the service.
            raise ValidationError(
                f"The request to {base} could not be built: {redact(str(exc), token)}",
                hint="Check the access token and the SKILL_CONSOLE_* settings for stray spaces, "
                "line breaks or non-ASCII characters.",
                endpoint=base,
                attempts=action.attempts,
            ) from None
        except httpx.TransportError as exc:
            elapsed = (time.perf_counter() - t0) * 1000
            sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | _DeadlinePassed)
            text = redact(_describe_transport(exc), token)
            reply = _Reply(Action.FAIL, base, None, b"", None, text, sent)
            return reply, Outcome(None, sent=sent), elapsed, started
        elapsed = (time.perf_counter() - t0) * 1000
        code, _ = error_fields(content) if response.status_code >= 400 else (None, None)
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        reply = _Reply(
            Action.FAIL,
            base,
            response.status_code,
            content,
            code,
            None,
            True,
            request_id=request_id(response.headers),
        )
        return reply, Outcome(response.status_code, True, code, retry_after), elapsed, started

    def _record(
        self,
        action: _Action,
        method: str,
        url: str,
        reply: _Reply,
        elapsed: float,
        started: datetime,
        decision: str,
    ) -> None:
        attempt = Attempt(
            method=method,
            url=url.split("?", 1)[0],
            status=reply.status,
            elapsed_ms=elapsed,
            attempt=len(action.attempts) + 1,
            decision=decision,
            started_at=started,
            error=reply.transport_error,
            request_id=reply.request_id,
        )
        action.attempts.append(attempt)
        for listener in self._listeners:
            listener(attempt)

    async def _token(self, action: _Action, base: str) -> str:
        # A token in hand needs no deadline (and no timer per request, which a batch notices).
        fresh = self.tokens.fresh_token()
        if fresh is not None:
            return fresh
        return await self._within_deadline(action, base, self.tokens.access_token())

    async def _refresh(self, action: _Action, base: str, rejected: str) -> str:
        try:
            return await self._within_deadline(action, base, self.tokens.refresh(rejected))
        except AuthError as exc:
            if exc.http_status is None:  # no login service answered: it is the API's 401
                exc.http_status = 401
            raise

    async def _within_deadline(self, action: _Action, base: str, getting: Awaitable[str]) -> str:
        """A token, fetched within what is left of the action's deadline."""
        try:
            async with asyncio.timeout(max(0.0, action.remaining())):
                return await getting
        except TimeoutError:
            raise NetworkError(
                f"Getting an access token used up the {self.settings.policy.deadline:g} s "
                "allowed for this action",
                hint="The login service is slow or unreachable: try again in a moment.",
                attempts=action.attempts,
            ) from None
        except ConsoleError as exc:
            exc.attempts, exc.endpoint = tuple(action.attempts), exc.endpoint or base
            raise

    async def _limited_send(
        self,
        action: _Action,
        method: str,
        url: str,
        base: str,
        token: str,
        body: dict[str, Any] | None,
    ) -> tuple[_Reply, Outcome, float, datetime]:
        """`_send`, paced by the shared limiter when there is one (a batch)."""
        if self.limiter is None:
            return await self._send(action, method, url, base, token, body)
        try:
            await self.limiter.before(base, max(0.0, action.remaining()))
        except TimeoutError:
            raise ThrottledError(
                f"Not sent: {base} asked every request to wait longer than the time allowed "
                "for this action",
                endpoint=base,
                attempts=action.attempts,
            ) from None
        outcome: Outcome | None = None
        try:
            sent = await self._send(action, method, url, base, token, body)
            outcome = sent[1]
            return sent
        finally:
            status = outcome.status if outcome else None
            self.limiter.after(base, status, outcome.retry_after if outcome else None)

    def _raise_unless_done(self, reply: _Reply, action: _Action) -> None:
        if reply.action is not Action.DONE:
            raise self._error(reply, action)

    def _error(self, reply: _Reply, action: _Action) -> ConsoleError:
        error = error_for(
            reply.status,
            reply.code,
            reply.body,
            reply.endpoint,
            reply.transport_error,
            reply.sent,
            action.attempts,
            request_tries=reply.tries or None,
        )
        if action.retry_at is not None and isinstance(error, ThrottledError | ServerError):
            when = datetime.fromtimestamp(action.retry_at, UTC).strftime("%H:%M:%S UTC")
            error.hint = f"The service asked to wait until {when} (Retry-After): try again then."
        return error


@contextlib.contextmanager
def _attempts_on_error(action: _Action) -> Iterator[None]:
    """An error raised while reading an answer carries the attempts that got it."""
    try:
        yield
    except ConsoleError as exc:
        exc.attempts = tuple(action.attempts)
        raise


class _DeadlinePassed(httpx.TransportError):
    """The action's deadline ran out before this request could be sent."""


def _disabled(action: _Action, skill_id: str, state: str, endpoint: str | None) -> OperationResult:
    return OperationResult(
        operation="customer-disable",
        skill_id=skill_id,
        state=state,
        endpoint=endpoint,
        attempts=tuple(action.attempts),
    )


def _state_read(check: _Reply | None) -> CustomerStatus | None:
    """What a state read (op 6) after a lost or ambiguous change says; None: nothing usable.

    A 404 is "not enabled" (the contract: NO_ASSOCIATION is exactly a 404); an answer that
    cannot be read is no answer, so the change stays "may have happened".
    """
    if check is not None and check.status == 404:
        return CustomerStatus(None, None, None, None, "NO_ASSOCIATION")
    if check is None or check.action is not Action.DONE:
        return None
    try:
        return parse_customer_status(check.body, check.endpoint, check.status or 0)
    except ProtocolError:
        return None


def _did_not_happen(original: ConsoleError, read: str) -> str:
    """The hint after a read showed a lost change did not land: what the final answer asks
    (a 4xx's hint, e.g. Amazon's violations to fix) stays; only a transient failure says retry."""
    status = original.http_status
    if status is not None and 400 <= status < 500 and status != 429 and original.hint:
        return f"{read} {original.hint}"
    return f"{read} Try again."


def _same_as(before: CustomerStatus, now: CustomerStatus) -> bool:
    """Nothing in the status shows a change (a fresh link restarts ENABLING, or moves stage)."""
    return (before.status, before.stage, before.account_link) == (
        now.status,
        now.stage,
        now.account_link,
    )


def _wrong_endpoint(reply: _Reply) -> bool:
    return reply.status == 400 and reply.code == "incorrectEndpoint"


def _ambiguous(reply: _Reply) -> bool:
    """A failure after which operation 5 may or may not have happened."""
    if reply.status is None:
        return reply.sent
    return reply.status >= 500


def _describe_transport(exc: httpx.TransportError) -> str:
    if isinstance(exc, _DeadlinePassed):
        return DEADLINE_TEXT
    kinds = {
        httpx.ConnectTimeout: "connection timed out",
        httpx.ConnectError: "could not connect",
        httpx.ReadTimeout: "no answer before the timeout",
        httpx.WriteTimeout: "timed out while sending",
        httpx.PoolTimeout: "no free connection before the timeout",
        httpx.RemoteProtocolError: "the connection was dropped",
        httpx.ReadError: "the connection broke while reading",
        httpx.WriteError: "the connection broke while sending",
    }
    for kind, text in kinds.items():
        if isinstance(exc, kind):
            return text
    return type(exc).__name__


FIX_VIOLATIONS_HINT = "Fix what Amazon lists above, then try again."
# A 403 with violations: the account may act, the skill is not ready (its configuration).
FIX_SKILL_HINT = (
    "Fix what Amazon lists above (in the skill's configuration in the developer console, or "
    "its manifest), then try again."
)
FIX_REQUEST_HINT = (
    "Fix what Amazon lists above, then try again; a partner code is spent once sent, so get "
    "a fresh one."
)
MAX_VIOLATIONS = 50  # what a person can read; the rest is in the activity log's request id


def _server_message(said: ErrorBody) -> str | None:
    """The service's own message, redacted, or None when it said nothing."""
    message = (said.message or "").strip()
    return redact(message) if message else None


def _violations(said: ErrorBody) -> tuple[Violation, ...]:
    return tuple(
        Violation(redact(v.message.strip()), redact(v.code) if v.code else None)
        for v in said.violations[:MAX_VIOLATIONS]
    )


def error_for(
    status: int | None,
    code: str | None,
    body: bytes,
    endpoint: str,
    transport_error: str | None,
    sent: bool,
    attempts: list[Attempt],
    *,
    request_tries: int | None = None,
) -> ConsoleError:
    """The error value for a final, unsuccessful answer; its hint follows what the body says.

    `request_tries`: the attempts of the failing request itself (None: all of the action's).
    """
    n = len(attempts) if request_tries is None else request_tries
    tries = f"after {n} attempt{'s' if n != 1 else ''}"
    said = error_body(body)
    server_message = _server_message(said)
    detail = f": {server_message}" if server_message else ""
    violations = _violations(said)
    common: dict[str, Any] = {
        "endpoint": endpoint,
        "http_status": status,
        "code": code,
        "attempts": attempts,
        "violations": violations,
    }
    if status is None and transport_error == DEADLINE_TEXT:
        return NetworkError(
            f"Gave up: {DEADLINE_TEXT} ({tries})",
            hint="Try again later, or allow more time with SKILL_CONSOLE_DEADLINE.",
            **common,
        )
    if status is None:
        return NetworkError(
            f"Network failure, {transport_error or 'no answer'} ({tries})", **common
        )
    if status == 401:
        return AuthError(
            f"The service refused the login even after a token refresh{detail}", **common
        )
    if status == 403:
        # With violations the account is right and the skill is not ready: say what to fix.
        hint = FIX_SKILL_HINT if violations else None
        return ForbiddenError(f"Not allowed{detail}", hint=hint, **common)
    if status == 404:
        return NotFoundError(f"Not found{detail}", **common)
    if status == 400 and code == "incorrectEndpoint":
        return WrongEndpointError(f"Wrong regional endpoint for this customer{detail}", **common)
    if status == 400:
        hint = None
        if violations:
            posted = bool(attempts) and attempts[-1].method == "POST"
            hint = FIX_REQUEST_HINT if posted else FIX_VIOLATIONS_HINT
        return RefusedError(f"The service refused the request{detail}", hint=hint, **common)
    if status == 429:
        return ThrottledError(f"Throttled by the service ({tries}){detail}", **common)
    if status >= 500:
        return ServerError(f"The service failed with {status} ({tries}){detail}", **common)
    return ProtocolError(f"Unexpected answer {status}{detail}", **common)
