"""Where settings come from: environment overrides, the sandbox, and runtime state on disk.

Secrets never pass through here to disk: the runtime state file holds only remembered
endpoints keyed by a hash of the login, and settings hold no tokens.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from console import APP_NAME
from console.api.client import ApiSettings
from console.api.errors import ValidationError
from console.api.models import Region
from console.api.regions import DEFAULT_ENDPOINTS
from console.api.retry import RetryPolicy

__all__ = [
    "APP_NAME",
    "LwaSettings",
    "RuntimeState",
    "add_profile",
    "api_settings",
    "list_profiles",
    "lwa_settings",
    "profile_env",
    "save_profiles",
    "settings_path",
    "state_dir",
    "valid_profile_name",
]

DEFAULT_AUTHORIZE_URL = "https://www.amazon.com/ap/oa"
DEFAULT_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105 (a URL)
ENV_PREFIX = "SKILL_CONSOLE_"


@dataclass(frozen=True)
class LwaSettings:
    authorize_url: str
    token_url: str
    client_id: str | None
    client_secret: str | None = None
    timeout: float = 15.0  # per request, as for the API
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def __repr__(self) -> str:
        return f"LwaSettings(token_url={self.token_url!r}, client_id={self.client_id!r})"


def _number(env: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    raw = env.get(ENV_PREFIX + name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValidationError(
            f"{ENV_PREFIX}{name}={raw!r} is not a number",
            hint=f"Set {ENV_PREFIX}{name} to a number of at least {minimum}, or unset it.",
        ) from None
    if value < minimum:
        raise ValidationError(
            f"{ENV_PREFIX}{name}={raw!r} is too small",
            hint=f"Set {ENV_PREFIX}{name} to at least {minimum}.",
        )
    return value


def url_problem(url: str) -> str | None:
    """Why `url` cannot be used as a service address (None if it can)."""
    if not url.startswith(("http://", "https://")):
        return "it must start with http:// or https://"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError when out of range)
    except ValueError as exc:
        return f"it is not a usable address ({exc})"
    if not parts.hostname:
        return "it has no host name"
    return None


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    url = env.get(ENV_PREFIX + name) or default
    problem = url_problem(url)
    if problem:
        raise ValidationError(
            f"{ENV_PREFIX}{name}={url!r} is not usable: {problem}",
            hint=f"Set {ENV_PREFIX}{name} to an address such as {default}, or unset it.",
        )
    return url


def parse_endpoints(raw: str) -> dict[Region, str]:
    """`na=URL,eu=URL,fe=URL` (any subset) over the default hosts."""
    endpoints = dict(DEFAULT_ENDPOINTS)
    for part in filter(None, (p.strip() for p in raw.split(","))):
        key, sep, url = part.partition("=")
        try:
            region = Region(key.strip().lower())
        except ValueError:
            region = None
        url = url.strip().rstrip("/")
        problem = "it names no region na, eu or fe" if region is None else url_problem(url)
        if not sep or region is None or problem:
            raise ValidationError(
                f"{ENV_PREFIX}ENDPOINTS has a bad entry {part!r}: {problem or 'no = in it'}",
                hint="Use the form na=https://…,eu=https://…,fe=https://…",
            )
        endpoints[region] = url
    return endpoints


def api_settings(env: Mapping[str, str] | None = None) -> ApiSettings:
    """API settings from defaults overridden by SKILL_CONSOLE_* variables."""
    env = os.environ if env is None else env
    endpoints = parse_endpoints(env.get(ENV_PREFIX + "ENDPOINTS", ""))
    policy = retry_policy(env)
    timeout = _number(env, "TIMEOUT", 15.0, minimum=0.05)
    return ApiSettings(
        endpoints=endpoints, timeout=timeout, connect_timeout=min(timeout, 5.0), policy=policy
    )


def retry_policy(env: Mapping[str, str]) -> RetryPolicy:
    """Back-off and deadline, shared by the API and the login service."""
    return RetryPolicy(
        base=_number(env, "RETRY_BASE", 0.5, minimum=0.0),
        max_attempts=int(_number(env, "MAX_ATTEMPTS", 5, minimum=1)),
        deadline=_number(env, "DEADLINE", 60.0, minimum=0.1),
    )


def lwa_settings(env: Mapping[str, str] | None = None) -> LwaSettings:
    env = os.environ if env is None else env
    return LwaSettings(
        authorize_url=_url(env, "LWA_AUTHORIZE_URL", DEFAULT_AUTHORIZE_URL),
        token_url=_url(env, "LWA_TOKEN_URL", DEFAULT_TOKEN_URL),
        client_id=env.get(ENV_PREFIX + "CLIENT_ID") or None,
        client_secret=env.get(ENV_PREFIX + "CLIENT_SECRET") or None,
        timeout=_number(env, "TIMEOUT", 15.0, minimum=0.05),
        policy=retry_policy(env),
    )


def state_dir() -> Path:
    return Path(platformdirs.user_state_dir(APP_NAME))


class RuntimeState:
    """What the app learned (remembered endpoints), kept apart from user settings. Versioned."""

    VERSION = 1

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or state_dir() / "state.json"

    def endpoints(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != self.VERSION:
            return {}
        known = data.get("endpoints")
        if not isinstance(known, dict):
            return {}
        return {str(k): str(v) for k, v in known.items() if isinstance(v, str)}

    def save_endpoints(self, endpoints: Mapping[str, str]) -> None:
        """Atomic write; a failure to save only costs a rediscovery next time."""
        payload = json.dumps({"version": self.VERSION, "endpoints": dict(endpoints)}, indent=2)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".state-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            Path(tmp).replace(self.path)
        except OSError:
            return


def settings_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "settings.toml"


# Profile keys in settings.toml and the setting each one stands for.
PROFILE_KEYS = {
    "client_id": "CLIENT_ID",
    "redirect_port": "REDIRECT_PORT",
    "authorize_url": "LWA_AUTHORIZE_URL",
    "token_url": "LWA_TOKEN_URL",
    "endpoints": "ENDPOINTS",
    "timeout": "TIMEOUT",
    "max_attempts": "MAX_ATTEMPTS",
    "retry_base": "RETRY_BASE",
    "deadline": "DEADLINE",
}


PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")


def valid_profile_name(name: str) -> bool:
    return bool(PROFILE_NAME.fullmatch(name))


def profile_env(profile: str, path: Path | None = None) -> dict[str, str]:
    """A profile of settings.toml as SKILL_CONSOLE_* values (no secrets live there).

    [profiles.qa-eu]
    client_id = "amzn1.application-oa2-client.…"
    redirect_port = 53682
    endpoints = "na=https://api.amazonalexa.com,eu=https://api.eu.amazonalexa.com"
    """
    try:
        data = tomllib.loads((path or settings_path()).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(
            f"The settings file {path or settings_path()} cannot be read: {exc}",
            hint="Fix or remove the file; nothing was sent.",
        ) from None
    section = data.get("profiles", {}).get(profile, {})
    if not isinstance(section, dict):
        return {}
    return {
        ENV_PREFIX + env: str(section[key]) for key, env in PROFILE_KEYS.items() if key in section
    }


def list_profiles(path: Path | None = None) -> list[str]:
    """Profile names in settings.toml, with "default" always first."""
    try:
        data = tomllib.loads((path or settings_path()).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        data = {}
    names = [str(n) for n in data.get("profiles", {}) if n != "default"]
    return ["default", *sorted(names)]


def add_profile(name: str, path: Path | None = None) -> None:
    """Make sure settings.toml has a [profiles.NAME] section; the rest of the file (and the
    user's comments in it) is left exactly as it was."""
    target = path or settings_path()
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        known = tomllib.loads(text).get("profiles", {})
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(
            f"The settings file {target} cannot be read: {exc}",
            hint="Fix or remove the file; nothing was changed.",
        ) from None
    if name in known:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    separator = (
        "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    )
    with target.open("a", encoding="utf-8") as handle:
        handle.write(f"{separator}[profiles.{name}]\n")


def save_profiles(change: Callable[[dict[str, Any]], None], path: Path | None = None) -> None:
    """Read settings.toml, let `change` edit its profiles table, write it back atomically."""
    import tomli_w

    target = path or settings_path()
    try:
        data: dict[str, Any] = tomllib.loads(target.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    profiles = data.setdefault("profiles", {})
    change(profiles)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".settings-")
    with os.fdopen(fd, "wb") as handle:
        tomli_w.dump(data, handle)
    Path(tmp).replace(target)


def history_retention_days(path: Path | None = None) -> int | None:
    """`[history] retention_days` in settings.toml (None: the default, 90; 0 keeps all)."""
    try:
        data = tomllib.loads((path or settings_path()).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    days = data.get("history", {}).get("retention_days") if isinstance(data, dict) else None
    return days if isinstance(days, int) and not isinstance(days, bool) and days >= 0 else None
