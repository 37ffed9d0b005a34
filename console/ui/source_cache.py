"""Keep PySide6's import hook from filling `linecache` with the source of every module.

PySide6 replaces `__import__` and, for each Python module imported after it, reads the module's
whole source (`inspect.getsource`) to see whether it mentions "PySide6" (PYSIDE-2029, its
`__feature__` switch). `linecache` keeps every file it read: after start-up that is some 300
files, about 10 MiB of strings held for tracebacks nobody asked for. The same question is
answered from the file's bytes (~0.1 ms a module instead of ~0.15-1 ms: ~35 modules before
the complete window); a module without a `.py` file that can be read (a bundle's, a builtin's)
goes to PySide6's own check, and the cache entries that check made are dropped again.
"""

from __future__ import annotations

import linecache
import sys
from collections.abc import Callable
from types import ModuleType

_HOOK = "shibokensupport.feature"


def stop_source_caching() -> bool:
    """Wrap the hook's source check; False if this PySide6 has no such hook (nothing to do)."""
    feature = sys.modules.get(_HOOK)
    check = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(check) or getattr(check, "_uncached", False):
        return False
    feature._mod_uses_pyside = _uncached(check)  # type: ignore[attr-defined]
    return True


def _uncached(check: Callable[[ModuleType], bool]) -> Callable[[ModuleType], bool]:
    def uses_pyside(module: ModuleType) -> bool:
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.endswith(".py"):
            try:
                with open(path, "rb") as source:  # (the text's "PySide6" is these bytes)
                    return b"PySide6" in source.read()
            except OSError:
                pass  # PySide6's check says what it says of a file it cannot read
        before = set(linecache.cache)
        try:
            return check(module)
        finally:
            for name in set(linecache.cache) - before:  # only what this check added
                linecache.cache.pop(name, None)

    uses_pyside._uncached = True  # type: ignore[attr-defined]
    return uses_pyside
