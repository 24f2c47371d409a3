"""Before Qt starts on an X11 desktop: which system libraries its xcb platform cannot find.

Qt's own message when a library is missing ("could not load the Qt platform plugin 'xcb'
even though it was found") names none of them, and its hint names libxcb-cursor0 even when
that one is installed. Here the plugin and its Qt library are read with ``ldd`` and every
library it reports "not found" is named with the Debian package that holds it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def debian_package(library: str) -> str:
    """``libxcb-icccm.so.4`` -> ``libxcb-icccm4``; ``libxkbcommon-x11.so.0`` ->
    ``libxkbcommon-x11-0`` (Debian's rule: the soname's version is appended, with a dash when
    the name ends in a digit)."""
    m = re.match(r"^(?P<name>.+?)\.so\.(?P<version>[\d.]+)$", library)
    if not m:
        return library
    name, version = m.group("name"), m.group("version").split(".")[0]
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def missing_xcb_libraries(qt_dir: Path | None = None) -> list[str]:
    """Shared libraries the xcb platform plugin needs and the system lacks ([] when all are
    there, or when this cannot be told: not Linux, no ldd, no plugin)."""
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return []
    if qt_dir is None:
        try:
            import PySide6
        except ImportError:
            return []
        qt_dir = Path(PySide6.__file__).parent / "Qt"
    files = [qt_dir / "plugins" / "platforms" / "libqxcb.so",
             *sorted((qt_dir / "lib").glob("libQt6XcbQpa.so*"))[:1]]
    missing: list[str] = []
    for f in files:
        if not f.exists():
            continue
        try:
            out = subprocess.run(["ldd", str(f)], capture_output=True, text=True, timeout=10,
                                 check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        for line in out.splitlines():
            if "not found" in line:
                lib = line.split("=>")[0].strip()
                if lib not in missing:
                    missing.append(lib)
    return missing


def platform_problem() -> str:
    """A message naming the missing libraries and the command that installs them, when the
    desktop is X11 and Qt's xcb platform would not load; "" otherwise."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return ""
    if not os.environ.get("DISPLAY") or (os.environ.get("WAYLAND_DISPLAY") and not platform):
        return ""
    missing = missing_xcb_libraries()
    if not missing:
        return ""
    packages = " ".join(debian_package(lib) for lib in missing)
    return (f"the window cannot open: Qt's X11 support needs {', '.join(missing)}, which this "
            f"system lacks. On Debian or Ubuntu: sudo apt-get install {packages}")
