#!/usr/bin/env bash
# Builds the Linux artefacts from the current source, always from a clean work directory:
#   dist/skill-console_<version>_<arch>.deb    Debian 12 / Ubuntu 22.04 or newer (root installs it)
#   dist/skill-console-<version>-<arch>.run    self-extracting per-user installer (no root)
# Usage: packaging/linux/build.sh   (any directory; needs uv, binutils, dpkg-dev, makeself, xz)
# Build on the oldest base you support (Debian 12 here and in CI): the bundle needs that glibc.
set -euo pipefail
cd "$(dirname "$0")/../.."
top="$PWD"
log() { printf '\n== %s\n' "$*" >&2; }
bash packaging/linux/build-deps.sh # what the build lacks, from Debian's archive (sudo if not root)

version="$(uv run --no-project python packaging/version.py)"
arch="$(dpkg --print-architecture)"
work="$top/build/linux"
bundle="$top/dist/skill-console"
deb="$top/dist/skill-console_${version}_${arch}.deb"
run="$top/dist/skill-console-${version}-${arch}.run"

log "PyInstaller bundle ${version} (clean)"
rm -rf build/pyinstaller "$work" "$bundle" "$deb" "$run"
mkdir -p "$work" dist
uv sync --locked --group packaging --quiet
uv run --locked --group packaging pyinstaller --noconfirm --clean --log-level WARN \
    --workpath build/pyinstaller --distpath dist packaging/skill-console.spec
ln -s skill-console "$bundle/skillctl" # one executable; packaging/launcher.py reads the name

log "the bundle says it is ${version}"
for exe in skill-console skillctl; do
    said="$("$bundle/$exe" --version)"
    [ "$said" = "$exe $version" ] || {
        echo "$exe --version says '$said', not '$exe $version'" >&2
        exit 1
    }
done

log ".deb"
root="$work/deb/skill-console"
install -d "$root/DEBIAN" "$root/opt/skill-console" "$root/usr/bin" \
    "$root/usr/share/applications" "$root/usr/share/icons/hicolor/scalable/apps" \
    "$root/usr/share/doc/skill-console"
cp -a "$bundle/." "$root/opt/skill-console/"
ln -s /opt/skill-console/skill-console "$root/usr/bin/skill-console"
ln -s /opt/skill-console/skillctl "$root/usr/bin/skillctl"
install -m 644 resources/skill-console.desktop "$root/usr/share/applications/"
install -m 644 resources/icons/skill-console.svg "$root/usr/share/icons/hicolor/scalable/apps/"
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: skill-enablement-console"
    echo "Comment: /opt/skill-console bundles Python, Qt (PySide6, LGPL-3.0) and the Python"
    echo " packages pinned in uv.lock, each under its own licence (their licence files are in"
    echo " /opt/skill-console/_internal/*.dist-info where they ship one)."
    echo
    echo "Files: *"
    echo "Copyright: Skill Enablement Console maintainers"
    echo "License: MIT"
    sed -e 's/^$/./' -e 's/^/ /' LICENSE
} >"$root/usr/share/doc/skill-console/copyright"

# Depends: what the bundle's ELF files need from the system, computed by dpkg-shlibdeps; libc6
# (>= …) comes from the newest glibc symbol version any file uses. The libraries the bundle
# carries are found both inside it and on this machine, so the packages that ship them here are
# excluded (-x), unless the bundle also needs another of their libraries from the system.
mkdir -p "$work/deb/debian"
printf 'Source: skill-console\n\nPackage: skill-console\nArchitecture: any\n' \
    >"$work/deb/debian/control"
mapfile -t elves < <(find "$root/opt" -type f -exec sh -c \
    'for f; do [ "$(head -c 4 "$f" | tail -c 3)" = ELF ] && echo "$f"; done; true' sh {} +)
mapfile -t libdirs < <(printf '%s\n' "${elves[@]}" | xargs -n1 dirname | sort -u | sed 's/^/-l/')
find "$root/opt" -name 'lib*.so*' -printf '%f\n' | sort -u >"$work/bundled"
for f in "${elves[@]}"; do
    readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
done | sort -u | comm -23 - "$work/bundled" >"$work/from-system"
packages_of() { # sonames on stdin; a soname no package ships (ours) is skipped
    while read -r so; do { dpkg -S "*/$so" 2>/dev/null || true; } | cut -d: -f1; done | sort -u
}
mapfile -t excluded < <(comm -23 <(packages_of <"$work/bundled") <(packages_of <"$work/from-system"))
substvars="$(cd "$work/deb" && dpkg-shlibdeps -O --warnings=0 "${libdirs[@]}" \
    "${excluded[@]/#/-x}" -e "${elves[@]}" 2>"$work/shlibdeps.log")" || {
    cat "$work/shlibdeps.log" >&2
    exit 1
}
depends="$(sed -n 's/^shlibs:Depends=//p' <<<"$substvars")"
[ -n "$depends" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
installed_kb="$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)"
cat >"$root/DEBIAN/control" <<CONTROL
Package: skill-console
Version: ${version}
Architecture: ${arch}
Maintainer: Skill Enablement Console maintainers <noreply@example.invalid>
Installed-Size: ${installed_kb}
Depends: ${depends}
Section: devel
Priority: optional
Description: Alexa Skill Enablement console (desktop app and skillctl)
 Enable, disable and check Alexa skills by stage; look up a customer's skill and
 account-linking status. Ships an embedded sandbox (skill-console --sandbox).
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null

log ".run (makeself: a self-extracting per-user installer, no root)"
payload="$work/run/skill-console"
install -d "$payload"
cp -a "$bundle" "$payload/app"
install -m 644 resources/skill-console.desktop resources/icons/skill-console.svg LICENSE \
    "$payload/"
install -m 755 packaging/linux/run-install.sh "$payload/install.sh"
echo "$version" >"$payload/VERSION"
makeself --quiet --xz --threads 0 --tar-quietly --nox11 --sha256 "$payload" "$run" \
    "Skill Enablement Console ${version}" ./install.sh

log "built"
mb() { echo "$(($1 / 1024)).$(($1 % 1024 * 10 / 1024))"; }
printf '%-60s %6s MiB\n' \
    "${deb#"$top"/}" "$(mb "$(du -k --apparent-size "$deb" | cut -f1)")" \
    "  Installed-Size" "$(mb "$installed_kb")" \
    "${run#"$top"/}" "$(mb "$(du -k --apparent-size "$run" | cut -f1)")"
echo "Depends: $depends"
