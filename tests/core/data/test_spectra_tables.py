"""A table of spectra (an axis down the first column, a spectrum per column) is refused with
what it holds, and runs laid out as columns are named; synthesis tables that resemble them
are read."""

import numpy as np
import pytest

from nrstudio.core.data.column_guessing import runs_as_columns
from nrstudio.core.data.table_io import import_table
from nrstudio.core.data.validation import validate_dataset
from nrstudio.core.errors import DataError


def _write(tmp_path, name, header, rows):
    path = tmp_path / name
    path.write_text(",".join(header) + "\n"
                    + "".join(",".join(f"{v:g}" if isinstance(v, float) else str(v)
                                       for v in row) + "\n" for row in rows),
                    encoding="utf-8")
    return path


def test_an_emission_export_is_refused_as_spectra(tmp_path):
    wl = np.arange(450.0, 601.0, 1.06)
    runs = [f"Run {k} {30 * k} s" for k in range(2, 8)]
    rows = [[w] + [float(100 * np.exp(-((w - 500 - 5 * k) / 12) ** 2)) for k in range(6)]
            for w in wl]
    for row in rows[:20]:
        row[2] = ""  # a run recorded over part of the range
    path = _write(tmp_path, "emission.csv", ["Wavelength (nm)", *runs], rows)
    with pytest.raises(DataError) as err:
        import_table(path)
    text = str(err.value)
    assert "table of spectra" in text and "'Wavelength (nm)'" in text
    assert f"over {len(wl)} rows" in text and "6 columns beside it" in text
    assert "peak position" in text  # what to do instead


def test_synthesis_tables_that_look_alike_are_read(tmp_path):
    rng = np.random.default_rng(0)
    n = 80
    # a wanted peak position first, sorted, as measured: no even ladder
    peaks = np.sort(rng.uniform(480, 560, n)).round(1)
    rows = [[p, float(np.round(rng.uniform(200, 260))), float(np.round(rng.uniform(1, 5), 2))]
            for p in peaks]
    ds = import_table(_write(tmp_path, "sorted.csv",
                             ["Emission wavelength (nm)", "T (°C)", "Cd (mmol)"], rows))
    assert len(ds.table) == n
    # a ladder of temperatures: no spectral axis
    rows = [[float(150 + k), float(np.round(rng.uniform(1, 5), 2)),
             float(np.round(rng.uniform(3, 9), 2))] for k in range(n)]
    ds = import_table(_write(tmp_path, "ladder.csv", ["T (°C)", "Cd (mmol)", "D (nm)"], rows))
    assert ds.targets == ["D (nm)"]
    # a ladder of wavelengths beside a text condition: syntheses, each at its own wavelength
    rows = [[float(400 + 2 * k), rng.choice(["toluene", "hexane"]),
             float(np.round(rng.uniform(3, 9), 2))] for k in range(n)]
    ds = import_table(_write(tmp_path, "lamp.csv",
                             ["Excitation wavelength (nm)", "Solvent", "QY"], rows))
    assert len(ds.table) == n


def test_runs_laid_out_as_columns_are_named_with_how_to_lay_them_out(tmp_path):
    """A course's peak positions over time, one run per column ('Time (s), Run 1, Time (s),
    Run 2, ..., Run 9'): the no-target error no longer offers 'Run 9' as the outcome, and a
    warning says what the table holds and how to lay it out."""
    header = ["Time (s)", "Run 1", "Time (s)", *[f"Run {k}" for k in range(2, 10)]]
    rows = [[float(20 * (i + 1)), float(489 + 3 * i), float(30 * (i + 1))]
            + [float(480 + 2 * i + k) for k in range(8)] for i in range(12)]
    ds = import_table(_write(tmp_path, "peaks.csv", header, rows))
    findings = validate_dataset(ds).findings
    runs = [f for f in findings if "name a run or a sample" in f.message]
    assert len(runs) == 1
    assert "9 columns" in runs[0].message and "'Run 9'" in runs[0].message
    assert "stack those columns" in runs[0].message
    no_target = next(f for f in findings if f.message.startswith("no target column"))
    assert "often is one" not in no_target.message
    # numbered steps and reagents are not runs
    steps = ["T1 (°C)", "T2 (°C)", "Precursor 1", "Precursor 2", "Precursor 3", "D (nm)"]
    assert runs_as_columns(steps) == []


def test_spectra_one_per_row_and_a_raman_text_file_are_refused(tmp_path):
    """A UV-Vis spectrophotometer's export (the wavelengths are the column headers, a
    spectrum per row) and a Raman microscope's '#Wave, #Intensity' file."""
    wl = [f"{w:.2f}" for w in range(300, 701)]
    lines = ["No.;Type;Name;Date/Time;Note;" + ";".join(wl)]
    for k, name in enumerate(("Bare AuNR", "PEG-AuNR", "Silica-AuNR")):
        lines.append(f"{k + 1};Sample;{name};2025/12/10 11:{17 + k};;"
                     + ";".join(f"{0.2 + 0.001 * k * i:.4f}" for i in range(len(wl))))
    path = tmp_path / "uvvis.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        import_table(path)
    assert "401 of its column headers, from '300.00' to '700.00'" in str(err.value)
    assert "each of its 3 rows is a spectrum" in str(err.value)
    raman = tmp_path / "raman.txt"
    raman.write_text("#Wave\t\t#Intensity\n" + "".join(
        f"{1600 - 1.7 * i:.6f}\t{16000 + 50 * np.sin(i / 9):.6f}\n" for i in range(120)),
        encoding="utf-8")
    with pytest.raises(DataError, match="its first column, '#Wave', runs from 1600"):
        import_table(raman)


def test_a_formula_table_with_an_even_first_column_is_read(tmp_path):
    rows = [[float(k), float(2 * k + 1)] for k in range(60)]
    assert len(import_table(_write(tmp_path, "xy.csv", ["x", "y"], rows)).table) == 60


def test_a_sheet_of_rows_pasted_as_text_in_one_column_is_split(tmp_path):
    """A CSV file pasted into column A of a workbook (each row one cell of ';' text) is read
    split into its columns, with a note; a sheet of one real column is left alone."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Sample;T (°C);Time (min);Length (nm)"])
    for k in range(8):
        ws.append([f"S{k + 1};{200 + 10 * k};{5 + k};{30 + 2.5 * k}"])
    path = tmp_path / "pasted.xlsx"
    wb.save(path)
    ds = import_table(path)
    assert ds.inputs == ["T (°C)", "Time (min)"] and ds.targets == ["Length (nm)"]
    assert ds.table["Length (nm)"].tolist()[:2] == [30.0, 32.5]
    wb = openpyxl.Workbook()
    wb.active.append(["Notes"])
    for k in range(8):
        wb.active.append([f"flask {k}; stirred, then cooled"])
    wb.save(path)
    assert import_table(path).table.columns.tolist() == ["Notes"]
