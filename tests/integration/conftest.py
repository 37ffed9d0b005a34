"""Service-layer fixtures: a ConsoleService wired to the sandbox with fast retry settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest_asyncio

from console.api.client import ApiSettings
from console.api.models import Attempt, Region
from console.api.regions import EndpointMemory
from console.api.retry import RetryPolicy
from console.auth.provider import RefreshingTokenProvider
from console.auth.token_endpoint import LwaClient
from console.services import ConsoleService
from tests.sandbox_client import CLIENT_ID, CLIENT_SECRET

ServiceFactory = Callable[..., ConsoleService]


def sandbox_settings(sandbox: Any, **over: Any) -> ApiSettings:
    urls = sandbox.urls
    policy = RetryPolicy(
        base=over.pop("base", 0.01),
        cap=over.pop("cap", 0.05),
        max_attempts=over.pop("max_attempts", 5),
        deadline=over.pop("deadline", 10.0),
    )
    return ApiSettings(
        endpoints={Region.NA: urls.na, Region.EU: urls.eu, Region.FE: urls.fe},
        timeout=over.pop("timeout", 2.0),
        connect_timeout=over.pop("connect_timeout", 2.0),
        policy=policy,
    )


@pytest_asyncio.fixture
async def make_service(sandbox: Any) -> AsyncIterator[ServiceFactory]:
    made: list[ConsoleService] = []

    def make(
        account: str = "developer",
        *,
        memory: EndpointMemory | None = None,
        attempts: list[Attempt] | None = None,
        provider: Any = None,
        **settings: Any,
    ) -> ConsoleService:
        api = sandbox_settings(sandbox, **settings)
        lwa = LwaClient(
            sandbox.urls.token_url, CLIENT_ID, CLIENT_SECRET, timeout=api.timeout, policy=api.policy
        )
        tokens = provider or RefreshingTokenProvider(lwa, f"Atzr|sandbox-{account}")
        service = ConsoleService(
            api,
            tokens,
            on_attempt=attempts.append if attempts is not None else None,
            memory=memory,
        )
        made.append(service)
        return service

    yield make
    for service in made:
        await service.aclose()
