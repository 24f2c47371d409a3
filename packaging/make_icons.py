"""Render the app icon (resources/icons/nrstudio.svg) to the formats installers need:
PNGs, a Windows .ico and a macOS .icns, next to the installer scripts.

    python packaging/make_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)


def render(size: int, svg: Path) -> Image.Image:
    image = QImage(size, size, QImage.Format.Format_RGBA8888)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    raw = bytes(image.constBits())
    return Image.frombuffer("RGBA", (size, size), raw, "raw", "RGBA", image.bytesPerLine(), 1)


def main() -> int:
    QGuiApplication(sys.argv[:1])
    svg = ROOT / "resources" / "icons" / "nrstudio.svg"
    images = {s: render(s, svg) for s in SIZES}
    png_dir = ROOT / "packaging" / "build" / "icons"
    png_dir.mkdir(parents=True, exist_ok=True)
    for s, im in images.items():
        im.save(png_dir / f"nrstudio-{s}.png")
    ico = ROOT / "packaging" / "windows" / "nrstudio.ico"
    images[256].save(ico, sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    icns = ROOT / "packaging" / "macos" / "nrstudio.icns"
    images[1024].save(icns)
    print(ico, icns, png_dir, sep="\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
