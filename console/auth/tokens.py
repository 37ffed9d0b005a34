"""TokenStore: a login's secrets in the OS keychain through `keyring`, per profile and kind.

If no keychain backend exists (headless Linux), it says so once and keeps the secrets in memory
for this run only — never in a file.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from console.api.errors import AuthError
from console.auth.profile import Customer
from console.auth.token_endpoint import TokenSet

__all__ = ["NO_KEYCHAIN_WARNING", "StoredLogin", "TokenStore", "keychain_available"]

SERVICE = "skill-console"


class _Keep(Enum):
    KEEP = 0


KEEP = _Keep.KEEP  # `TokenStore.save`'s customer: the one stored before (a refresh)
NO_KEYCHAIN_WARNING = (
    "No OS keychain is available, so this login is kept in memory for this run only; "
    "you will need to log in again next time (install a keyring backend, e.g. GNOME Keyring "
    "or KWallet, to stay logged in)."
)


def keychain_available() -> bool:
    import keyring  # here, not above: commands that use environment tokens never need it
    from keyring.backends import fail, null

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring | null.Keyring):  # null: keyring switched off
        return False
    chained = getattr(backend, "backends", None)
    return chained is None or bool(chained)


@dataclass(frozen=True)
class StoredLogin:
    kind: str
    tokens: TokenSet
    client_id: str | None = None  # not a secret: lets the login refresh without the env var
    # Who signed in (customer logins; personal data, so only here in the keychain entry).
    # None: stored before the console asked Amazon for the customer's profile.
    customer: Customer | None = None

    def to_json(self) -> str:
        t = self.tokens
        data: dict[str, object] = {
            "kind": self.kind,
            "access_token": t.access_token,
            "refresh_token": t.refresh_token,
            "expires_at": t.expires_at,
            "scope": t.scope,
            "client_id": self.client_id,
        }
        if self.customer is not None:
            data["customer"] = self.customer.to_dict()
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str) -> StoredLogin | None:
        try:
            data = json.loads(raw)
            tokens = TokenSet(
                str(data["access_token"]),
                data.get("refresh_token"),
                float(data["expires_at"]),
                data.get("scope"),
            )
            client_id = data.get("client_id")
            customer = Customer.from_dict(data.get("customer"))
            return cls(str(data["kind"]), tokens, str(client_id) if client_id else None, customer)
        except (ValueError, KeyError, TypeError):
            return None

    def __repr__(self) -> str:
        return f"StoredLogin(kind={self.kind!r}, {self.tokens!r})"


class TokenStore:
    """Namespaced keys `<profile>/<kind>` under the service `skill-console`."""

    _memory: ClassVar[dict[str, str]] = {}  # session-only fallback, shared by every store
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, profile: str = "default", *, memory_only: bool = False) -> None:
        self.profile = profile
        self.persistent = not memory_only and keychain_available()
        self.warning = None if self.persistent or memory_only else NO_KEYCHAIN_WARNING

    def _key(self, name: str) -> str:
        return f"{self.profile}/{name}"

    def load(self, kind: str) -> StoredLogin | None:
        raw = self._get(self._key(kind))
        return StoredLogin.from_json(raw) if raw else None

    def save(
        self,
        kind: str,
        tokens: TokenSet,
        client_id: str | None = None,
        customer: Customer | _Keep | None = KEEP,
    ) -> None:
        """Store a login; without `client_id`, or with `customer` KEEP, the ones stored before
        are kept (a refresh changes the tokens, not who signed in). A caller that passes both
        (it has just read the login) spares the keychain a second read."""
        if client_id is None or customer is KEEP:
            previous = self.load(kind)
            client_id = client_id or (previous.client_id if previous else None)
            if customer is KEEP:
                customer = previous.customer if previous else None
        self._set(self._key(kind), StoredLogin(kind, tokens, client_id, customer).to_json())

    def delete(self, kind: str) -> None:
        self._delete(self._key(kind))

    def client_secret(self) -> str | None:
        return self._get(self._key("client-secret"))

    def save_client_secret(self, secret: str) -> None:
        self._set(self._key("client-secret"), secret)

    def delete_client_secret(self) -> None:
        self._delete(self._key("client-secret"))

    # --- backend -------------------------------------------------------------------------------

    def _get(self, key: str) -> str | None:
        if not self.persistent:
            with self._lock:
                return self._memory.get(key)
        import keyring.errors  # loaded by keychain_available() already

        try:
            value = keyring.get_password(SERVICE, key)
        except keyring.errors.KeyringError as exc:
            raise _locked(exc) from None
        return value if isinstance(value, str) else None

    def _set(self, key: str, value: str) -> None:
        if not self.persistent:
            with self._lock:
                self._memory[key] = value
            return
        import keyring.errors

        try:
            keyring.set_password(SERVICE, key, value)
        except keyring.errors.KeyringError as exc:
            raise _locked(exc) from None

    def _delete(self, key: str) -> None:
        if not self.persistent:
            with self._lock:
                self._memory.pop(key, None)
            return
        import keyring.errors

        try:
            keyring.delete_password(SERVICE, key)
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringError as exc:
            raise _locked(exc) from None


def _locked(exc: Exception) -> AuthError:
    return AuthError(
        f"The OS keychain refused access ({type(exc).__name__})",
        hint="Unlock the keychain (or allow access for this app) and try again.",
    )
