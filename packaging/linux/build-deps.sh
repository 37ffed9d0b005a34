#!/usr/bin/env bash
# Debian packages the Linux build needs: the tools, and the system libraries Qt's xcb/Wayland
# plugins link to (PyInstaller bundles what it finds; what it cannot find, the bundle lacks).
# Usage: packaging/linux/build-deps.sh [--check]   (installs what is missing; root or sudo)
set -euo pipefail
DEBS=(
    # tools: readelf/strip, dpkg-shlibdeps, the .run, compression, Python for uv
    binutils dpkg-dev makeself xz-utils python3
    # libraries of Qt's platform plugins
    libegl1 libgl1 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3
    libxkbcommon0 libxkbcommon-x11-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-glx0
    libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
    libxcb-render0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-xkb1
    libwayland-client0 libwayland-cursor0 libwayland-egl1
)
# PyInstaller needs the interpreter's shared library; Debian ships it apart from python3.
if libpython="$(python3 -c 'import sys; print("libpython%d.%d" % sys.version_info[:2])' 2>/dev/null)" &&
    apt-cache show "$libpython" >/dev/null 2>&1; then
    DEBS+=("$libpython")
fi
missing=()
for deb in "${DEBS[@]}"; do
    dpkg-query -W -f '${Status}' "$deb" 2>/dev/null | grep -q "install ok installed" || missing+=("$deb")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "${1:-}" = --check ]; then
    echo "missing Debian packages: ${missing[*]} (run packaging/linux/build-deps.sh as root)" >&2
    exit 1
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
