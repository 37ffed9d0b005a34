#!/usr/bin/env bash
# The Linux smoke test in a clean Debian 12 root, as CI runs it in a debian:12 container: a fresh
# copy of a minimal debootstrap root gets the artefacts, `dpkg -i` meets an empty system, apt
# brings the declared Depends (and nothing else), and packaging/linux/smoke-test.sh runs inside.
# Usage: sudo packaging/linux/clean-root-test.sh   (after build.sh; needs debootstrap, and the
# Debian mirror this machine's apt uses; the base root is made once in build/clean-root-base)
set -euo pipefail
cd "$(dirname "$0")/../.."
base="build/clean-root-base"
mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)"
if [ ! -x "$base/bin/sh" ]; then
    [ -n "$mirror" ] || { echo "no Debian mirror in /etc/apt/sources.list.d/debian.sources" >&2; exit 1; }
    debootstrap --variant=minbase bookworm "$base" "$mirror"
fi
root="$(mktemp -d)"
cleanup() {
    umount "$root/dev" "$root/proc" 2>/dev/null || true
    rm -rf --one-file-system "$root"
}
trap cleanup EXIT
cp -a "$base/." "$root/"
mkdir -p "$root/work/packaging/linux" "$root/work/dist"
cp pyproject.toml "$root/work/"
cp packaging/linux/smoke-test.sh "$root/work/packaging/linux/"
cp dist/*.deb dist/*.run "$root/work/dist/"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
# xz is what the .run itself needs (documented); it installs nothing the .deb could lean on.
chroot "$root" /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends xz-utils >/dev/null'
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    /bin/bash -c 'cd /work && packaging/linux/smoke-test.sh'
