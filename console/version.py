"""The one version, pyproject.toml's: from the installed metadata, or a frozen bundle's stamp."""

from __future__ import annotations

from pathlib import Path

DIST = "skill-enablement-console"
# Written beside this module by packaging/skill-console.spec from pyproject.toml; a bundle has no
# installed metadata to read.
STAMP = Path(__file__).with_name("VERSION")


def version() -> str:
    try:
        stamped = STAMP.read_text(encoding="utf-8").strip()
    except OSError:
        stamped = ""
    if stamped:
        return stamped
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as metadata_version

    try:
        return metadata_version(DIST)
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"
