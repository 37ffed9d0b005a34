#!/bin/sh
# The .run's installer (makeself runs it from the unpacked archive): a per-user install, no root.
#   sh skill-console-<version>-<arch>.run                    install or upgrade
#   sh skill-console-<version>-<arch>.run -- --prefix DIR    elsewhere (default ~/.local)
#   ~/.local/opt/skill-console/uninstall.sh                  remove it again
# It puts the app in PREFIX/opt/skill-console (replaced whole on upgrade, so no stale files),
# links skill-console and skillctl into PREFIX/bin, and adds a menu entry and icon under
# ${XDG_DATA_HOME:-~/.local/share}. Settings and logins are not touched.
set -eu
prefix="$HOME/.local"
while [ $# -gt 0 ]; do
    case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    *) echo "unknown option: $1 (use --prefix DIR)" >&2; exit 2 ;;
    esac
done
data="${XDG_DATA_HOME:-$HOME/.local/share}"
app="$prefix/opt/skill-console"
bin="$prefix/bin"
version="$(cat VERSION)"

mkdir -p "$prefix/opt" "$bin" "$data/applications" "$data/icons/hicolor/scalable/apps"
rm -rf "$app.new"
cp -a app "$app.new"
cp LICENSE VERSION "$app.new/"
rm -rf "$app"
mv "$app.new" "$app"
ln -sf "$app/skill-console" "$bin/skill-console"
ln -sf "$app/skillctl" "$bin/skillctl"
cp skill-console.svg "$data/icons/hicolor/scalable/apps/skill-console.svg"
# The menu entry names the installed file: ~/.local/bin is not on every desktop session's PATH.
sed "s|^Exec=skill-console|Exec=$app/skill-console|" skill-console.desktop \
    >"$data/applications/skill-console.desktop"

cat >"$app/uninstall.sh" <<UNINSTALL
#!/bin/sh
# Removes what the .run installed; settings and keychain logins stay (see the README).
set -eu
for link in "$bin/skill-console" "$bin/skillctl"; do
    [ "\$(readlink "\$link" 2>/dev/null)" = "$app/\${link##*/}" ] && rm -f "\$link"
done
rm -f "$data/applications/skill-console.desktop" "$data/icons/hicolor/scalable/apps/skill-console.svg"
rm -rf "$app"
echo "Skill Enablement Console removed."
UNINSTALL
chmod 755 "$app/uninstall.sh"

echo "Skill Enablement Console $version installed in $app"
echo "  commands: $bin/skill-console, $bin/skillctl"
case ":$PATH:" in *":$bin:"*) ;; *) echo "  (add $bin to PATH to run them by name)" ;; esac
echo "  uninstall: $app/uninstall.sh"
