"""Write a report as one HTML file that opens offline in any browser; its figures sit in a
folder beside it and are linked by relative paths (no script, no web font, no network)."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from nrstudio.core.report.blocks import Bullets, Figure, Heading, Images, Paragraph, Report, Table

# Print rules matter: a browser's "Print to PDF" must not cut a table row or a figure.
_CSS = """
body { font-family: system-ui, "Segoe UI", "DejaVu Sans", Arial, sans-serif; color: #222;
       max-width: 60em; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.1em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #4477aa; padding-bottom: 0.15em;
     margin-top: 2em; }
h3 { font-size: 1.08em; margin-top: 1.4em; }
.subtitle { color: #555; margin-top: 0; }
.note { color: #666; font-size: 0.9em; }
.warning { background: #fff4e5; border-left: 4px solid #e69f00; padding: 0.4em 0.7em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.88em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.55em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #eef2f7; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.3em; }
figure { margin: 1em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.88em; color: #444; }
.thumbs { display: flex; flex-wrap: wrap; gap: 0.8em; }
.thumbs figure { width: 15em; margin: 0; }
nav ol { columns: 2; }
@media print {
  body { max-width: none; margin: 0; }
  table, figure, .thumbs figure { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  nav { display: none; }
}
"""


def _inline(text: str) -> str:
    out = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


def _rel(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path, base)).as_posix()


def _table(block: Table) -> str:
    frame, left = block.shown()
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for value in row:
            text = "" if value is None else str(value)
            numeric = bool(re.fullmatch(r"[-+−]?[\d.,]+(e[-+]?\d+)?( ± [\d.,e+-]+)?%?", text))
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    caption = f"<caption>{_inline(block.caption)}</caption>" if block.caption else ""
    more = (f'<p class="note">{left:,} more rows are not shown here.</p>' if left else "")
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def report_html(report: Report, base: Path) -> str:
    """The whole page; figure paths are written relative to the folder ``base``."""
    parts = [f"<h1>{html.escape(report.title)}</h1>",
             f'<p class="subtitle">{html.escape(report.subtitle)}</p>']
    toc = "".join(f'<li><a href="#{h.anchor}">{html.escape(h.text)}</a></li>'
                  for h in report.sections())
    parts.append(f"<nav><ol>{toc}</ol></nav>")
    for b in report.blocks:
        if isinstance(b, Heading):
            anchor = f' id="{html.escape(b.anchor)}"' if b.anchor else ""
            parts.append(f"<h{b.level}{anchor}>{html.escape(b.text)}</h{b.level}>")
        elif isinstance(b, Paragraph):
            cls = f' class="{b.kind}"' if b.kind != "normal" else ""
            parts.append(f"<p{cls}>{_inline(b.text)}</p>")
        elif isinstance(b, Bullets):
            parts.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            parts.append(_table(b))
        elif isinstance(b, Figure):
            pct = round(100 * b.width)
            parts.append(f'<figure><img src="{html.escape(_rel(b.path, base))}" '
                         f'style="width:{pct}%" alt="{html.escape(b.caption)}">'
                         f"<figcaption>{_inline(b.caption)}</figcaption></figure>")
        elif isinstance(b, Images):
            figs = "".join(f'<figure><img src="{html.escape(_rel(p, base))}" alt="">'
                           f"<figcaption>{_inline(c)}</figcaption></figure>"
                           for p, c in zip(b.paths, b.captions, strict=True))
            parts.append(f'<div class="thumbs">{figs}</div>')
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(report.title)}</title><style>{_CSS}</style></head>"
            f"<body>\n{body}\n</body></html>\n")


def write_html(report: Report, path: Path) -> Path:
    path.write_text(report_html(report, path.parent), encoding="utf-8")
    return path
