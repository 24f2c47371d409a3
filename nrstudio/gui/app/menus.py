"""The window's actions, menus and toolbar (built once, from the window's slots)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from nrstudio.gui.app.dialogs import show_about
from nrstudio.gui.app.error_log import show_log
from nrstudio.gui.app.widgets import call_on_click
from nrstudio.resources import icon_path

if TYPE_CHECKING:
    from nrstudio.gui.app.main_window import MainWindow


def icon(name: str) -> QIcon:
    path = icon_path(name)
    return QIcon(str(path)) if path.is_file() else QIcon()


def _page_section(w: MainWindow) -> str:
    """The guide's section of the page shown (each page has one of its name)."""
    item = w.pages.currentItem()
    return item.text().lower() if item is not None and w.pages.isVisible() else "index"


def _action(w: MainWindow, text: str, slot, shortcut=None, tip: str = "",  # type: ignore[no-untyped-def]
            icon_name: str = "") -> QAction:
    act = QAction(text, w)
    if shortcut is not None:
        act.setShortcut(shortcut)
    if tip:
        act.setStatusTip(tip)
        act.setToolTip(tip)
    if icon_name:
        act.setIcon(icon(icon_name))
    call_on_click(act.triggered, slot)
    return act


@dataclass(frozen=True)
class WindowActions:
    """The main window's actions (File, Edit and Help), its recent-files menu and toolbar."""

    new: QAction
    open: QAction
    example: QAction
    save: QAction
    save_as: QAction
    export: QAction
    report: QAction
    close: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    copy: QAction
    paste: QAction
    prefs: QAction
    guide: QAction
    shortcuts: QAction
    about: QAction
    log: QAction
    recent_menu: QMenu
    toolbar: QToolBar


def build_menus(w: MainWindow) -> WindowActions:
    """The window's actions, its menu bar and its toolbar, built from the window's slots;
    the window keeps what this returns (nothing is set on it from here)."""
    K = QKeySequence.StandardKey
    act_new = _action(w, "&New", w.new, K.New, "Start a project from the template", "new")
    act_open = _action(w, "&Open…", w.open_dialog, K.Open,
                       "Open a project or a table (CSV, XLSX, ODS)", "open")
    act_example = _action(w, "Open the &example", w.open_example,
                          tip="The paper's 28 syntheses, as an untitled copy")
    act_save = _action(w, "&Save", w.save, K.Save, "Save the project", "save")
    act_save_as = _action(w, "Save &As…", w.save_as, K.SaveAs)
    act_export = _action(w, "&Export table…", w.export_dialog,
                         tip="Write the data table as CSV or XLSX")
    act_report = _action(w, "Export &report…", w.export_report, QKeySequence("Ctrl+R"),
                         "Write an HTML (and PDF) report of the project", "report")
    act_close = _action(w, "&Close", w.close_project, K.Close)
    act_quit = _action(w, "&Quit", w.close, K.Quit)
    act_undo = w.doc.undo_stack.createUndoAction(w, "&Undo")
    act_undo.setShortcut(K.Undo)
    act_undo.setIcon(icon("undo"))
    act_redo = w.doc.undo_stack.createRedoAction(w, "&Redo")
    act_redo.setShortcut(K.Redo)
    act_redo.setIcon(icon("redo"))
    act_copy = _action(w, "&Copy", w.data_page.copy_selection, K.Copy)
    act_paste = _action(w, "&Paste", lambda: w.data_page.paste(), K.Paste)
    act_prefs = _action(w, "Pre&ferences…", w.preferences, K.Preferences)
    act_guide = _action(w, "User &guide", lambda: w.show_help(_page_section(w)),
                        K.HelpContents, "The offline user guide, at the page shown", "help")
    act_shortcuts = _action(w, "&Keyboard shortcuts", w.show_shortcuts)
    act_about = _action(w, "&About NR Studio", lambda: show_about(w))
    act_log = _action(w, "Show &log", lambda: show_log(w), None,
                      "The errors NR Studio met, with the details to report them")
    for act in (act_copy, act_paste):
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        w.data_page.view.addAction(act)

    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([act_new, act_open, act_example])
    recent_menu = file_menu.addMenu("Open &Recent")
    file_menu.addActions([act_save, act_save_as])
    file_menu.addSeparator()
    file_menu.addActions([act_export, act_report])
    file_menu.addSeparator()
    file_menu.addActions([act_close, act_quit])
    edit = bar.addMenu("&Edit")
    edit.addActions([act_undo, act_redo])
    edit.addSeparator()
    edit.addActions([act_copy, act_paste])
    edit.addSeparator()
    edit.addAction(act_prefs)
    bar.addMenu("&Data").addActions(w.data_page.menu_actions())
    help_menu = bar.addMenu("&Help")
    help_menu.addActions([act_guide, act_shortcuts, act_log])
    help_menu.addSeparator()
    help_menu.addAction(act_about)
    tools = w.addToolBar("Main")
    tools.setObjectName("main-toolbar")
    tools.setIconSize(QSize(22, 22))
    tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    tools.addActions([act_new, act_open, act_save])
    tools.addSeparator()
    tools.addActions([act_undo, act_redo])
    tools.addSeparator()
    tools.addActions([act_report, act_guide])
    return WindowActions(act_new, act_open, act_example, act_save, act_save_as, act_export,
                         act_report, act_close, act_quit, act_undo, act_redo, act_copy,
                         act_paste, act_prefs, act_guide, act_shortcuts, act_about, act_log,
                         recent_menu, tools)
