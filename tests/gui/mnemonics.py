"""The Alt+letter keys a widget offers (buttons, buddied labels, group boxes)."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget


def mnemonics(root: QWidget) -> list[str]:
    texts = [w.text() for w in root.findChildren(QAbstractButton)]
    texts += [w.text() for w in root.findChildren(QLabel) if w.buddy()]
    texts += [w.title() for w in root.findChildren(QGroupBox)]
    return [m.lower() for t in texts for m in re.findall(r"&([^&\s])", t)]
