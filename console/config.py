"""Where settings come from: environment overrides, the sandbox, and runtime state on disk.

Secrets never pass through here to disk: the runtime state file holds only remembered
endpoints keyed by a hash of the login, and settings hold no tokens.
"""

from __future__ import annotations

import ipaddress
import json
import math
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


# Numeric settings: (least, most, whole number only). Past the bounds a value is a typo or an
# attack (1e400 is inf; nan compares false to everything), never a wish.
NUMBERS: dict[str, tuple[float, float, bool]] = {
    "TIMEOUT": (0.05, 600.0, False),  # seconds per request
    "MAX_ATTEMPTS": (1, 100, True),
    "RETRY_BASE": (0.0, 60.0, False),  # seconds
    "DEADLINE": (0.1, 86400.0, False),  # seconds per user action
}


def number_problem(name: str, value: object) -> str | None:
    """Why `value` cannot be the numeric setting `name` (a NUMBERS key), or None."""
    least, most, whole = NUMBERS[name]
    if isinstance(value, bool):
        return "it is not a number"
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return "it is not a number"
    if not isinstance(value, int | float):
        return "it is not a number"
    if not math.isfinite(value):
        return "it is not a finite number"
    if whole and value != int(value):
        return "it is not a whole number"
    if not least <= value <= most:
        return f"it is outside {least:g}..{most:g}"
    return None


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(ENV_PREFIX + name)
    if raw is None or raw.strip() == "":
        return default
    problem = number_problem(name, raw)
    if problem:
        least, most, _ = NUMBERS[name]
        raise ValidationError(
            f"{ENV_PREFIX}{name}={raw!r} is not usable: {problem}",
            hint=f"Set {ENV_PREFIX}{name} to a number from {least:g} to {most:g}, or unset it.",
        )
    return float(raw)


def is_loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost: traffic that never leaves this machine."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_USERINFO = re.compile(r"(?<=//)[^/\s]*@")  # up to the last @ of the host part


def shown(text: str) -> str:
    """`text` (an address, or a setting that holds some) with any user:password@ hidden: a
    refused address is named in the error, its credentials never are."""
    return _USERINFO.sub("[redacted]@", text)


def url_problem(url: str, *, base_only: bool = False) -> str | None:
    """Why `url` cannot be used as a service address (None if it can).

    Tokens, client secrets and bearer tokens go to these addresses, so they must be https; plain
    http only for this machine (the sandbox). `base_only`: an API base has no path or query."""
    if not url.startswith(("http://", "https://")):
        return "it must start with https://"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when out of range
    except ValueError as exc:
        return f"it is not a usable address ({exc})"
    if not parts.hostname:
        return "it has no host name"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "it contains spaces or control characters"
    if port == 0:
        return "port 0 cannot be reached"
    if parts.username is not None or parts.password is not None:
        return "it must not contain a user name or password"
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        return "it must be https (plain http is allowed only for 127.0.0.1, ::1 and localhost)"
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return "it must not have a query (?…) or fragment (#…)"
    if base_only and parts.path not in ("", "/"):
        return f"it must be the bare address, without the path {parts.path!r}"
    return None


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    url = env.get(ENV_PREFIX + name) or default
    problem = url_problem(url)
    if problem:
        raise ValidationError(
            f"{ENV_PREFIX}{name}={shown(url)!r} is not usable: {problem}",
            hint=f"Set {ENV_PREFIX}{name} to an address such as {default}, or unset it; "
            "nothing was sent.",
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
        url = url.strip()
        problem = (
            "it names no region na, eu or fe"
            if region is None
            else url_problem(url, base_only=True)
        )
        if not sep or region is None or problem:
            raise ValidationError(
                f"{ENV_PREFIX}ENDPOINTS has a bad entry {shown(part)!r}: {problem or 'no = in it'}",
                hint="Use the form na=https://…,eu=https://…,fe=https://… (https, no path); "
                "nothing was sent.",
            )
        endpoints[region] = url.rstrip("/")
    return endpoints


def api_settings(env: Mapping[str, str] | None = None) -> ApiSettings:
    """API settings from defaults overridden by SKILL_CONSOLE_* variables."""
    env = os.environ if env is None else env
    endpoints = parse_endpoints(env.get(ENV_PREFIX + "ENDPOINTS", ""))
    policy = retry_policy(env)
    timeout = _number(env, "TIMEOUT", 15.0)
    return ApiSettings(
        endpoints=endpoints, timeout=timeout, connect_timeout=min(timeout, 5.0), policy=policy
    )


def retry_policy(env: Mapping[str, str]) -> RetryPolicy:
    """Back-off and deadline, shared by the API and the login service."""
    return RetryPolicy(
        base=_number(env, "RETRY_BASE", 0.5),
        max_attempts=int(_number(env, "MAX_ATTEMPTS", 5)),
        deadline=_number(env, "DEADLINE", 60.0),
    )


def lwa_settings(env: Mapping[str, str] | None = None) -> LwaSettings:
    env = os.environ if env is None else env
    return LwaSettings(
        authorize_url=_url(env, "LWA_AUTHORIZE_URL", DEFAULT_AUTHORIZE_URL),
        token_url=_url(env, "LWA_TOKEN_URL", DEFAULT_TOKEN_URL),
        client_id=env.get(ENV_PREFIX + "CLIENT_ID") or None,
        client_secret=env.get(ENV_PREFIX + "CLIENT_SECRET") or None,
        timeout=_number(env, "TIMEOUT", 15.0),
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


def _read_settings(path: Path) -> dict[str, Any]:
    """settings.toml as a table; a file that is not UTF-8 TOML is a ValidationError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        why = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc)
        raise ValidationError(
            f"The settings file {path} cannot be read: {why}",
            hint="Fix or remove the file (it must be UTF-8 TOML); nothing was sent.",
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(
            f"The settings file {path} cannot be read: {exc}",
            hint="Fix or remove the file; nothing was sent.",
        ) from None


def _profiles_table(data: dict[str, Any], path: Path) -> dict[str, Any]:
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ValidationError(
            f"'profiles' in the settings file {path} is not a table of profiles",
            hint="Write each profile as a [profiles.NAME] section (not profiles = … or "
            "[[profiles]]); nothing was sent.",
        )
    return profiles


def _setting_value(key: str, value: object) -> str | None:
    """`value` of the profile key `key` as an environment string, or None if it is unusable."""
    env = PROFILE_KEYS[key]
    if env in NUMBERS:
        return None if number_problem(env, value) else str(value)
    if key == "redirect_port":
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value)  # a quoted port, as quoted numbers are taken elsewhere
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535
        return str(value) if ok else None
    if not isinstance(value, str):
        return None
    if key in ("authorize_url", "token_url") and url_problem(value):
        return None
    if key == "endpoints":
        try:
            parse_endpoints(value)
        except ValidationError:
            return None
    return value


def _setting_problem(key: str, value: object) -> str:
    env = PROFILE_KEYS[key]
    if env in NUMBERS:
        least, most, _ = NUMBERS[env]
        return f"{number_problem(env, value)}; use a number from {least:g} to {most:g}"
    if key == "redirect_port":
        return "use a whole number from 0 to 65535"
    if not isinstance(value, str):
        return "use a quoted string"
    if key == "endpoints":
        try:
            parse_endpoints(value)
        except ValidationError as exc:
            return exc.message.split(": ", 1)[-1]
    return str(url_problem(value))


def profile_env(profile: str, path: Path | None = None) -> dict[str, str]:
    """A profile of settings.toml as SKILL_CONSOLE_* values (no secrets live there).

    [profiles.qa-eu]
    client_id = "amzn1.application-oa2-client.…"
    redirect_port = 53682
    endpoints = "na=https://api.amazonalexa.com,eu=https://api.eu.amazonalexa.com"
    """
    target = path or settings_path()
    section = _profiles_table(_read_settings(target), target).get(profile, {})
    if not isinstance(section, dict):
        raise ValidationError(
            f"profiles.{profile} in the settings file {target} is not a table",
            hint=f"Write it as a [profiles.{profile}] section; nothing was sent.",
        )
    env: dict[str, str] = {}
    for key, name in PROFILE_KEYS.items():
        if key not in section:
            continue
        value = _setting_value(key, section[key])
        if value is None:
            raise ValidationError(
                f"{key} = {shown(repr(section[key]))} in [profiles.{profile}] of the settings file "
                f"{target} is not usable: {_setting_problem(key, section[key])}",
                hint="Fix or remove that line; nothing was sent.",
            )
        env[ENV_PREFIX + name] = value
    return env


def list_profiles(path: Path | None = None) -> list[str]:
    """Profile names in settings.toml, with "default" always first."""
    target = path or settings_path()
    try:
        profiles = _profiles_table(_read_settings(target), target)
    except ValidationError:
        profiles = {}  # said where a profile is used (profile_env); the list still shows
    names = [str(n) for n in profiles if n != "default"]
    return ["default", *sorted(names)]


def add_profile(name: str, path: Path | None = None) -> None:
    """Make sure settings.toml has a [profiles.NAME] section; the rest of the file (and the
    user's comments in it) is left exactly as it was."""
    target = path or settings_path()
    known = _profiles_table(_read_settings(target), target)
    if name in known:
        return
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
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
    data = _read_settings(target)
    profiles = _profiles_table(data, target)
    data["profiles"] = profiles
    change(profiles)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".settings-")
    with os.fdopen(fd, "wb") as handle:
        tomli_w.dump(data, handle)
    Path(tmp).replace(target)


def history_retention_days(path: Path | None = None) -> int | None:
    """`[history] retention_days` in settings.toml (None: the default, 90; 0 keeps all).

    A value that cannot be read (a typo, "forever", -1, a broken file) keeps everything:
    pruning is the one thing here that deletes, so it never happens on a guess."""
    try:
        data = tomllib.loads((path or settings_path()).read_text(encoding="utf-8"))
    except OSError:
        return None
    except tomllib.TOMLDecodeError:
        return 0
    section = data.get("history")
    if not isinstance(section, dict) or "retention_days" not in section:
        return None
    days = section["retention_days"]
    return days if isinstance(days, int) and not isinstance(days, bool) and days >= 0 else 0
