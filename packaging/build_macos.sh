#!/usr/bin/env bash
# Freeze NR Studio on macOS as "NR Studio.app" and wrap it in a .dmg (run from the repository
# root with Python 3.11; uses only tools that come with macOS: hdiutil, codesign).
# The app is signed ad hoc; for distribution outside the lab, sign it with a Developer ID
# (CODESIGN_IDENTITY) and notarise the .dmg with `xcrun notarytool`.
set -euo pipefail
cd "$(dirname "$0")/.."
build=packaging/build
mkdir -p "$build/out"
[ -x "$build/venv/bin/python" ] || python3.11 -m venv "$build/venv"
"$build/venv/bin/python" -m pip install -q -c requirements/lock.txt .
"$build/venv/bin/python" -m pip install -q -r packaging/requirements-build.txt
"$build/venv/bin/python" packaging/make_icons.py
version=$("$build/venv/bin/python" -c 'import nrstudio; print(nrstudio.__version__)')
"$build/venv/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$build/dist" --workpath "$build/work" packaging/nrstudio.spec
app="$build/dist/NR Studio.app"
QT_QPA_PLATFORM=offscreen "$app/Contents/MacOS/nrstudio" --self-test
codesign --force --deep --sign "${CODESIGN_IDENTITY:--}" "$app"
staging="$build/dmg"
rm -rf "$staging"
mkdir -p "$staging"
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
hdiutil create -volname "NR Studio $version" -srcfolder "$staging" -ov -format UDZO \
    "$build/out/NRStudio-$version-macos-$(uname -m).dmg"
