"""The right side of the Design page: the proposals (candidates or suggestions, with their
plot) and the campaign (every planned round read against the table)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.campaign import COLUMN_HELP, Campaign, campaign_status
from nrstudio.core.modeling.final_models import FinalModels
from nrstudio.core.numbers import readable
from nrstudio.core.project.sections import read_section
from nrstudio.core.project_model import Project
from nrstudio.gui.app.plots import plain_axes, plot_toolbar


class ProposalsView(QWidget):
    """The candidates or suggestions shown: the models' honesty, what limits them, the
    table, *Add selected as planned experiment* and a plot of two inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.models: FinalModels | None = None  # the models the rows were proposed with
        self.rows: list = []
        self.honesty = QLabel()
        self.honesty.setWordWrap(True)
        self.limit = QLabel()
        self.limit.setWordWrap(True)
        self.table = QTableWidget()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.add_button = QPushButton("Add selected as planned experiment")
        self.add_button.setEnabled(False)
        self.plot_x, self.plot_y = QComboBox(), QComboBox()
        for box in (self.plot_x, self.plot_y):
            box.currentIndexChanged.connect(lambda _: self.draw())
        self.plot = pg.PlotWidget()
        plain_axes(self.plot)
        rl = QVBoxLayout(self)
        rl.addWidget(self.honesty)
        rl.addWidget(self.limit)
        rl.addWidget(self.table, 2)
        # Two rows: in one, the buttons made the page wider than a 1366 px screen.
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)
        rl.addLayout(add_row)
        rl.addLayout(plot_toolbar(self, self.plot.scene, "design.png", "Plot", self.plot_x,
                                  "against", self.plot_y))
        rl.addWidget(self.plot, 2)

    def show_rows(self, models: FinalModels | None, rows: list, limit: str,
                  red: bool = True) -> None:
        """Show ``rows`` proposed by ``models`` (None: no models), with what limits them."""
        self.models, self.rows = models, rows
        colour = "#b00020" if red else "#555"
        self.limit.setText(f"<span style='color:{colour}'>{limit}</span>" if limit else "")
        t = self.table
        t.clear()
        m = self.models
        if m is None:
            t.setRowCount(0)
            return
        pct = round(100 * m.level)
        headers = [*m.inputs, *(f"{tg} [{pct}%]" for tg in m.targets), "P(success)", "domain",
                   "why"]
        t.setColumnCount(len(headers))
        t.setHorizontalHeaderLabels(headers)
        t.setRowCount(len(rows))
        for i, c in enumerate(rows):
            cells = [m.space.level_text(n, v) if n in m.space.levels else readable(v, 4)
                     for n, v in zip(m.inputs, c.conditions, strict=True)]
            cells += [f"{readable(c.mean[k])} [{readable(c.lower[k])}, {readable(c.upper[k])}]"
                      for k in range(len(m.targets))]
            cells += [f"{c.probability:.2f}", "out of domain" if c.out_of_domain else "in domain",
                      c.reason]
            for j, text in enumerate(cells):
                t.setItem(i, j, QTableWidgetItem(text))
        t.resizeColumnsToContents()
        if rows:
            t.selectRow(0)
        self.add_button.setEnabled(bool(rows))
        self.draw()

    def draw(self) -> None:
        """The samples and the proposals in the two inputs chosen."""
        self.plot.clear()
        m = self.models
        if m is None or not self.plot_x.count():
            return
        jx, jy = m.inputs.index(self.plot_x.currentText()), m.inputs.index(self.plot_y.currentText())
        self.plot.setLabel("bottom", m.inputs[jx])
        self.plot.setLabel("left", m.inputs[jy])
        self.plot.addLegend(offset=(5, 5))
        self.plot.addItem(pg.ScatterPlotItem(m.train_x[:, jx], m.train_x[:, jy], size=8,
                                             brush=pg.mkBrush("#999999"), pen=None,
                                             name="samples"))
        if self.rows:
            x = np.array([c.conditions for c in self.rows])
            self.plot.addItem(pg.ScatterPlotItem(x[:, jx], x[:, jy], size=14, symbol="star",
                                                 brush=pg.mkBrush("#d62728"), pen=pg.mkPen("k"),
                                                 name="proposed"))


class CampaignView(QWidget):
    """The campaign's rounds and what they say, read against the table's values."""

    def __init__(self) -> None:
        super().__init__()
        self.note = QLabel()
        self.note.setObjectName("note:campaign")
        self.note.setWordWrap(True)
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()  # the round column numbers them
        self.table.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)

    def show_rounds(self, project: Project, dataset: Dataset) -> int:
        """Show the project's campaign; returns its number of rounds (0 when damaged)."""
        try:
            campaign = read_section(project, "campaign") or Campaign()
        except DataError as exc:
            self.note.setText(f"The campaign stored in the project is damaged and left out: "
                              f"{exc}")
            self.table.setRowCount(0)
            return 0
        status = campaign_status(campaign, dataset)
        self.note.setText(" ".join(status.summary))
        frame = status.to_frame()
        t = self.table
        t.clear()
        t.setColumnCount(len(frame.columns))
        for j, name in enumerate(frame.columns):
            header = QTableWidgetItem(str(name))
            header.setToolTip(COLUMN_HELP.get(str(name), ""))
            t.setHorizontalHeaderItem(j, header)
        t.setRowCount(len(frame))
        for i, row in enumerate(frame.itertuples(index=False)):
            for j, value in enumerate(row):
                t.setItem(i, j, QTableWidgetItem(str(value)))
        t.resizeColumnsToContents()
        # The long cells wrap, so the counts to their right fit beside the form at 1366 px.
        for name, most in WRAPPED_COLUMNS.items():
            if name in frame.columns:
                j = list(frame.columns).index(name)
                t.setColumnWidth(j, min(t.columnWidth(j), most))
        t.resizeRowsToContents()
        return len(campaign.rounds)


WRAPPED_COLUMNS = {"made": 90, "wanted": 170}  # px at most
