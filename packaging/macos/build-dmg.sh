#!/usr/bin/env bash
# Builds dist/skill-console-<version>-macos-<arch>.dmg on macOS from the current source, always
# from a clean work directory: "Skill Enablement Console.app" (skill-console and skillctl in
# Contents/MacOS) with an Applications link, checked (version stamp, self-test) before packing.
# Usage: packaging/macos/build-dmg.sh [arm64|x86_64|universal2]   (default: this Mac's arch)
#   universal2 needs a universal2 Python and universal2 wheels of every binary dependency; CI
#   builds arm64 and x86_64 natively instead (one .dmg each).
# Signing and notarization (optional; unsigned otherwise, see README "Installing"):
#   SKILL_CONSOLE_CODESIGN_IDENTITY   "Developer ID Application: NAME (TEAMID)" in the keychain
#   SKILL_CONSOLE_NOTARY_PROFILE      a profile saved with `xcrun notarytool store-credentials`
set -euo pipefail
cd "$(dirname "$0")/../.."
version="$(uv run --no-project python packaging/version.py)"
arch="${1:-$(uname -m)}"
name="Skill Enablement Console"
app="dist/$name.app"
dmg="dist/skill-console-${version}-macos-${arch}.dmg"
identity="${SKILL_CONSOLE_CODESIGN_IDENTITY:-}"
export SKILL_CONSOLE_TARGET_ARCH="$arch"
if [ -n "$identity" ]; then
    export SKILL_CONSOLE_CODESIGN_IDENTITY="$identity"
    export SKILL_CONSOLE_ENTITLEMENTS="$PWD/packaging/macos/entitlements.plist"
fi

echo "== PyInstaller app ${version} (${arch}, clean)"
rm -rf build/pyinstaller build/icons build/dmg "$app" dist/skill-console "$dmg"
uv sync --locked --group packaging --quiet
uv run --locked --group packaging python packaging/make_icons.py build/icons
uv run --locked --group packaging pyinstaller --noconfirm --clean --log-level WARN \
    --workpath build/pyinstaller --distpath dist packaging/skill-console.spec

echo "== the app says it is ${version}"
for exe in skill-console skillctl; do
    said="$("$app/Contents/MacOS/$exe" --version)"
    [ "$said" = "$exe $version" ] || { echo "$exe --version says '$said'" >&2; exit 1; }
done
/usr/libexec/PlistBuddy -c "Print :CFBundleShortVersionString" "$app/Contents/Info.plist" |
    grep -qx "$version" || { echo "Info.plist does not say $version" >&2; exit 1; }
"$app/Contents/MacOS/skill-console" --self-test 0<&- 1>&- 2>&-

if [ -n "$identity" ]; then
    echo "== signing the app (hardened runtime)"
    codesign --force --options runtime --timestamp --entitlements "$SKILL_CONSOLE_ENTITLEMENTS" \
        --sign "$identity" "$app"
    codesign --verify --strict --verbose=2 "$app"
else
    echo "== not signing (SKILL_CONSOLE_CODESIGN_IDENTITY is not set): Gatekeeper will refuse to open it until allowed"
fi

echo "== disk image"
mkdir -p build/dmg
cp -R "$app" build/dmg/
ln -s /Applications build/dmg/Applications
hdiutil create -volname "$name $version" -srcfolder build/dmg -ov -format UDZO "$dmg"
if [ -n "$identity" ]; then
    codesign --force --timestamp --sign "$identity" "$dmg"
    if [ -n "${SKILL_CONSOLE_NOTARY_PROFILE:-}" ]; then
        echo "== notarizing"
        xcrun notarytool submit "$dmg" --keychain-profile "$SKILL_CONSOLE_NOTARY_PROFILE" --wait
        xcrun stapler staple "$dmg"
    fi
fi
du -h "$dmg"
