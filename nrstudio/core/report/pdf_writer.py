"""Write a report as a PDF with reportlab's page layout: a table, a figure or a row of
thumbnails is kept whole on one page (moved to the next page rather than cut), a heading
stays with what follows it, and a table taller than a page repeats its header row.

The text font is matplotlib's bundled DejaVu Sans, so ±, ², µ and ≥ print as they do in the
figures, without shipping another font.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from nrstudio.core.report.blocks import Bullets, Figure, Heading, Images, Paragraph, Report, Table

_FONT = "NRSans"
_BOLD = "NRSans-Bold"


def _register_fonts() -> None:
    import matplotlib
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(_FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    addMapping(_FONT, 0, 0, _FONT)
    addMapping(_FONT, 1, 0, _BOLD)
    addMapping(_FONT, 0, 1, _FONT)
    addMapping(_FONT, 1, 1, _BOLD)


MAX_CELL_CHARS = 1500  # a cell taller than a page cannot be laid out: cut, with a note


def _markup(text: str, limit: int | None = None) -> str:
    """Report text as reportlab markup: `code` and **bold**, always properly nested (code
    spans are taken first and kept whole, so a ** and a backtick that cross stay literal),
    everything else escaped. ``limit``: at most this many characters, then a note."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + f" … (cut at {limit:,} characters; the HTML report has it all)"
    codes: list[str] = []

    def keep(m: re.Match[str]) -> str:
        codes.append(m.group(1))
        return f"\x00{len(codes) - 1}\x00"

    out = re.sub(r"`([^`]+?)`", keep, text.replace("\x00", ""))
    out = html.escape(out, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", out)
    return re.sub(r"\x00(\d+)\x00", lambda m: '<font name="Courier">'
                  + html.escape(codes[int(m.group(1))], quote=False) + "</font>", out)


def write_pdf(report: Report, path: Path) -> Path:
    """A4 pages with numbered footers."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        KeepTogether,
        ListFlowable,
        ListItem,
        SimpleDocTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T

    _register_fonts()
    base = ParagraphStyle("base", fontName=_FONT, fontSize=9.5, leading=13)
    styles = {
        1: ParagraphStyle("h1", parent=base, fontName=_BOLD, fontSize=18, leading=22,
                          spaceAfter=4),
        2: ParagraphStyle("h2", parent=base, fontName=_BOLD, fontSize=13.5, leading=17,
                          spaceBefore=12, spaceAfter=6, textColor=colors.HexColor("#23466e")),
        3: ParagraphStyle("h3", parent=base, fontName=_BOLD, fontSize=11, leading=14,
                          spaceBefore=8, spaceAfter=4),
    }
    note = ParagraphStyle("note", parent=base, fontSize=8.5, textColor=colors.HexColor("#555555"))
    warning = ParagraphStyle("warning", parent=base, backColor=colors.HexColor("#fff4e5"),
                             borderPadding=4, spaceBefore=4, spaceAfter=4)
    cell = ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5)
    head = ParagraphStyle("head", parent=cell, fontName=_BOLD)
    caption = ParagraphStyle("caption", parent=base, fontSize=8.5, leading=11,
                             textColor=colors.HexColor("#333333"))

    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm,
                            topMargin=15 * mm, bottomMargin=16 * mm, title=report.title,
                            author="NR Studio", invariant=True)
    width = doc.width
    story: list = [P(_markup(report.title), styles[1]), P(_markup(report.subtitle), note),
                   Spacer(1, 6)]
    # Headings wait here and go onto the page with the block that follows them.
    pending: list = []

    def put(parts: list, whole: bool = True) -> None:
        group = pending + parts
        pending.clear()
        if whole:
            story.append(KeepTogether(group))
        else:  # too long for one page: keep the headings with the first part only
            story.append(KeepTogether(group[:len(group) - len(parts) + 1]))
            story.extend(parts[1:])

    for b in report.blocks:
        if isinstance(b, Heading):
            pending.append(P(_markup(b.text), styles[min(max(b.level, 1), 3)]))
        elif isinstance(b, Paragraph) and pending and len(b.text) < 300:
            # A short lead-in stays with its heading and the block after it.
            pending.append(P(_markup(b.text), {"note": note, "warning": warning}.get(b.kind,
                                                                                     base)))
        elif isinstance(b, Paragraph):
            put([P(_markup(b.text), {"note": note, "warning": warning}.get(b.kind, base))])
        elif isinstance(b, Bullets):
            put([ListFlowable([ListItem(P(_markup(i), base), leftIndent=10) for i in b.items],
                              bulletType="bullet", start="•", leftIndent=10,
                              bulletFontName=_FONT)], whole=len(b.items) <= 12)
        elif isinstance(b, Table):
            frame, left = b.shown()
            data = [[P(_markup(str(c)), head) for c in frame.columns]]
            data += [[P(_markup("" if v is None else str(v), MAX_CELL_CHARS), cell)
                      for v in row]
                     for row in frame.itertuples(index=False)]
            table = T(data, repeatRows=1, hAlign="LEFT",
                      colWidths=_column_widths(frame, width))
            table.setStyle(TableStyle([
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]))
            parts = [P(_markup(b.caption), caption)] if b.caption else [Spacer(1, 2)]
            parts.append(table)
            if left:
                parts.append(P(f"{left:,} more rows are not shown here.", note))
            parts.append(Spacer(1, 6))
            # Whole on one page when it fits; a longer table breaks between rows and
            # repeats its header.
            put(parts, whole=len(frame) <= 35)
        elif isinstance(b, Figure):
            put([_image(Image, b.path, width * b.width, doc.height * 0.8),
                 P(_markup(b.caption), caption), Spacer(1, 6)])
        elif isinstance(b, Images):
            per_row = 3
            thumb = (width - 8 * (per_row - 1)) / per_row
            cells = [[_image(Image, p, thumb, thumb), P(_markup(c), caption)]
                     for p, c in zip(b.paths, b.captions, strict=True)]
            for start in range(0, len(cells), per_row):
                row = cells[start:start + per_row]
                grid = T([[c[0] for c in row], [c[1] for c in row]],
                         colWidths=[thumb + 8] * len(row), hAlign="LEFT")
                grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
                put([grid, Spacer(1, 6)])
    if pending:
        story.extend(pending)

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(_FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawString(doc.leftMargin, 9 * mm, report.title)
        canvas.drawRightString(doc.leftMargin + width, 9 * mm, f"page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return path


def _image(image_cls, path: Path, max_w: float, max_h: float):
    from PIL import Image as PILImage

    with PILImage.open(path) as im:
        w, h = im.size
    k = min(max_w / w, max_h / h)
    return image_cls(str(path), width=w * k, height=h * k)


def _column_widths(frame, total: float) -> list[float]:
    """Points per column: each at least its longest word (so no word is cut inside), the rest
    of the width shared in proportion to each column's longest text, so that a 'why' column
    gets the room and a number column does not."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    padding = 13.0
    floors, weights = [], []
    for c in frame.columns:
        texts = [str(v) for v in frame[c]]
        words = [w for t in texts for w in t.split()]
        head = [w for w in str(c).split()]
        floor = max([stringWidth(w, _FONT, 7.5) for w in words]
                    + [stringWidth(w, _BOLD, 7.5) for w in head] + [8.0]) + padding
        floors.append(min(floor, total / 3))
        weights.append(min(max([len(t) for t in texts] + [4]), 60))
    room = total - sum(floors)
    if room <= 0:
        return [total * f / sum(floors) for f in floors]
    s = float(sum(weights))
    return [f + room * w / s for f, w in zip(floors, weights, strict=True)]
