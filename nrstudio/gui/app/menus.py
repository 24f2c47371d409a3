"""The window's actions, menus and toolbar (built once, from the window's slots)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence

from nrstudio.gui.app.dialogs import show_about
from nrstudio.gui.app.error_log import show_log
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
    act.triggered.connect(slot)
    return act


def build_menus(w: MainWindow) -> None:
    K = QKeySequence.StandardKey
    w.act_new = _action(w, "&New", w.new, K.New, "Start a project from the template", "new")
    w.act_open = _action(w, "&Open…", w.open_dialog, K.Open,
                         "Open a project or a CSV/XLSX table", "open")
    w.act_example = _action(w, "Open the &example", w.open_example,
                            tip="The paper's 28 syntheses, as an untitled copy")
    w.act_save = _action(w, "&Save", w.save, K.Save, "Save the project", "save")
    w.act_save_as = _action(w, "Save &As…", w.save_as, K.SaveAs)
    w.act_export = _action(w, "&Export table…", w.export_dialog,
                           tip="Write the data table as CSV or XLSX")
    w.act_report = _action(w, "Export &report…", w.export_report, QKeySequence("Ctrl+R"),
                           "Write an HTML (and PDF) report of the project", "report")
    w.act_close = _action(w, "&Close", w.close_project, K.Close)
    w.act_quit = _action(w, "&Quit", w.close, K.Quit)
    w.act_undo = w.doc.undo_stack.createUndoAction(w, "&Undo")
    w.act_undo.setShortcut(K.Undo)
    w.act_undo.setIcon(icon("undo"))
    w.act_redo = w.doc.undo_stack.createRedoAction(w, "&Redo")
    w.act_redo.setShortcut(K.Redo)
    w.act_redo.setIcon(icon("redo"))
    w.act_copy = _action(w, "&Copy", w.data_page.copy_selection, K.Copy)
    w.act_paste = _action(w, "&Paste", lambda: w.data_page.paste(), K.Paste)
    w.act_prefs = _action(w, "Pre&ferences…", w.preferences, K.Preferences)
    w.act_guide = _action(w, "User &guide", lambda: w.show_help(_page_section(w)),
                          K.HelpContents, "The offline user guide, at the page shown", "help")
    w.act_shortcuts = _action(w, "&Keyboard shortcuts", w.show_shortcuts)
    w.act_about = _action(w, "&About NR Studio", lambda: show_about(w))
    w.act_log = _action(w, "Show &log", lambda: show_log(w), None,
                        "The errors NR Studio met, with the details to report them")
    for act in (w.act_copy, w.act_paste):
        act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        w.data_page.view.addAction(act)

    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([w.act_new, w.act_open, w.act_example])
    w.recent_menu = file_menu.addMenu("Open &Recent")
    file_menu.addActions([w.act_save, w.act_save_as])
    file_menu.addSeparator()
    file_menu.addActions([w.act_export, w.act_report])
    file_menu.addSeparator()
    file_menu.addActions([w.act_close, w.act_quit])
    edit = bar.addMenu("&Edit")
    edit.addActions([w.act_undo, w.act_redo])
    edit.addSeparator()
    edit.addActions([w.act_copy, w.act_paste])
    edit.addSeparator()
    edit.addAction(w.act_prefs)
    bar.addMenu("&Data").addActions(w.data_page.menu_actions())
    help_menu = bar.addMenu("&Help")
    help_menu.addActions([w.act_guide, w.act_shortcuts, w.act_log])
    help_menu.addSeparator()
    help_menu.addAction(w.act_about)
    tools = w.addToolBar("Main")
    tools.setObjectName("main-toolbar")
    tools.setIconSize(QSize(22, 22))
    tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    tools.addActions([w.act_new, w.act_open, w.act_save])
    tools.addSeparator()
    tools.addActions([w.act_undo, w.act_redo])
    tools.addSeparator()
    tools.addActions([w.act_report, w.act_guide])
    w.toolbar = tools
