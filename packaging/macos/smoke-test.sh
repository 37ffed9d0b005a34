#!/usr/bin/env bash
# Installs the .dmg as a user would (mount, copy the app), then checks it from there:
# `skill-console --self-test` with closed standard streams, both `--version`s, the start time.
# Usage: packaging/macos/smoke-test.sh dist/skill-console-<version>-macos-<arch>.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."
dmg="$1"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -n 1)"
scratch="$(mktemp -d)"
mount="$scratch/mnt"
cleanup() { hdiutil detach "$mount" -quiet 2>/dev/null || true; rm -rf "$scratch"; }
trap cleanup EXIT
echo "size: $(du -h "$dmg" | cut -f1)"
hdiutil attach "$dmg" -nobrowse -readonly -mountpoint "$mount" -quiet
mkdir -p "$scratch/Applications"
cp -R "$mount/Skill Enablement Console.app" "$scratch/Applications/"
hdiutil detach "$mount" -quiet
bin="$scratch/Applications/Skill Enablement Console.app/Contents/MacOS"
echo "installed: $(du -sh "$scratch/Applications" | cut -f1)"
for exe in skill-console skillctl; do
    said="$("$bin/$exe" --version)"
    [ "$said" = "$exe $version" ] || { echo "FAIL: $exe --version says '$said'" >&2; exit 1; }
    echo "ok: $said"
done
export XDG_CONFIG_HOME="$scratch/config"
start="$(python3 -c 'import time; print(time.time())')"
"$bin/skill-console" --self-test 0<&- 1>&- 2>&-
echo "ok: skill-console --self-test with closed streams in $(python3 -c "import time; print(round((time.time() - $start) * 1000))") ms"
"$bin/skill-console" --self-test
