"""Admin routes on the hub (/__admin/...): reset, clock, faults, state, demo tokens, config."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from console.sandbox.faults import FaultBook, FaultRule
from console.sandbox.http import api_error
from console.sandbox.state import SandboxState

FAULT_FIELDS = {
    "route": str,
    "region": str,
    "status": int,
    "retry_after": str,
    "latency": float,
    "drop": bool,
    "drop_response": bool,
    "malformed": bool,
    "truncated": bool,
    "count": int,
    "share": float,
}


def fault_from_dict(data: dict[str, Any]) -> FaultRule:
    """A validated rule from JSON; raises ValueError with a readable reason."""
    unknown = set(data) - set(FAULT_FIELDS)
    if unknown:
        raise ValueError(f"unknown fault fields: {sorted(unknown)}")
    kwargs: dict[str, Any] = {}
    for name, kind in FAULT_FIELDS.items():
        if name in data and data[name] is not None:
            value = data[name]
            if kind is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ValueError(f"{name} must be {kind.__name__}")
            kwargs[name] = value
    if "share" in kwargs and "count" not in kwargs:
        kwargs["count"] = None
    rule = FaultRule(**kwargs)
    rule.validate()
    return rule


class AdminRoutes:
    def __init__(
        self,
        state: SandboxState,
        faults: FaultBook,
        issue_tokens: Callable[[str, str | None], dict[str, object]],
    ) -> None:
        self.state = state
        self.faults = faults
        self.issue_tokens = issue_tokens

    def routes(self) -> list[Route]:
        return [
            Route("/__admin/reset", self.reset, methods=["POST"]),
            Route("/__admin/clock", self.clock, methods=["GET", "POST"]),
            Route("/__admin/faults", self.fault_list, methods=["GET", "POST", "DELETE"]),
            Route("/__admin/journal", self.journal, methods=["GET"]),
            Route("/__admin/state", self.snapshot, methods=["GET"]),
            Route("/__admin/tokens", self.tokens, methods=["POST"]),
            Route("/__admin/config", self.config, methods=["GET", "POST"]),
        ]

    async def reset(self, request: Request) -> Response:
        self.state.reset()
        self.faults.clear()
        return JSONResponse({"reset": True})

    async def clock(self, request: Request) -> Response:
        if request.method == "POST":
            data = await _json(request)
            advance = data.get("advance") if isinstance(data, dict) else None
            if not isinstance(advance, int | float) or advance < 0:
                return api_error(400, 'Send {"advance": seconds} with seconds >= 0.', "BAD_CLOCK")
            self.state.clock.advance(float(advance))
        return JSONResponse({"now": self.state.clock.now()})

    async def fault_list(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.faults.clear()
        elif request.method == "POST":
            data = await _json(request)
            if not isinstance(data, dict):
                return api_error(400, "Send a JSON object describing the fault.", "BAD_FAULT")
            try:
                self.faults.add(fault_from_dict(data))
            except (ValueError, TypeError) as exc:
                return api_error(400, str(exc), "BAD_FAULT")
        return JSONResponse({"faults": self.faults.rules()})

    async def journal(self, request: Request) -> Response:
        """Every routed call since the last reset: route, listener, fault, handler ran."""
        return JSONResponse({"calls": self.faults.journal()})

    async def snapshot(self, request: Request) -> Response:
        world = self.state.world
        with self.state.lock:
            owner = [
                {"account": a, "skill": s, "stage": stage}
                for (a, s), stage in world.owner_enabled.items()
            ]
            customers = [
                {
                    "account": a,
                    "skill": s,
                    "stage": assoc.stage,
                    "status": self.state.association_status(assoc),
                    "account_link": "LINKED" if assoc.linked else "NOT_LINKED",
                }
                for (a, s), assoc in world.associations.items()
            ]
        return JSONResponse({"owner_enablements": owner, "customer_enablements": customers})

    async def tokens(self, request: Request) -> Response:
        data = await _json(request)
        account = data.get("account") if isinstance(data, dict) else None
        if not isinstance(account, str) or account not in self.state.world.accounts:
            return api_error(
                400, f"account must be one of {sorted(self.state.world.accounts)}", "BAD_ACCOUNT"
            )
        scope = data.get("scope") if isinstance(data, dict) else None
        return JSONResponse(self.issue_tokens(account, scope if isinstance(scope, str) else None))

    async def config(self, request: Request) -> Response:
        if request.method == "POST":
            data = await _json(request)
            if not isinstance(data, dict):
                return api_error(400, "Send a JSON object.", "BAD_CONFIG")
            delay = data.get("transition_delay")
            status = data.get("customer_delete_status")
            if delay is not None and (not isinstance(delay, int | float) or delay < 0):
                return api_error(400, "transition_delay must be >= 0", "BAD_CONFIG")
            if status is not None and status not in (200, 204):
                return api_error(400, "customer_delete_status must be 200 or 204", "BAD_CONFIG")
            rotate = data.get("rotate_refresh_tokens")
            if rotate is not None and not isinstance(rotate, bool):
                return api_error(400, "rotate_refresh_tokens must be true or false", "BAD_CONFIG")
            with self.state.lock:
                if delay is not None:
                    self.state.config.transition_delay = float(delay)
                if status is not None:
                    self.state.config.customer_delete_status = int(status)
                if rotate is not None:
                    self.state.config.rotate_refresh_tokens = rotate
        cfg = self.state.config
        return JSONResponse(
            {
                "transition_delay": cfg.transition_delay,
                "customer_delete_status": cfg.customer_delete_status,
                "rotate_refresh_tokens": cfg.rotate_refresh_tokens,
            }
        )


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"{}")
    except ValueError:
        return None
