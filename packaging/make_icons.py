"""Render resources/icons/skill-console.svg into the Windows .ico and macOS .icns the spec uses.

Usage: uv run python packaging/make_icons.py OUT_DIR   (Qt's own SVG, ICO and ICNS plugins)
       uv run python packaging/make_icons.py --png     (the window icon's PNGs, committed in
       resources/icons: the window loads PNGs, not Qt's SVG module, at start; see about.py)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "skill-console.svg"
PNG_SIZES = (16, 32, 48, 256)  # title bar, task bar, switcher; Qt scales between them


def main(out_dir: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QGuiApplication, QIcon, QImageWriter

    app = QGuiApplication([])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    icon = QIcon(str(SVG))
    formats = (("skill-console.ico", b"ico", 256), ("skill-console.icns", b"icns", 1024))
    for name, fmt, size in formats:
        image = icon.pixmap(QSize(size, size)).toImage()
        writer = QImageWriter(str(out / name), fmt)
        if not writer.write(image):
            print(f"make_icons: {name}: {writer.errorString()}", file=sys.stderr)
            return 1
    png = out / "skill-console.png"
    icon.pixmap(QSize(256, 256)).save(str(png))
    del app
    return 0


def window_pngs() -> int:
    """resources/icons/skill-console-<size>.png from the SVG (run after changing the SVG)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QGuiApplication, QIcon

    app = QGuiApplication([])
    icon = QIcon(str(SVG))
    for size in PNG_SIZES:
        out = SVG.with_name(f"skill-console-{size}.png")
        if not icon.pixmap(QSize(size, size)).save(str(out)):
            print(f"make_icons: could not write {out}", file=sys.stderr)
            return 1
    del app
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--png"]:
        sys.exit(window_pngs())
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/icons"))
