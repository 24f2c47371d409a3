"""The main window: workflow pages, menus, project lifecycle, background jobs, autosave."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from nrstudio import __version__
from nrstudio.core.data.table_io import READABLE_TABLES, export_table
from nrstudio.core.errors import NRStudioError, ProjectFileError
from nrstudio.core.project.attachments import IMAGE_SUFFIXES, micrographs_in
from nrstudio.core.project.file_format import load_project, save_project
from nrstudio.core.project.template import new_project
from nrstudio.core.project_model import Project
from nrstudio.gui.app.dialogs import Preferences, PreferencesDialog
from nrstudio.gui.app.document import ProjectDocument
from nrstudio.gui.app.file_types import TABLE_FILTER, TABLE_WORDS
from nrstudio.gui.app.help_window import HelpWindow, ShortcutsDialog, page_frame, shortcut_rows
from nrstudio.gui.app.job_status import JobStatus
from nrstudio.gui.app.jobs import JobRunner
from nrstudio.gui.app.lock_keeper import LockKeeper
from nrstudio.gui.app.menus import build_menus, icon
from nrstudio.gui.app.recent_files import RecentFiles
from nrstudio.gui.app.recovery import Autosaver, RecoverySlot, offer_restore
from nrstudio.gui.app.report_export import ReportDialog, default_folder, start_report
from nrstudio.gui.app.start_page import StartPage
from nrstudio.gui.app.window_state import restore_window, save_window
from nrstudio.gui.data.data_page import DataPage
from nrstudio.gui.data.import_dialog import ImportDialog
from nrstudio.gui.micrographs.micrographs_page import MicrographsPage
from nrstudio.gui.modeling.augment_page import AugmentPage
from nrstudio.gui.modeling.design_page import DesignPage
from nrstudio.gui.modeling.explain_page import ExplainPage
from nrstudio.gui.modeling.predict_page import PredictPage
from nrstudio.gui.modeling.train_page import TrainPage

PROJECT_FILTER = "NR Studio project (*.nrproj)"
OPENABLE = {".nrproj", *READABLE_TABLES}

PAGES = ["Data", "Augment", "Train", "Predict", "Design", "Explain", "Micrographs"]


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None,
                 recovery_folder: Path | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.prefs = Preferences(self.settings)
        self.recent = RecentFiles(self.settings)
        self.doc = ProjectDocument(parent=self)
        self.locks = LockKeeper(self.doc, self)
        self.jobs = JobRunner(lambda: self.doc.generation, self)
        self.recovery, self.recovery_folder = RecoverySlot(recovery_folder), recovery_folder
        self.autosaver = Autosaver(self.doc, self.recovery,
                                   lambda text, ms: self.statusBar().showMessage(text, ms), self)

        self.pages = QListWidget()
        for name in PAGES:
            self.pages.addItem(QListWidgetItem(icon(name.lower()), name))
        self.pages.setMaximumWidth(180)
        self.stack = QStackedWidget()
        seed = self.prefs.seed
        self.data_page = DataPage(self.doc)
        self.augment_page = AugmentPage(self.doc, self.jobs, seed)
        self.train_page = TrainPage(self.doc, self.jobs, seed)
        self.predict_page = PredictPage(self.doc)
        self.design_page = DesignPage(self.doc, self.jobs, seed)
        self.explain_page = ExplainPage(self.doc, self.jobs, seed)
        self.micrographs_page = MicrographsPage(self.doc, self.jobs, self.settings, seed)
        self.page_widgets = [self.data_page, self.augment_page, self.train_page,
                             self.predict_page, self.design_page, self.explain_page,
                             self.micrographs_page]
        for name, page in zip(PAGES, self.page_widgets, strict=True):
            self.stack.addWidget(page_frame(name.lower(), page, self.show_help))
        self.predict_page.explain_requested.connect(self._explain_point)
        self.pages.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.pages.setCurrentRow(0)
        self.splitter = split = QSplitter()
        split.addWidget(self.pages)
        split.addWidget(self.stack)
        split.setStretchFactor(1, 1)
        split.setSizes([150, 1050])
        self.start_page = StartPage()
        self.start_page.open_requested.connect(self.open_path)
        self.start_page.example_requested.connect(self.open_example)
        self.start_page.new_requested.connect(self.new)
        self.start_page.import_requested.connect(self.import_dialog)
        self.start_page.open_dialog_requested.connect(self.open_dialog)
        self.central = QStackedWidget()
        self.central.addWidget(self.start_page)
        self.central.addWidget(split)
        self.setCentralWidget(self.central)
        self.help_window: HelpWindow | None = None

        self.job_status = JobStatus(self.jobs)
        self.path_label = QLabel()
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addPermanentWidget(self.path_label)
        self.statusBar().addPermanentWidget(self.job_status)
        self._failures: list[str] | None = None  # collected instead of shown while opening
        self.jobs.failed.connect(self._job_failed)
        self.jobs.cancelled.connect(lambda t: self.statusBar().showMessage(f"{t}: cancelled",
                                                                           5000))
        self.jobs.dropped.connect(lambda t: self.statusBar().showMessage(
            f"{t} finished after its project was closed; its result was not used", 8000))
        self.window_actions = build_menus(self)
        self._rebuild_recent()
        self.doc.dataset_reset.connect(self.show_workspace)
        self.doc.dirty_changed.connect(lambda _: self._update_title())
        self.doc.path_changed.connect(self._update_title)
        self._update_title()
        self.setAcceptDrops(True)

        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave)
        self._apply_prefs()
        last = restore_window(self, self.settings, self.splitter)
        self.pages.setCurrentRow(PAGES.index(last) if last in PAGES else 0)
        self.show_start_page()

    def current_page(self) -> QWidget:
        return self.page_widgets[self.stack.currentIndex()]

    # ---- start page and workspace ---------------------------------------------------------
    def show_start_page(self) -> None:
        self.start_page.show_recent(self.recent_files()[: self.prefs.recent_max])
        self.central.setCurrentIndex(0)
        self._sync_project_actions()

    def show_workspace(self) -> None:
        self.central.setCurrentIndex(1)
        self._sync_project_actions()

    def _sync_project_actions(self) -> None:
        # Behind the start page is an empty placeholder project: nothing to save or report.
        shown = not self.on_start_page
        acts = self.window_actions
        for act in (acts.save, acts.save_as, acts.export, acts.report, acts.close):
            act.setEnabled(shown)
        self.path_label.setVisible(shown)

    @property
    def on_start_page(self) -> bool:
        return self.central.currentIndex() == 0

    def open_example(self) -> bool:
        """The bundled example as an untitled copy: saving asks where, and the shipped file
        (read-only in an installed app) is never overwritten."""
        from nrstudio.core.project.example import example_project_path

        path = example_project_path()
        if not self.stop_job_for("open the example") or not self.maybe_save():
            return False
        project = self.load_in_worker(path)
        if project is None:
            return False
        project.path = None
        self.doc.load(project, None)
        self.pages.setCurrentRow(0)
        return True

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a table", self._folder(),
                                              f"{TABLE_FILTER};;All files (*)")
        if path:
            self.open_path(path)

    # ---- help -------------------------------------------------------------------------------
    def show_help(self, section: str = "index") -> None:
        if self.help_window is None:
            self.help_window = HelpWindow(self)
        self.help_window.open_section(section)

    def show_shortcuts(self) -> None:
        ShortcutsDialog(shortcut_rows(self.findChildren(type(self.window_actions.new))), self).exec()

    def export_report(self) -> bool:
        dialog = ReportDialog(default_folder(self.doc, self._folder()), self)
        if not dialog.exec():
            return False
        folder = Path(dialog.folder.text()).expanduser()
        if not start_report(self, self.doc, self.jobs, folder, dialog.pdf.isChecked()):
            QMessageBox.information(self, "Busy", "Wait for the running job to finish.")
            return False
        return True

    def _explain_point(self, x) -> None:  # type: ignore[no-untyped-def]
        if self.explain_page.explain_point(x):
            self.pages.setCurrentRow(PAGES.index("Explain"))
        else:
            QMessageBox.information(self, "Busy", "Wait for the running job to finish.")

    def show_page(self, name: str) -> None:
        self.pages.setCurrentRow(PAGES.index(name))

    def _apply_prefs(self) -> None:
        minutes = self.prefs.autosave_minutes
        if minutes > 0:
            self.autosave_timer.start(minutes * 60_000)
        else:
            self.autosave_timer.stop()

    def preferences(self) -> None:
        if PreferencesDialog(self.prefs, self).exec():
            self._apply_prefs()
            self._rebuild_recent()

    # ---- title, recent files -------------------------------------------------------------
    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.doc.title}[*] — NR Studio {__version__}")
        self.setWindowModified(self.doc.dirty)
        self.path_label.setText(str(self.doc.path) if self.doc.path else "not saved yet")

    def recent_files(self) -> list[str]:
        return self.recent.paths()

    def _remember(self, path: Path) -> None:
        self.recent.remember(path, self.prefs.recent_max)
        self._rebuild_recent()

    def _rebuild_recent(self) -> None:
        menu = self.window_actions.recent_menu
        menu.clear()
        for p in self.recent_files()[: self.prefs.recent_max]:
            menu.addAction(p).triggered.connect(lambda _=False, p=p: self.open_path(p))
        menu.setEnabled(bool(self.recent_files()))

    def _folder(self) -> str:
        return self.recent.last_folder()

    # ---- lifecycle ----------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask Save / Discard / Cancel when there are unsaved changes; True to go on."""
        if not self.doc.dirty:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.doc.title}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def stop_job_for(self, what: str) -> bool:
        """Before New, Open or closing: ask whether to cancel a running job; True to go on.
        A result that arrives later is dropped (it belongs to the project being left)."""
        if not self.jobs.busy:
            return True
        answer = QMessageBox.question(
            self, "A job is running", f"“{self.jobs.title}” is still running. Cancel it and "
            f"{what}?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.jobs.cancel()
        # Let the job stop and its (dropped) ending be delivered before going on.
        self.jobs.wait(30_000)
        QCoreApplication.processEvents()
        return True

    def new(self) -> None:
        if self.stop_job_for("start a new project") and self.maybe_save():
            self.doc.load(new_project(), None)
            self.forget_recovery()

    def close_project(self) -> None:
        """Leave the project for the start page (an empty project stays behind it)."""
        if self.stop_job_for("close the project") and self.maybe_save():
            self.doc.load(new_project(), None)
            self.forget_recovery()
            self.show_start_page()

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open", self._folder(),
                                              f"{PROJECT_FILTER};;{TABLE_FILTER};;All files (*)")
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        """Open a project, or import a table as a new project; a failure shows why."""
        p = Path(path)
        if p.suffix.lower() not in OPENABLE:
            QMessageBox.warning(self, "Cannot open", f"{p.name}: NR Studio opens .nrproj "
                                f"projects and {TABLE_WORDS} tables.")
            return False
        if not self.stop_job_for(f"open {p.name}") or not self.maybe_save():
            return False
        if p.suffix.lower() == ".nrproj":
            copy = self.locks.open_copy_instead(p)
            project = None if copy is False else self.load_in_worker(p)
            if project is None:
                return False
            self.doc.load(project, None if copy else p)
        else:
            dialog = ImportDialog(p, self)
            accepted = dialog.exec()
            if dialog.failure is not None:
                QMessageBox.warning(self, "Cannot import table", f"{p.name}: {dialog.failure}")
            if not accepted or dialog.imported is None:
                return False
            self.doc.load(Project(dialog.imported, notes=f"Imported from {p.name}"), None,
                          dirty=True)
        self._remember(p)
        self.pages.setCurrentRow(0)
        copy_of = "an untitled copy of " if self.doc.path is None else ""
        self.statusBar().showMessage(f"Opened {copy_of}{p}", 5000)
        return True

    def load_in_worker(self, path: Path) -> Project | None:
        """Read a project file in a background job, with progress and Cancel, while the
        window stays responsive (a local event loop waits for the job). None, after saying
        why, when it cannot be opened."""
        if self.jobs.busy:
            QMessageBox.information(self, "Busy", "Wait for the running job to finish, or "
                                    "cancel it, then open the project again.")
            return None
        loaded: list[Project] = []
        loop = QEventLoop()
        self.jobs.idle.connect(loop.quit)
        self._failures = []  # said once below, as "Cannot open project"
        try:
            started = self.jobs.start(
                f"Opening {path.name}", lambda ctx: load_project(path, ctx.progress,
                                                                 ctx.cancelled),
                lambda project, _settings: loaded.append(project))
            if started:
                loop.exec()
        finally:
            self.jobs.idle.disconnect(loop.quit)
            failures, self._failures = self._failures, None
        if failures:
            QMessageBox.warning(self, "Cannot open project", failures[0])
        return loaded[0] if loaded else None

    def _job_failed(self, title: str, message: str) -> None:
        if self._failures is not None:
            self._failures.append(message)
        else:
            QMessageBox.warning(self, title, message)

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self._write(self.doc.path)

    def save_as(self) -> bool:
        start = str(self.doc.path or Path(self._folder()) / "untitled.nrproj")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", start, PROJECT_FILTER)
        if not path:
            return False
        p = Path(path)
        if p.suffix.lower() != ".nrproj":
            p = p.with_name(p.name + ".nrproj")
        return self._write(p)

    def _write(self, path: Path) -> bool:
        if not self.locks.may_write(path):
            return False
        self.setCursor(Qt.CursorShape.WaitCursor)
        try:
            save_project(self.doc.project, path)
        except ProjectFileError as exc:
            QMessageBox.critical(self, "Not saved", f"{exc}\n\nYour work is still open; save "
                                 "it somewhere else with File ▸ Save As.")
            return False
        finally:
            self.unsetCursor()
        self.doc.mark_saved(path)
        self.forget_recovery()
        self._remember(path)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export table", self._folder(),
                                              "CSV (*.csv);;Excel workbook (*.xlsx)")
        if not path:
            return
        try:
            export_table(self.doc.dataset, path)
        except NRStudioError as exc:
            QMessageBox.critical(self, "Not exported", str(exc))
            return
        self.statusBar().showMessage(f"Exported {path}", 5000)

    # ---- autosave and recovery ------------------------------------------------------------
    def autosave(self) -> bool:
        """Write a recovery copy in the background when there are unsaved changes."""
        return self.autosaver.autosave()

    def forget_recovery(self) -> None:
        self.autosaver.forget()

    def offer_recovery(self) -> bool:
        """After a crash, offer to restore the newest recovery copy; True if restored."""
        return offer_restore(self, self.doc, self.recovery, self.recovery_folder)

    # ---- window events -----------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.stop_job_for("quit") or not self.maybe_save():
            event.ignore()
            return
        if self.jobs.busy:
            self.jobs.cancel()
            self.jobs.wait(5000)
        self.micrographs_page.shutdown()
        self.forget_recovery()
        self.locks.release()
        save_window(self, self.settings, self.splitter, PAGES[self.pages.currentRow()])
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        first = Path(urls[0].toLocalFile()) if urls and urls[0].isLocalFile() else None
        if first is not None and (first.is_dir()
                                  or first.suffix.lower() in OPENABLE | set(IMAGE_SUFFIXES)):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """A project or table opens; micrographs, and the micrographs in a dropped folder,
        are attached to a sample (asked for when the Micrographs page shows all samples)."""
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if not paths:
            return
        event.acceptProposedAction()
        images = [p for p in micrographs_in(paths) if p.suffix.lower() in IMAGE_SUFFIXES]
        if any(p.is_dir() for p in paths) and not images:
            QMessageBox.information(self, "No micrographs", "The dropped folder holds no "
                                    f"micrographs (files ending {', '.join(IMAGE_SUFFIXES)}).")
            return
        if images:
            self.show_page("Micrographs")
            self.micrographs_page.attach_files(images)
        else:
            self.open_path(paths[0])
