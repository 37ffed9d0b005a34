#!/usr/bin/env bash
# Builds "Skill Enablement Console.app" with PyInstaller and wraps it in a .dmg (macOS only).
# Usage: packaging/macos/build-dmg.sh [VERSION]   (run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
version="${1:-0.1.0}"
uv run --with pyinstaller pyinstaller --noconfirm --windowed \
    --name "Skill Enablement Console" --osx-bundle-identifier dev.skillconsole.app \
    --add-data "console/sandbox/seed.json:console/sandbox" \
    --hidden-import qasync --hidden-import uvicorn.loops.asyncio \
    --hidden-import uvicorn.protocols.http.h11_impl console/app.py
app="dist/Skill Enablement Console.app"
"$app/Contents/MacOS/Skill Enablement Console" --self-test
hdiutil create -volname "Skill Enablement Console" -srcfolder "$app" -ov -format UDZO \
    "dist/skill-console-${version}.dmg"
