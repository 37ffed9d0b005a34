"""The sandbox's in-memory world: clock, seed data, tokens, codes, enablements and links.

Everything is guarded by one lock because the in-process helpers (tests, the app's embedded
mode) touch it from other threads while the sandbox's own loop serves requests.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEED_PATH = Path(__file__).with_name("seed.json")

CODE_LIFETIME = 300.0  # seconds, LWA and partner authorization codes
ACCESS_TOKEN_LIFETIME = 3600.0
SMAPI_SCOPES = ("alexa::ask:skills:readwrite", "alexa::ask:skills:test")
CUSTOMER_SCOPE = "alexa::skills:account_linking"
PROFILE_SCOPE = "profile"  # GET /user/profile: user_id, name, email
KNOWN_SCOPES = frozenset({*SMAPI_SCOPES, CUSTOMER_SCOPE, PROFILE_SCOPE, "profile:user_id"})


class SandboxClock:
    """Wall time plus an offset that tests move forward instead of sleeping."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


@dataclass(frozen=True)
class Account:
    name: str
    kind: str  # developer | customer
    region: str  # home region: na | eu | fe
    user_id: str
    label: str
    ambiguous: bool = False
    # LWA's customer profile (GET /user/profile with the `profile` scope): user_id, name, email
    profile: tuple[tuple[str, str], ...] = ()

    @property
    def demo_refresh_token(self) -> str:
        return f"Atzr|sandbox-{self.name}"

    def default_scopes(self) -> tuple[str, ...]:
        return SMAPI_SCOPES if self.kind == "developer" else (CUSTOMER_SCOPE,)


@dataclass(frozen=True)
class Skill:
    id: str
    name: str
    owner: str
    stages: tuple[str, ...]
    transitions_fail: bool = False
    # What Amazon lists when the skill is not ready for enablement: (code or None, message).
    not_ready: tuple[tuple[str | None, str], ...] = ()


@dataclass
class Grant:
    """What a refresh token stands for; access tokens point back at it."""

    account: str
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class AccessToken:
    refresh_token: str
    expires_at: float
    revoked: bool = False


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    account: str
    scopes: tuple[str, ...]
    code_challenge: str | None
    issued_at: float
    used: bool = False
    issued_refresh_token: str | None = None


@dataclass
class PartnerCode:
    redirect_uri: str
    code_challenge: str | None
    issued_at: float
    used: bool = False


@dataclass
class Association:
    """A customer's enablement of one skill (operations 5–7)."""

    stage: str
    user_id: str
    linked: bool
    target: str  # ENABLED or DISABLED: where the running transition ends
    changed_at: float
    fails: bool = False


@dataclass
class SandboxConfig:
    transition_delay: float = 2.0
    customer_delete_status: int = 200  # the contract allows 200 or 204
    # LWA may answer a refresh with a new refresh token and revoke the old one: off by default.
    rotate_refresh_tokens: bool = False


@dataclass
class World:
    client_id: str
    client_secret: str
    accounts: dict[str, Account]
    skills: dict[str, Skill]
    partner_client_id: str
    partner_client_secret: str
    partner_redirect_uris: tuple[str, ...]
    grants: dict[str, Grant] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    auth_codes: dict[str, AuthCode] = field(default_factory=dict)
    partner_codes: dict[str, PartnerCode] = field(default_factory=dict)
    owner_enabled: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, skill)
    associations: dict[tuple[str, str], Association] = field(default_factory=dict)


def load_world(seed_path: Path | None = None) -> World:
    """Build a fresh world from the seed file."""
    data: dict[str, Any] = json.loads((seed_path or SEED_PATH).read_text(encoding="utf-8"))
    accounts = {
        a["name"]: Account(
            name=a["name"],
            kind=a["kind"],
            region=a["region"],
            user_id=a["user_id"],
            label=a.get("label", a["name"]),
            ambiguous=bool(a.get("ambiguous", False)),
            profile=tuple((str(k), str(v)) for k, v in a.get("profile", {}).items()),
        )
        for a in data["accounts"]
    }
    skills = {
        s["id"]: Skill(
            id=s["id"],
            name=s["name"],
            owner=s["owner"],
            stages=tuple(s["stages"]),
            transitions_fail=bool(s.get("transitions_fail", False)),
            not_ready=tuple((v.get("code"), v["message"]) for v in s.get("not_ready", [])),
        )
        for s in data["skills"]
    }
    world = World(
        client_id=data["lwa_client"]["client_id"],
        client_secret=data["lwa_client"]["client_secret"],
        accounts=accounts,
        skills=skills,
        partner_client_id=data["partner"]["client_id"],
        partner_client_secret=data["partner"]["client_secret"],
        partner_redirect_uris=tuple(data["partner"]["redirect_uris"]),
    )
    for account in accounts.values():
        world.grants[account.demo_refresh_token] = Grant(account.name, account.default_scopes())
    return world


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


class SandboxState:
    """The world plus its lock, clock and configuration; replaced wholesale on reset."""

    def __init__(
        self,
        seed_path: Path | None = None,
        transition_delay: float = 2.0,
        *,
        rotate_refresh_tokens: bool = False,
    ) -> None:
        self.seed_path = seed_path
        self.lock = threading.RLock()
        self.clock = SandboxClock()
        self._defaults = SandboxConfig(
            transition_delay=transition_delay, rotate_refresh_tokens=rotate_refresh_tokens
        )
        self.config = dataclasses.replace(self._defaults)
        self.world = load_world(seed_path)

    def reset(self) -> None:
        with self.lock:
            self.world = load_world(self.seed_path)
            self.config = dataclasses.replace(self._defaults)
            self.clock.reset()

    # --- tokens ------------------------------------------------------------------------------

    def issue_access_token(self, refresh_token: str) -> str:
        with self.lock:
            token = new_secret("Atza|")
            self.world.access_tokens[token] = AccessToken(
                refresh_token=refresh_token,
                expires_at=self.clock.now() + ACCESS_TOKEN_LIFETIME,
            )
            return token

    def issue_grant(self, account: str, scopes: tuple[str, ...]) -> str:
        with self.lock:
            refresh = new_secret("Atzr|")
            self.world.grants[refresh] = Grant(account, scopes)
            return refresh

    def rotate_grant(self, old: str) -> str:
        """A new refresh token for the grant of `old`, which stops working; the access tokens
        issued from `old` stay valid until they expire (they now belong to the new one)."""
        with self.lock:
            grant = self.world.grants[old]
            new = self.issue_grant(grant.account, grant.scopes)
            grant.revoked = True
            for access in self.world.access_tokens.values():
                if access.refresh_token == old:
                    access.refresh_token = new
            for code in self.world.auth_codes.values():  # a replayed code revokes the successor
                if code.issued_refresh_token == old:
                    code.issued_refresh_token = new
            return new

    def resolve_access_token(self, token: str) -> tuple[Account, tuple[str, ...]] | str:
        """The account and scopes behind a bearer token, or why it is refused."""
        with self.lock:
            entry = self.world.access_tokens.get(token)
            if entry is None:
                return "The access token is not valid."
            if entry.revoked:
                return "The access token has been revoked."
            if self.clock.now() >= entry.expires_at:
                return "The access token has expired."
            grant = self.world.grants.get(entry.refresh_token)
            if grant is None or grant.revoked:
                return "The access token has been revoked."
            return self.world.accounts[grant.account], grant.scopes

    def revoke(self, token: str) -> None:
        """Revoke a refresh token (and every access token from it) or one access token."""
        with self.lock:
            grant = self.world.grants.get(token)
            if grant is not None:
                grant.revoked = True
                for access in self.world.access_tokens.values():
                    if access.refresh_token == token:
                        access.revoked = True
                return
            single = self.world.access_tokens.get(token)
            if single is not None:
                single.revoked = True

    # --- customer associations ----------------------------------------------------------------

    def association_status(self, assoc: Association) -> str:
        """ENABLING → ENABLED (or ENABLING_FAILED) once the delay has passed; same for disabling."""
        done = self.clock.now() - assoc.changed_at >= self.config.transition_delay
        if assoc.target == "ENABLED":
            if not done:
                return "ENABLING"
            return "ENABLING_FAILED" if assoc.fails else "ENABLED"
        if not done:
            return "DISABLING"
        return "DISABLING_FAILED" if assoc.fails else "DISABLED"
