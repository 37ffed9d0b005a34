"""What the window talks to: one ConsoleService per account, built from settings or sandbox.

No HTTP here; it only wires the service layer for the widgets.
"""

from __future__ import annotations

from collections.abc import Mapping

from console.api.client import ApiSettings, AttemptListener
from console.api.regions import EndpointMemory, region_of
from console.config import RuntimeState, api_settings
from console.services import ConsoleService
from console.services.partner import SANDBOX_PARTNER_REDIRECT, fetch_partner_code
from console.services.session import token_provider
from console.ui.accounts import Account


class Backend:
    def __init__(
        self,
        accounts: list[Account],
        envs: Mapping[str, Mapping[str, str]],
        *,
        partner_authorize_url: str | None = None,
        persist_endpoints: bool = True,
        profile: str = "default",
    ) -> None:
        self.accounts = accounts
        self.profile = profile
        self._envs = envs
        self.partner_authorize_url = partner_authorize_url
        self.partner_redirect_uri = SANDBOX_PARTNER_REDIRECT
        self._services: dict[str, ConsoleService] = {}
        self._listeners: list[AttemptListener] = []
        if persist_endpoints:
            state = RuntimeState()
            self.memory = EndpointMemory(state.endpoints(), on_change=state.save_endpoints)
        else:
            self.memory = EndpointMemory()

    def add_listener(self, listener: AttemptListener) -> None:
        self._listeners.append(listener)

    def settings(self, account: str) -> ApiSettings:
        return api_settings(self._envs[account])

    def service(self, account: str) -> ConsoleService:
        """The account's service (built on first use; raises AuthError if not logged in)."""
        if account not in self._services:
            env = self._envs[account]
            kind = next(a.kind for a in self.accounts if a.name == account)
            service = ConsoleService(
                api_settings(env),
                token_provider(env, profile=self.profile, kind=kind),
                on_attempt=self._emit,
                memory=self.memory,
            )
            self._services[account] = service
        return self._services[account]

    async def aservice(self, account: str) -> ConsoleService:
        """`service`, but a first build (TLS context, CA bundle: ~0.1 s) runs off the UI thread."""
        if account in self._services:
            return self._services[account]
        import asyncio

        service = await asyncio.to_thread(self.service, account)
        return service

    def region(self, endpoint: str | None, account: str) -> str | None:
        if endpoint is None:
            return None
        region = region_of(endpoint, self.settings(account).endpoints)
        return region.value.upper() if region else None

    async def partner_code(self) -> str:
        if not self.partner_authorize_url:
            raise RuntimeError("only the sandbox's test partner hands out codes without a login")
        return await fetch_partner_code(
            self.partner_authorize_url, redirect_uri=self.partner_redirect_uri
        )

    async def aclose(self) -> None:
        services, self._services = list(self._services.values()), {}
        for service in services:
            await service.aclose()

    def _emit(self, attempt: object) -> None:
        for listener in self._listeners:
            listener(attempt)  # type: ignore[arg-type]
