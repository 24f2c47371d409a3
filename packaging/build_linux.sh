#!/usr/bin/env bash
# Build the frozen one-folder app, check it with its self-test, and package it as a .deb and
# a portable .tar.gz. Works on a fresh Debian/Ubuntu machine with Python 3.11 (installs the
# pinned packages into packaging/build/venv). Outputs go to packaging/build/out/.
#
#   bash packaging/build_linux.sh            # .deb compressed with xz (smallest)
#   DEB_COMPRESSION=zstd bash packaging/build_linux.sh   # much faster to build, larger
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build="$root/packaging/build"
out="$build/out"
mkdir -p "$build" "$out"
started=$(date +%s)

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
venv="$build/venv"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q -c requirements/lock.txt .
"$venv/bin/python" -m pip install -q -r packaging/requirements-build.txt
version=$("$venv/bin/python" -c 'import nrstudio; print(nrstudio.__version__)')
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)

echo "== freezing NR Studio $version"
rm -rf "$build/dist" "$build/work"
(cd "$build" && "$venv/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$build/dist" --workpath "$build/work" "$root/packaging/nrstudio.spec")
app="$build/dist/nrstudio"
# Symbol tables (about 100 MB, most in torch and libpython) go; not from the libraries that
# wheels repaired with auditwheel (in *.libs/ folders or named lib*-<hash>.so): stripping
# those breaks them (numpy's OpenBLAS stops loading).
find "$app/_internal" -name '*.so*' -type f ! -path '*.libs/*' \
    | grep -v -E -- '-[0-9a-f]{8}\.so' | xargs strip --strip-unneeded
frozen=$(date +%s)

echo "== self-test of the trimmed build"
QT_QPA_PLATFORM=offscreen "$app/nrstudio" --self-test

echo "== .deb"
pkg="$build/deb"
rm -rf "$pkg"
mkdir -p "$pkg/DEBIAN" "$pkg/opt" "$pkg/usr/bin" "$pkg/usr/share/applications" \
    "$pkg/usr/share/mime/packages" "$pkg/usr/share/icons/hicolor/scalable/apps" \
    "$pkg/usr/share/icons/hicolor/scalable/mimetypes" "$pkg/usr/share/doc/nrstudio"
cp -a "$app" "$pkg/opt/nrstudio"
ln -s /opt/nrstudio/nrstudio "$pkg/usr/bin/nrstudio"
cp packaging/linux/nrstudio.desktop "$pkg/usr/share/applications/nrstudio.desktop"
cp packaging/linux/nrstudio-mime.xml "$pkg/usr/share/mime/packages/nrstudio.xml"
cp resources/icons/nrstudio.svg "$pkg/usr/share/icons/hicolor/scalable/apps/nrstudio.svg"
cp resources/icons/nrstudio.svg \
    "$pkg/usr/share/icons/hicolor/scalable/mimetypes/application-x-nrstudio-project.svg"
cp resources/icons/LICENSE.md "$pkg/usr/share/doc/nrstudio/icons-LICENSE.md"
size_kb=$(du -sk "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE_KB@/$size_kb/" \
    packaging/linux/control.in > "$pkg/DEBIAN/control"
install -m 755 packaging/linux/postinst packaging/linux/postrm "$pkg/DEBIAN/"
deb="$out/nrstudio_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" --build "$pkg" "$deb" >/dev/null

echo "== portable .tar.gz"
tarball="$out/nrstudio-${version}-linux-$(uname -m).tar.gz"
tar -C "$build/dist" -czf "$tarball" nrstudio
done_at=$(date +%s)

echo
printf '%-28s %s\n' "freeze (s)" "$((frozen - started))" "whole build (s)" "$((done_at - started))" \
    "installed folder (MB)" "$(du -sm "$app" | cut -f1)" \
    ".deb (MB)" "$(du -m "$deb" | cut -f1)" ".tar.gz (MB)" "$(du -m "$tarball" | cut -f1)"
echo "$deb"
echo "$tarball"
