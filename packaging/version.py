"""Print the project's version: pyproject.toml is the only place it is written.

Usage: python3 packaging/version.py   (Python 3.11+; the build scripts name artefacts with it)
"""

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

if __name__ == "__main__":
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    sys.stdout.write(project["version"] + "\n")
