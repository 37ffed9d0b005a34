#!/usr/bin/env bash
# Wraps the PyInstaller folder (dist/skill-console) into a .deb and smoke-tests it.
# Usage: packaging/linux/build-deb.sh [VERSION]   (run from the repository root)
set -euo pipefail
cd "$(dirname "$0")/../.."
version="${1:-$(uv run python -c 'import importlib.metadata as m; print(m.version("skill-enablement-console"))')}"
arch="$(dpkg --print-architecture)"
[ -d dist/skill-console ] || uv run --with pyinstaller pyinstaller --noconfirm packaging/skill-console.spec
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
install -d "$root/DEBIAN" "$root/opt/skill-console" "$root/usr/bin" \
    "$root/usr/share/applications" "$root/usr/share/icons/hicolor/scalable/apps"
cp -a dist/skill-console/. "$root/opt/skill-console/"
ln -s /opt/skill-console/skill-console "$root/usr/bin/skill-console"
ln -s /opt/skill-console/skillctl "$root/usr/bin/skillctl"
install -m 644 resources/skill-console.desktop "$root/usr/share/applications/"
install -m 644 resources/icons/skill-console.svg "$root/usr/share/icons/hicolor/scalable/apps/"
cat > "$root/DEBIAN/control" <<CONTROL
Package: skill-console
Version: ${version}
Architecture: ${arch}
Maintainer: Skill Enablement Console maintainers <noreply@example.invalid>
Depends: libegl1, libgl1, libxkbcommon0, libfontconfig1, libglib2.0-0, libdbus-1-3, libxcb-cursor0
Section: devel
Priority: optional
Description: Alexa Skill Enablement console (desktop app and skillctl)
 Enable, disable and check Alexa skills by stage; look up a customer's skill and
 account-linking status. Ships an embedded sandbox (skill-console --sandbox).
CONTROL
out="dist/skill-console_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$out"
# The installer's own smoke test: one round trip against the embedded sandbox.
QT_QPA_PLATFORM=offscreen "$root/opt/skill-console/skill-console" --self-test
echo "$out"
