#!/usr/bin/env bash
# Installs the built Linux artefacts as a user would and checks them from where they landed:
#   .deb  dpkg -i (root; missing Depends come from apt), run, then dpkg -r
#   .run  a per-user install into a throw-away HOME, run, then its uninstall.sh
# Each: `skill-console --self-test` and `skillctl --sandbox status` with stdin/stdout/stderr
# closed, both `--version`s against pyproject.toml, and (with xvfb-run) a first paint on a real X
# server under a window manager. Prints the sizes and the self-test's wall time.
# Usage: packaging/linux/smoke-test.sh [--deb-only|--run-only]   after packaging/linux/build.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
top="$PWD"
what="${1:-all}"
# pyproject.toml's version, without Python: a clean container of the target has none.
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -n 1)"
arch="$(dpkg --print-architecture 2>/dev/null || uname -m)"
deb="$top/dist/skill-console_${version}_${arch}.deb"
run="$top/dist/skill-console-${version}-${arch}.run"
skill="amzn1.ask.skill.00000000-0000-4000-8000-000000000001" # the sandbox's demo skill
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export XDG_CONFIG_HOME="$scratch/config" XDG_STATE_HOME="$scratch/state" XDG_CACHE_HOME="$scratch/cache"
failures=0
log() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ms() { date +%s%3N; }
mib() { echo "$(($1 / 1048576)).$(($1 % 1048576 * 10 / 1048576)) MiB"; }

# check DIR: the two commands from an installed location.
check() {
    local bin="$1" code start took
    for exe in skill-console skillctl; do
        [ "$("$bin/$exe" --version)" = "$exe $version" ] && echo "ok: $exe --version = $version" \
            || fail "$bin/$exe --version does not say $version"
    done
    start="$(ms)"
    code=0
    "$bin/skill-console" --self-test 0<&- 1>&- 2>&- || code=$?
    took=$(($(ms) - start))
    [ "$code" -eq 0 ] && echo "ok: skill-console --self-test, streams closed: exit 0 in ${took} ms" \
        || fail "skill-console --self-test with closed streams exited $code"
    code=0
    "$bin/skillctl" --sandbox status "$skill" 0<&- 1>&- 2>&- || code=$?
    [ "$code" -eq 4 ] && echo "ok: skillctl --sandbox status, streams closed: exit 4 (not enabled)" \
        || fail "skillctl --sandbox status with closed streams exited $code (want 4)"
    echo "self-test says: $("$bin/skill-console" --self-test 2>/dev/null)"
    if command -v xvfb-run >/dev/null; then
        # A first paint on a real X server (xcb platform, window manager running), then exit.
        local out
        if out="$(xvfb-run -a -s "-screen 0 1280x1024x24" sh -c '
            command -v openbox >/dev/null && { openbox >/dev/null 2>&1 & wm=$!; }
            start=$(date +%s%3N)
            QT_QPA_PLATFORM=xcb SKILL_CONSOLE_EXIT_AFTER_FIRST_PAINT=complete "$1" --sandbox
            code=$?; echo "paint_ms=$(($(date +%s%3N) - start))"
            [ -n "${wm:-}" ] && kill "$wm"; exit $code' sh "$bin/skill-console" 2>&1)"; then
            echo "ok: start to complete first paint on a real X server (xcb, Xvfb): $(sed -n 's/^paint_ms=//p' <<<"$out") ms"
        else
            fail "no first paint under Xvfb: $out"
        fi
        if grep -i "could not load\|cannot load\|not found" <<<"$out"; then
            fail "Qt complained under X"
        fi
    else
        echo "skip: no xvfb-run, so no real-X check (apt-get install xvfb openbox)"
    fi
}

if [ "$what" != --run-only ]; then
    log ".deb: $(basename "$deb")"
    if [ "$(id -u)" -ne 0 ]; then
        echo "skip: installing a .deb needs root (sudo $0)"
    else
        echo "size: $(mib "$(stat -c %s "$deb")"), Installed-Size: $(dpkg-deb -f "$deb" Installed-Size) KiB"
        echo "Depends: $(dpkg-deb -f "$deb" Depends)"
        if ! dpkg -i "$deb" >"$scratch/dpkg.log" 2>&1; then
            echo "dpkg -i left Depends open; apt-get -f install brings them"
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq >/dev/null
        fi
        [ "$(dpkg-query -W -f '${Version}' skill-console)" = "$version" ] || fail "dpkg says another version"
        echo "installed: $(du -sh --apparent-size /opt/skill-console | cut -f1) in /opt/skill-console"
        check /usr/bin
        dpkg -r skill-console >/dev/null
        [ ! -e /opt/skill-console ] && [ ! -e /usr/bin/skillctl ] && echo "ok: dpkg -r removed it" \
            || fail "dpkg -r left files behind"
    fi
fi

if [ "$what" != --deb-only ]; then
    log ".run: $(basename "$run")"
    echo "size: $(mib "$(stat -c %s "$run")")"
    home="$scratch/home"
    mkdir -p "$home"
    HOME="$home" XDG_DATA_HOME="" sh "$run" --quiet
    echo "installed: $(du -sh --apparent-size "$home/.local/opt/skill-console" | cut -f1) in ~/.local/opt/skill-console"
    check "$home/.local/bin"
    HOME="$home" sh "$run" --quiet >/dev/null # an upgrade (the same version) replaces the folder
    HOME="$home" "$home/.local/opt/skill-console/uninstall.sh" >/dev/null
    [ -z "$(find "$home" -mindepth 1 -not -type d)" ] && echo "ok: uninstall.sh left no file" \
        || fail "uninstall.sh left: $(find "$home" -not -type d)"
fi

log "smoke test: $([ "$failures" -eq 0 ] && echo passed || echo "$failures failure(s)")"
[ "$failures" -eq 0 ]
