"""Input checks that run before any request is built: nothing invalid is ever sent."""

from __future__ import annotations

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
    "skill_id_problem",
]

_SKILL_ID_CHARS = re.compile(r"[A-Za-z0-9._-]+")
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_SKILL_ID = 255


def skill_id_problem(skill_id: str) -> str | None:
    """Why `skill_id` is not an acceptable skill ID, or None. Used for as-you-type hints too."""
    if not skill_id:
        return "Enter a skill ID (it starts with amzn1.)."
    if len(skill_id) > MAX_SKILL_ID:
        return f"A skill ID has at most {MAX_SKILL_ID} characters (this one has {len(skill_id)})."
    if skill_id != skill_id.strip():
        return "Remove the spaces around the skill ID."
    bad = sorted({c for c in skill_id if not _SKILL_ID_CHARS.fullmatch(c)})
    if bad:
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


def check_redirect_uri(uri: str) -> str:
    """Absolute https, or http on loopback (the sandbox)."""
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if parts is None or not host or parts.fragment or any(c.isspace() for c in uri):
        raise ValidationError(
            "Invalid redirect URI: give the absolute URL used to obtain the partner code "
            "(https://…)."
        )
    if parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK):
        return uri
    raise ValidationError(
        "Invalid redirect URI: it must be https (http is accepted only on 127.0.0.1/localhost)."
    )


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
    if code != code.strip() or any(ord(c) < 32 for c in code):
        raise ValidationError("The partner authorization code contains spaces or control chars.")
    return code
