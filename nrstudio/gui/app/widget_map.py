"""Where the visible controls are on the screen, written to a JSON file a few times a
second when ``NRSTUDIO_WIDGET_MAP`` names one. It serves ``scripts/walkthrough.py``, which
drives the real window with real X input events and needs to know where to click (the role
an accessibility tree plays for desktop testing tools). Off by default; it reads the
widgets and changes nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QPoint, QPointF, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QGraphicsView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMenuBar,
    QTabBar,
    QWidget,
)

ENV = "NRSTUDIO_WIDGET_MAP"
PERIOD_MS = 250


def _clean(text: str) -> str:
    return text.replace("&", "").replace("\n", " ").strip()


def _centre(widget: QWidget, local: QPoint | None = None) -> list[int] | None:
    """The global position of ``local`` (the centre by default), or None when that point is
    hidden: scrolled out of its scroll area or clipped by a parent."""
    here = local if local is not None else widget.rect().center()
    if not widget.rect().contains(here):
        return None
    child, point = widget, here
    while not child.isWindow() and child.parentWidget() is not None:
        point = child.mapToParent(point)
        child = child.parentWidget()
        if not child.rect().contains(point):
            return None  # scrolled out of a scroll area, or clipped by a parent
    p = widget.mapToGlobal(here)
    return [p.x(), p.y()]


def _add(out: dict[str, Any], key: str, value: object) -> None:
    if value is not None:
        out.setdefault(key, value)  # the first visible one wins (top-level order)


def widget_map(app: QApplication) -> dict[str, Any]:
    """Visible controls by kind and text: ``button:Start training``, ``tab:Metrics``,
    ``item:Train``, ``menu:File``, ``menuitem:Save``, ``header:Qseed (uL)``, ``field:
    setting:max_epochs`` (an input or a box without its own text, by object name),
    ``rod:7`` (an accepted rod's centre); each a global [x, y]. ``windows``: every visible
    window's title and frame [x, y, w, h]; ``busy``: whether a background job runs;
    ``label:fast-models`` a shown note whose object name is ``note:fast-models``."""
    out: dict[str, Any] = {"windows": [], "busy": False}
    for top in app.topLevelWidgets():
        if not top.isVisible():
            continue
        g = top.frameGeometry()
        out["windows"].append({"title": top.windowTitle(), "class": type(top).__name__,
                               "frame": [g.x(), g.y(), g.width(), g.height()]})
        jobs = getattr(top, "jobs", None)
        if jobs is not None and hasattr(jobs, "busy"):
            out["busy"] = out["busy"] or bool(jobs.busy)
        for w in [top, *top.findChildren(QWidget)]:
            if not w.isVisible():
                continue
            _describe(w, out)
    return out


def _describe(w: QWidget, out: dict[str, Any]) -> None:
    if isinstance(w, QAbstractButton) and w.isEnabled() and _clean(w.text()):
        _add(out, f"button:{_clean(w.text())}", _centre(w))
    if isinstance(w, (QLineEdit, QAbstractSpinBox, QComboBox, QCheckBox)) and w.objectName():
        _add(out, f"field:{w.objectName()}", _centre(w))
    if isinstance(w, QLabel) and w.objectName().startswith("note:"):
        _add(out, f"label:{w.objectName()[5:]}", _centre(w))
    if isinstance(w, QTabBar):
        for i in range(w.count()):
            _add(out, f"tab:{_clean(w.tabText(i))}", _centre(w, w.tabRect(i).center()))
    if isinstance(w, QListWidget):
        for i in range(w.count()):
            item = w.item(i)
            rect = w.visualItemRect(item)
            if w.viewport().rect().contains(rect.center()):
                _add(out, f"item:{_clean(item.text())}", _centre(w.viewport(), rect.center()))
    if isinstance(w, QMenuBar):
        for a in w.actions():
            _add(out, f"menu:{_clean(a.text())}", _centre(w, w.actionGeometry(a).center()))
    if isinstance(w, QMenu):
        for a in w.actions():
            if a.text() and a.isEnabled():
                _add(out, f"menuitem:{_clean(a.text())}",
                     _centre(w, w.actionGeometry(a).center()))
    if (isinstance(w, QHeaderView) and w.model() is not None
            and w.orientation() == Qt.Orientation.Horizontal):
        model = w.model()
        for i in range(w.count()):
            x = w.sectionViewportPosition(i) + w.sectionSize(i) // 2
            if 0 <= x < w.width():
                name = str(model.headerData(i, w.orientation()) or "").split("\n")[0]
                _add(out, f"header:{name}", _centre(w, QPoint(x, w.height() // 2)))
    heat, maps = getattr(w, "heat", None), getattr(w, "maps", None)
    if isinstance(heat, QGraphicsView) and isinstance(maps, list):
        for heat_map in maps:  # the Explain page's LIME heat maps, by target
            centre = heat.mapFromScene(heat_map.plot.vb.sceneBoundingRect().center())
            _add(out, f"heatmap:{_clean(heat_map.plot.titleLabel.text)}",
                 _centre(heat.viewport(), centre))
    rods = getattr(w, "measurement", None)
    box = getattr(w, "box", None)
    if rods is not None and box is not None and hasattr(rods, "rods"):
        for r in rods.rods:
            if r.accepted:
                scene = box.mapViewToScene(QPointF(r.col + 0.5, r.row + 0.5))
                _add(out, f"rod:{r.id}", _centre(w.viewport(), w.mapFromScene(scene)))


class WidgetMapWriter(QObject):
    """Writes :func:`widget_map` to ``path`` every PERIOD_MS (atomically: a reader never sees
    half a file)."""

    def __init__(self, app: QApplication, path: Path) -> None:
        super().__init__(app)
        self.app, self.path = app, path
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.write)
        self.timer.start(PERIOD_MS)

    def write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(widget_map(self.app)), encoding="utf-8")
        os.replace(tmp, self.path)


def start_widget_map(app: QApplication) -> WidgetMapWriter | None:
    """Start writing the map when ``NRSTUDIO_WIDGET_MAP`` names a file; None otherwise."""
    target = os.environ.get(ENV)
    return WidgetMapWriter(app, Path(target)) if target else None
