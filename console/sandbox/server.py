"""SandboxServer: five loopback listeners (LWA hub, NA, EU, FE, partner) on one background loop.

It runs in its own thread with its own plain asyncio loop, so it works beside a qasync loop in
the app (see QT-ASYNC-NOTES) and beside pytest. Ports: `port_base=0` puts every listener on an
ephemeral port; `port_base=N` uses N (hub), N+1 (NA), N+2 (EU), N+3 (FE), N+4 (partner).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.sandbox.admin import AdminRoutes, fault_from_dict
from console.sandbox.faults import FaultBook, FaultMiddleware, Scope
from console.sandbox.http import api_error
from console.sandbox.lwa import LwaRoutes
from console.sandbox.partner import PartnerRoutes
from console.sandbox.paths import SegmentPathMiddleware
from console.sandbox.regions import RegionRoutes
from console.sandbox.request_ids import RequestIdMiddleware
from console.sandbox.state import SandboxClock, SandboxState

LISTENER_ORDER = ("hub", "na", "eu", "fe", "partner")
# Injected drops and truncations end responses on purpose; uvicorn would log them as errors.
_INJECTED = ("ASGI callable returned without starting", "ASGI callable returned without completing")


class _InjectedFaultFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_INJECTED)


logging.getLogger("uvicorn.error").addFilter(_InjectedFaultFilter())
START_TIMEOUT = 10.0
# A fixed base needs N..N+4 to be real, unprivileged ports; 0 means "ephemeral ports".
MIN_PORT_BASE = 1024
MAX_PORT_BASE = 65535 - len(LISTENER_ORDER)


def check_port_base(port_base: int) -> None:
    """Raise ValueError (one readable line) unless `port_base` is 0 or fits all five listeners."""
    if port_base == 0 or MIN_PORT_BASE <= port_base <= MAX_PORT_BASE:
        return
    raise ValueError(
        f"--port-base must be 0 (ephemeral ports) or {MIN_PORT_BASE}..{MAX_PORT_BASE} "
        f"(it uses ports N..N+{len(LISTENER_ORDER) - 1}), not {port_base}"
    )


@dataclass(frozen=True)
class SandboxUrls:
    hub: str
    authorize_url: str
    token_url: str
    revoke_url: str
    na: str
    eu: str
    fe: str
    partner: str
    partner_authorize_url: str
    partner_token_url: str
    admin: str


class SandboxServer:
    """The whole emulator; `start()` returns once every listener accepts connections."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port_base: int = 0,
        seed_path: Path | None = None,
        transition_delay: float = 2.0,
        rotate_refresh_tokens: bool = False,
    ) -> None:
        check_port_base(port_base)  # before bind(), which raises OverflowError past 65535
        self.host = host
        self.port_base = port_base
        self.state = SandboxState(
            seed_path, transition_delay, rotate_refresh_tokens=rotate_refresh_tokens
        )
        self.faults = FaultBook()
        self._servers: dict[str, uvicorn.Server] = {}
        self._fault_layers: list[FaultMiddleware] = []
        self._sockets: dict[str, socket.socket] = {}
        self._ports: dict[str, int] = {}
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def clock(self) -> SandboxClock:
        return self.state.clock

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._bind_sockets()
        apps = self._build_apps()
        for name, app in apps.items():
            config = uvicorn.Config(
                app,
                lifespan="off",
                # uvicorn's own config needs a console stream (a windowed app has none); its
                # loggers propagate to whatever logging the host process set up instead.
                log_config=None,
                log_level="warning",
                access_log=False,
                timeout_graceful_shutdown=1,
                timeout_keep_alive=5,
            )
            self._servers[name] = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="skill-console-sandbox", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT) or self._error is not None:
            self.stop()
            raise RuntimeError(f"the sandbox did not start: {self._error!r}")

    def stop(self) -> None:
        for server in self._servers.values():
            server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        for sock in self._sockets.values():
            with contextlib.suppress(OSError):
                sock.close()
        self._sockets.clear()
        self._servers.clear()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _bind_sockets(self) -> None:
        for offset, name in enumerate(LISTENER_ORDER):
            # IPPROTO_TCP, not 0: asyncio turns Nagle off only for sockets that say they are TCP,
            # and with Nagle on, a kept-alive response waits out the client's delayed ACK.
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            port = self.port_base + offset if self.port_base else 0
            try:
                sock.bind((self.host, port))
            except OSError as exc:
                sock.close()
                for other in self._sockets.values():
                    other.close()
                self._sockets.clear()
                raise OSError(
                    exc.errno,
                    f"cannot listen on {self.host}:{port} for the {name} listener "
                    f"({exc.strerror}); choose another --port-base",
                ) from exc
            sock.listen(128)
            sock.setblocking(False)
            self._sockets[name] = sock
            self._ports[name] = sock.getsockname()[1]

    def _run(self) -> None:
        loop = asyncio.new_event_loop()  # never the process-wide policy's loop (qasync)
        try:
            loop.run_until_complete(self._serve_all())
        except BaseException as exc:  # surfaced to start() through _error
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    async def _serve_all(self) -> None:
        tasks = [
            asyncio.create_task(self._servers[name].serve(sockets=[self._sockets[name]]))
            for name in LISTENER_ORDER
        ]
        while not all(s.started for s in self._servers.values()):
            if any(t.done() for t in tasks):
                break
            await asyncio.sleep(0.005)
        self._ready.set()
        await asyncio.gather(*tasks)

    # --- apps ---------------------------------------------------------------------------------

    def _build_apps(self) -> dict[str, Any]:
        self._fault_layers.clear()  # a restart builds fresh listeners
        hub = _strict_app(
            [
                *LwaRoutes(self.state).routes(),
                *AdminRoutes(self.state, self.faults, self.issue_tokens).routes(),
            ]
        )
        apps: dict[str, Any] = {"hub": self._wrap(hub, "hub", "lwa")}
        for region in ("na", "eu", "fe"):
            app = _strict_app(RegionRoutes(self.state, region, self.region_urls).routes())
            apps[region] = self._wrap(app, region, region)
        partner = _strict_app(PartnerRoutes(self.state).routes())
        apps["partner"] = self._wrap(partner, "partner", "partner")
        return apps

    def _wrap(self, app: Any, listener: str, region: str) -> RequestIdMiddleware:
        def find_transport(scope: Scope) -> Any:
            server = self._servers.get(listener)
            if server is None:
                return None
            for conn in list(server.server_state.connections):
                if getattr(conn, "scope", None) is scope:
                    return getattr(conn, "transport", None)
            return None

        faults = FaultMiddleware(app, self.faults, region, find_transport)
        self._fault_layers.append(faults)
        return RequestIdMiddleware(SegmentPathMiddleware(faults))

    # --- addresses ----------------------------------------------------------------------------

    def _url(self, name: str) -> str:
        if name not in self._ports:
            raise RuntimeError("the sandbox is not started")
        return f"http://{self.host}:{self._ports[name]}"

    def region_urls(self) -> dict[str, str]:
        return {r: self._url(r) for r in ("na", "eu", "fe")}

    @property
    def urls(self) -> SandboxUrls:
        hub, partner = self._url("hub"), self._url("partner")
        return SandboxUrls(
            hub=hub,
            authorize_url=f"{hub}/ap/oa",
            token_url=f"{hub}/auth/o2/token",
            revoke_url=f"{hub}/auth/o2/revoke",
            na=self._url("na"),
            eu=self._url("eu"),
            fe=self._url("fe"),
            partner=partner,
            partner_authorize_url=f"{partner}/oauth/authorize",
            partner_token_url=f"{partner}/oauth/token",
            admin=f"{hub}/__admin",
        )

    # --- in-process admin ---------------------------------------------------------------------

    def reset(self) -> None:
        self.state.reset()
        self.faults.clear()

    def in_flight(self) -> int:
        """Requests the listeners are handling right now (tests wait for 0 instead of sleeping)."""
        return sum(layer.active for layer in self._fault_layers)

    def add_fault(self, **fields: Any) -> None:
        """Same fields as POST /__admin/faults; raises ValueError for a bad rule."""
        self.faults.add(fault_from_dict(fields))

    def issue_tokens(self, account: str, scope: str | None = None) -> dict[str, object]:
        """A fresh token pair for a seeded account, without the browser."""
        acct = self.state.world.accounts[account]
        scopes = tuple(scope.split()) if scope else acct.default_scopes()
        refresh = self.state.issue_grant(account, scopes)
        return {
            "access_token": self.state.issue_access_token(refresh),
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": 3600,
            "scope": " ".join(scopes),
        }

    def env(self, account: str = "developer") -> dict[str, str]:
        """SKILL_CONSOLE_* variables that point a client at this sandbox as `account`."""
        urls = self.urls
        world = self.state.world
        return {
            "SKILL_CONSOLE_ENDPOINTS": f"na={urls.na},eu={urls.eu},fe={urls.fe}",
            "SKILL_CONSOLE_LWA_AUTHORIZE_URL": urls.authorize_url,
            "SKILL_CONSOLE_LWA_TOKEN_URL": urls.token_url,
            "SKILL_CONSOLE_CLIENT_ID": world.client_id,
            "SKILL_CONSOLE_CLIENT_SECRET": world.client_secret,
            "SKILL_CONSOLE_REFRESH_TOKEN": world.accounts[account].demo_refresh_token,
        }

    def info(self) -> dict[str, object]:
        """What `--json` prints: addresses, demo credentials, accounts and skills."""
        world = self.state.world
        return {
            "urls": asdict(self.urls),
            "client_id": world.client_id,
            "client_secret": world.client_secret,
            "accounts": [
                {
                    "name": a.name,
                    "kind": a.kind,
                    "region": "ambiguous" if a.ambiguous else a.region,
                    "label": a.label,
                    "refresh_token": a.demo_refresh_token,
                }
                for a in world.accounts.values()
            ],
            "skills": [
                {"id": s.id, "name": s.name, "owner": s.owner, "stages": list(s.stages)}
                for s in world.skills.values()
            ],
            "partner": {
                "client_id": world.partner_client_id,
                "redirect_uris": list(world.partner_redirect_uris),
                "authorize_url": self.urls.partner_authorize_url,
            },
        }


def _strict_app(routes: list[Route]) -> Starlette:
    """A listener's app: unknown paths and methods answer the JSON error shape, nothing else."""
    app = Starlette(
        routes=routes,
        exception_handlers={404: _not_found, 405: _not_allowed},
    )
    # Starlette would 307 `/path/` to `/path`, silently correcting a client's wrong URL; a strict
    # API answers it with the 404 JSON error instead, so the client's bug shows here first.
    app.router.redirect_slashes = False
    return app


async def _not_found(request: Request, exc: Exception) -> Response:
    return api_error(404, f"No such resource: {request.url.path}", "NOT_FOUND")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return api_error(
        405, f"{request.method} is not allowed on {request.url.path}", "METHOD_NOT_ALLOWED"
    )
