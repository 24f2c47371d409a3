"""The report never fails on ordinary text: math-text dollars, crossing markup, tall cells."""

from __future__ import annotations

import numpy as np
import pytest

from nrstudio.core.modeling.explanations import Explanations
from nrstudio.core.modeling.figures import lime_heatmap
from nrstudio.core.report.blocks import Paragraph, Report, Table
from nrstudio.core.report.pdf_writer import _markup, write_pdf


def test_a_dollar_in_a_label_is_a_dollar(tmp_path):
    w = np.ones((2, 1, 2))
    e = Explanations(["$\\frac{$", "s$2"], ["y $x$"], ["a$", "b"], np.zeros((2, 2)), w,
                     np.zeros_like(w), np.ones((2, 1)), np.zeros((2, 1)), np.zeros((2, 1)),
                     np.zeros((2, 1)))
    assert lime_heatmap(e, tmp_path / "h.png").stat().st_size > 1000


@pytest.mark.parametrize("text", ["**bold `code** end`", "`a **b` c**", "** `` **", "`x`"])
def test_crossing_markup_stays_well_formed(text):
    import re

    stack = []
    for closing, tag in re.findall(r"<(/?)(b|font)\b", _markup(text)):
        if closing:
            assert stack and stack.pop() == tag, text  # closes the innermost open tag
        else:
            stack.append(tag)
    assert stack == []


def test_a_pdf_with_crossing_markup_and_a_tall_cell_is_written(tmp_path):
    import pandas as pd

    report = Report("A title with **bold `code** end`", "notes `a **b` c**")
    report.add(Paragraph("Notes: **one `two** three` and $\\frac{$."))
    report.add(Table(pd.DataFrame({"sample": ["s1"], "note": ["word " * 20_000]}), "tall"))
    path = tmp_path / "r.pdf"
    write_pdf(report, path)
    assert path.stat().st_size > 1000
