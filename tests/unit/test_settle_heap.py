"""Start-up's heap: its garbage collected, the rest frozen, so that a full collection later
scans only what came after (console.app.settle_heap)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from console.app import settle_heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the suite's objects back under the collector


def test_start_up_garbage_is_freed_and_the_rest_is_frozen(unfrozen: None) -> None:
    garbage = Node()
    freed = weakref.ref(garbage)
    kept = [Node()]  # still in use: frozen, not freed
    del garbage
    settle_heap()
    assert freed() is None
    assert gc.get_freeze_count() > 0
    assert all(not gc.is_finalized(n) for n in kept)
    later = Node()  # made after: the collector still sees it
    assert any(o is later for o in gc.get_objects())
