"""The report's design section: the campaign, then the newest design and suggestions as
they were shown."""

from __future__ import annotations

import pandas as pd

from nrstudio.core.report.blocks import Bullets, Heading, Paragraph, Report, Table
from nrstudio.core.report.context import Context, section_heading


def design_section(report: Report, ctx: Context) -> None:
    """The campaign's rounds, then the kept design and suggestions."""
    section_heading(report, "design")
    _campaign(report, ctx)
    records = ctx.section("design")
    shown = [r for r in (records.design, records.suggest) if r is not None] if records else []
    if not shown:
        report.add(Paragraph("No design or suggestion has been kept in this project (Design "
                             "page, or `nrstudio design --save`)."))
        return
    for r in shown:
        what = "Candidates for the wanted sizes" if r.kind == "design" else "Next experiments"
        report.add(Heading(f"{what} ({r.made[:16]} UTC)", 3))
        if r.wants:
            report.add(Paragraph("Wanted: " + "; ".join(r.wants) + "."))
        report.add(Table(_compact_candidates(r.table), max_rows=20))
        if r.notes:
            report.add(Bullets(r.notes))


def _campaign(report: Report, ctx: Context) -> None:
    """The rounds of the design campaign, read against the table as it is now."""
    from nrstudio.core.modeling.campaign import campaign_status

    campaign = ctx.section("campaign")
    if campaign is None or not campaign.rounds:
        return
    status = campaign_status(campaign, ctx.project.dataset)
    report.add(Heading(f"Campaign: {len(campaign.rounds)} round(s) of planned experiments", 3))
    report.add(Table(status.to_frame(), max_rows=50))
    report.add(Bullets(status.summary))


def _compact_candidates(table: pd.DataFrame) -> pd.DataFrame:
    """The CLI's wide candidate table (inputs, then predicted/lower/upper per target) as six
    columns that fit a page: conditions and predictions each in one cell."""
    cols = list(table.columns)
    tail = ["probability of success", "domain", "why"]
    if not all(c in cols for c in tail):
        return table
    pred = [c for c in cols if c.endswith(" predicted")]
    first_pred = cols.index(pred[0]) if pred else cols.index(tail[0])
    inputs = cols[:first_pred]
    rows = []
    for k, row in table.iterrows():
        conditions = "; ".join(f"{c} = {row[c]}" for c in inputs)
        predicted = []
        for c in pred:
            target = c[: -len(" predicted")]
            lo = next((x for x in cols if x.startswith(f"{target} lower")), None)
            hi = next((x for x in cols if x.startswith(f"{target} upper")), None)
            span = f" [{row[lo]}, {row[hi]}]" if lo and hi else ""
            predicted.append(f"{target} {row[c]}{span}")
        rows.append([int(k) + 1, conditions, "; ".join(predicted), row[tail[0]], row[tail[1]],
                     row[tail[2]]])
    level = next((x.split(" lower ")[1] for x in cols if " lower " in x), "")
    return pd.DataFrame(rows, columns=["#", "conditions", f"predicted [{level} interval]",
                                       "probability", "domain", "why"])
