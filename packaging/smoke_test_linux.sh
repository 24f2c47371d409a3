#!/usr/bin/env bash
# The installer's end-to-end check on this machine (Debian/Ubuntu, as root or with sudo):
#   1. build the .deb (or take one: --deb FILE)
#   2. install it with apt-get, which brings the Qt libraries it depends on
#   3. run the installed self-test offscreen with networking switched off (unshare --net)
#   4. open the installed app on the example under Xvfb and save a screenshot
#   5. the double-click path: gtk-launch of the desktop entry with a .nrproj, and xdg-open
#   6. measure the start-up time (warm disk), uninstall, check /opt/nrstudio is gone
# It takes several minutes (the build alone is most of it), so it is not part of .ci/run.
#
#   bash packaging/smoke_test_linux.sh [--deb FILE] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
deb="" out="packaging/build/smoke"
while [ $# -gt 0 ]; do
    case "$1" in
        --deb) deb=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
mkdir -p "$out"
out=$(cd "$out" && pwd)
step() { echo; echo "== $*"; }

step "1. build"
if [ -z "$deb" ]; then
    DEB_COMPRESSION=${DEB_COMPRESSION:-xz} bash packaging/build_linux.sh | tee "$out/build.log"
    deb=$(ls -t packaging/build/out/nrstudio_*.deb | head -1)
fi
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
echo "deb: $deb ($(du -m "$deb" | cut -f1) MB)"

step "tools for the test (Xvfb, a screenshot tool, gtk-launch, xdg-open)"
need=""
command -v Xvfb >/dev/null || need="$need xvfb"
command -v import >/dev/null || need="$need imagemagick"
command -v gtk-launch >/dev/null || need="$need libgtk-3-bin"
command -v xdg-open >/dev/null || need="$need xdg-utils"
if [ -n "$need" ]; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need
fi

step "2. install"
$sudo apt-get remove -y -qq nrstudio >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$deb"
test -x /opt/nrstudio/nrstudio
test "$(readlink -f "$(command -v nrstudio)")" = /opt/nrstudio/nrstudio
echo "installed folder: $(du -sm /opt/nrstudio | cut -f1) MB"

step "3. self-test without a network"
$sudo unshare --net -- env QT_QPA_PLATFORM=offscreen HOME="$out/home" nrstudio --self-test \
    | tee "$out/self-test.txt"
grep -q "self-test passed" "$out/self-test.txt"

step "4. the window under Xvfb"
display=:97
Xvfb $display -screen 0 1366x768x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1
example=/opt/nrstudio/_internal/resources/examples/cdse-cds-nanorods.nrproj  # PyInstaller keeps data in _internal
cp "$example" "$out/example.nrproj"
DISPLAY=$display HOME="$out/home" nrstudio "$out/example.nrproj" >"$out/window.log" 2>&1 &
app=$!
sleep 12
DISPLAY=$display import -window root "$out/installed-window.png"
kill $app 2>/dev/null || true
wait $app 2>/dev/null || true
echo "screenshot: $out/installed-window.png"

step "5. double-click path"
launched() {  # wait up to 20 s for the installed app to run with the project as argument
    for _ in $(seq 40); do
        pgrep -f "nrstudio .*double-click.nrproj" >/dev/null && return 0
        sleep 0.5
    done
    return 1
}
cp "$example" "$out/double-click.nrproj"
result="gtk-launch: failed"
DISPLAY=$display HOME="$out/home" gtk-launch nrstudio "$out/double-click.nrproj" \
    >"$out/gtk-launch.log" 2>&1 &
if launched; then result="gtk-launch: started the app on the project"; fi
echo "$result"
pkill -f "nrstudio .*double-click.nrproj" || true
sleep 1
echo "MIME type of a .nrproj: $(XDG_DATA_DIRS=/usr/share xdg-mime query filetype "$out/double-click.nrproj" 2>/dev/null || echo '?')"
echo "default application: $(xdg-mime query default application/x-nrstudio-project 2>/dev/null || echo '?')"
DISPLAY=$display HOME="$out/home" xdg-open "$out/double-click.nrproj" >"$out/xdg-open.log" 2>&1 &
if launched; then echo "xdg-open: started the app on the project"; else
    echo "xdg-open: did not start it here (no desktop environment; see $out/xdg-open.log)"; fi
pkill -f "nrstudio .*double-click.nrproj" || true
case "$result" in *failed*) echo "the desktop entry did not open the project" >&2; exit 1 ;; esac

step "6. start-up time (window shown, warm disk)"
for run in 1 2 3; do
    t0=$(date +%s.%N)
    DISPLAY=$display HOME="$out/home" NRSTUDIO_QUIT_WHEN_SHOWN=1 nrstudio >/dev/null 2>&1
    t1=$(date +%s.%N)
    echo "run $run: $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s"
done

step "7. uninstall"
$sudo apt-get remove -y -qq nrstudio
if [ -e /opt/nrstudio ]; then echo "/opt/nrstudio is still there" >&2; exit 1; fi
hash -r  # forget where bash last found the command
if [ -e /usr/bin/nrstudio ] || command -v nrstudio >/dev/null; then
    echo "nrstudio is still on the PATH" >&2; exit 1
fi
echo "removed: nothing left in /opt/nrstudio"
echo
echo "smoke test passed"
