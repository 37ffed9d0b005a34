"""Input checks that run before any request is built: nothing invalid is ever sent."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from console.api.errors import ValidationError

if TYPE_CHECKING:
    from console.api.models import Stage

__all__ = [
    "check_auth_code",
    "check_code_verifier",
    "check_redirect_uri",
    "check_skill_id",
    "check_stage",
    "is_loopback_url",
    "skill_id_problem",
]

_SKILL_ID_CHARS = re.compile(r"[A-Za-z0-9._-]+")
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
MAX_SKILL_ID = 255
MAX_AUTH_CODE = 2048
MAX_REDIRECT_URI = 2048


def skill_id_problem(skill_id: str) -> str | None:
    """Why `skill_id` is not an acceptable skill ID, or None. Used for as-you-type hints too."""
    if not skill_id:
        return "Enter a skill ID (it starts with amzn1.)."
    if len(skill_id) > MAX_SKILL_ID:
        return f"A skill ID has at most {MAX_SKILL_ID} characters (this one has {len(skill_id)})."
    if skill_id != skill_id.strip():
        return "Remove the spaces around the skill ID."
    if not _SKILL_ID_CHARS.fullmatch(skill_id):  # (one match per call: every request checks)
        bad = sorted({c for c in skill_id if not _SKILL_ID_CHARS.fullmatch(c)})
        shown = " ".join(repr(c) for c in bad[:5])
        return f"A skill ID may only hold letters, digits, '.', '_' and '-' (found {shown})."
    if not skill_id.startswith("amzn1."):
        return "A skill ID starts with 'amzn1.' (for example amzn1.ask.skill.…)."
    if ".." in skill_id:
        return "A skill ID may not contain '..'."
    if skill_id == "amzn1.":
        return "The skill ID is incomplete: amzn1. must be followed by the rest of the ID."
    return None


def check_skill_id(skill_id: str) -> str:
    problem = skill_id_problem(skill_id)
    if problem:
        raise ValidationError(f"Invalid skill ID: {problem}")
    return skill_id


def check_stage(stage: str | Stage) -> Stage:
    # Imported here: the window checks skill IDs as you type before the API models load.
    from console.api.models import Stage

    try:
        return Stage(stage)
    except ValueError:
        raise ValidationError(
            f"Invalid stage {str(stage)!r}: use 'development' or 'live' (lower case)."
        ) from None


def is_loopback_url(url: str) -> bool:
    """Whether `url` names this machine (the sandbox, or a test server)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_redirect_uri(uri: str, *, loopback_http: bool = False) -> str:
    """Absolute https; http on loopback only with `loopback_http` (talking to the sandbox)."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
        port = parts.port
    except ValueError:
        raise ValidationError(
            "Invalid redirect URI: it is not a usable address (is the port 1-65535?)."
        ) from None
    if (
        not host
        or parts.fragment
        or "#" in uri
        or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in uri)
        or len(uri) > MAX_REDIRECT_URI
    ):
        raise ValidationError(
            "Invalid redirect URI: give the absolute URL used to obtain the partner code "
            f"(https://…, no spaces or #, at most {MAX_REDIRECT_URI} characters)."
        )
    if port == 0:
        raise ValidationError("Invalid redirect URI: port 0 cannot be reached (use 1-65535).")
    if parts.username is not None or parts.password is not None:
        raise ValidationError("Invalid redirect URI: it must not contain a user name or password.")
    if parts.scheme == "https":
        return uri
    if parts.scheme == "http" and loopback_http and is_loopback_url(uri):
        return uri
    where = " (http is accepted only on 127.0.0.1/localhost with the sandbox)"
    raise ValidationError(f"Invalid redirect URI: it must be https{where}.")


def check_code_verifier(verifier: str | None) -> str | None:
    if verifier is None or verifier == "":
        return None
    if not _VERIFIER.fullmatch(verifier):
        raise ValidationError(
            "Invalid code verifier: it must be 43–128 characters of letters, digits and - . _ ~."
        )
    return verifier


def check_auth_code(code: str) -> str:
    if not code or not code.strip():
        raise ValidationError("The partner authorization code is empty: get a fresh code first.")
    if len(code) > MAX_AUTH_CODE:
        raise ValidationError(
            f"The partner authorization code is {len(code)} characters long, more than any "
            f"real code ({MAX_AUTH_CODE}): copy the code alone."
        )
    # OAuth codes are printable ASCII without spaces in practice; anything else is a paste error.
    if not code.isascii() or not code.isprintable() or any(c.isspace() for c in code):
        raise ValidationError(
            "The partner authorization code contains spaces, control or non-ASCII characters: "
            "copy the code alone."
        )
    return code
