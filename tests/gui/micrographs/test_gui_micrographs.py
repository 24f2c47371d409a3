"""Micrographs page, Measure tab: attach, scale, measure in a job, outlines, Use these values."""


import numpy as np
import pytest
from helpers.paths import EXAMPLE

pytest.importorskip("PySide6", reason="GUI tests need PySide6")
from helpers.gui import Dialogs, make_window
from PIL import Image
from PySide6.QtWidgets import QInputDialog, QMessageBox

from nrstudio.core.micrographs.synthetic import make_micrograph
from nrstudio.core.project.attachments import measurement_of
from nrstudio.core.project.file_format import load_project

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def dialogs(monkeypatch):
    return Dialogs(monkeypatch, answer=QMessageBox.StandardButton.Yes)


@pytest.fixture
def window(qtbot, tmp_path, example):
    w = make_window(qtbot, tmp_path, example)
    w.show_page("Micrographs")
    yield w
    # A test may leave unsaved changes, and then closing is refused (the dialogs answer Yes,
    # not Save/Discard); stop the page's background work as a closed window would.
    w.micrographs_page.shutdown()


def _choose(page, sample):
    page.strip.sample.setCurrentIndex(page.strip.sample.findText(sample))
    page.wait_for_image()  # full images are decoded off the GUI thread


def test_example_images_are_listed_per_sample(window):
    window.show()
    # The page shows its tabs and the measuring view (a layout mistake once left it blank).
    assert window.micrographs_page.tabs.isVisible()
    assert window.micrographs_page.measure.view.isVisible()
    page = window.micrographs_page.measure
    assert page.strip.thumbs.count() == 28  # all samples
    _choose(page, "12")
    assert page.strip.thumbs.count() == 1 and page.current.sample_id == "12"
    assert "nm per pixel" in page.scale.scale_label.text()
    assert page.strip.wait_for_thumbnails()
    assert not page.strip.thumbs.item(0).icon().isNull()


def test_measure_use_values_undo_and_save(qtbot, window, tmp_path, dialogs):
    page = window.micrographs_page.measure
    _choose(page, "1")
    with qtbot.waitSignal(window.jobs.idle, timeout=60_000):
        assert page.panel.measure()
    m = measurement_of(page.current)
    assert m is not None and m.summary().count >= 5
    assert "rods accepted" in page.panel.summary.text()
    assert page.panel.table.model().rowCount() == len(m.rods)  # accepted first, then the rest
    page.panel.table.selectRow(0)
    first = m.accepted()[0]
    assert page.panel.table.model().index(0, 0).data() == str(first.id)
    assert page.panel.rod_info.text().startswith(f"Rod {first.id}: length")
    last = page.panel.table.model().index(len(m.rods) - 1, 4).data()
    assert last == next(r.reason for r in reversed(m.rods) if not r.accepted)
    # Outlines drawn: accepted (green) and rejected (red) paths.
    x, _ = page.view.outlines[True].getData()
    assert len(x) == 5 * m.summary().count
    # A click near either end of an accepted rod, on its axis, finds that rod; a click a rod
    # length off the axis finds nothing.
    rod = m.accepted()[0]
    a = np.radians(rod.angle_deg)
    for t in (-0.4, 0.0, 0.4):
        x = rod.col + 0.5 + t * rod.length_px * np.cos(a)
        y = rod.row + 0.5 - t * rod.length_px * np.sin(a)
        assert page.view.rod_at(x, y).id == rod.id
    side = page.view.rod_at(rod.col + 0.5 + rod.length_px * np.sin(a),
                            rod.row + 0.5 + rod.length_px * np.cos(a))
    assert side is None or side.id != rod.id
    ds = window.doc.dataset
    row = ds.sample_ids().index("1")
    col = ds.table.columns.get_loc("Average Length (nm)")
    before = ds.table.iat[row, col]
    assert page.panel.use_values()
    after = window.doc.dataset.table.iat[row, col]
    assert after == pytest.approx(m.summary().length_mean, abs=1e-3) and after != before
    # The spread and the count go into their own columns, with units, as one undo step.
    ds = window.doc.dataset
    s = m.summary()
    assert ds.table.at[row, "Length SD (nm)"] == pytest.approx(s.length_std, abs=1e-3)
    assert ds.table.at[row, "Width SD (nm)"] == pytest.approx(s.width_std, abs=1e-3)
    assert ds.table.at[row, "Rods measured"] == s.count
    assert ds.column("Length SD (nm)").unit == "nm"
    assert ds.column("Rods measured").role.value == "ignored"  # a target only when asked
    window.doc.undo_stack.undo()
    assert window.doc.dataset.table.iat[row, col] == before
    assert "Length SD (nm)" not in window.doc.dataset.table.columns
    window.doc.undo_stack.redo()
    assert window.save()
    back = load_project(window.doc.path)
    stored = measurement_of(next(im for im in back.images if im.sample_id == "1"))
    assert stored is not None and stored.summary().count == m.summary().count


def test_attach_files_good_and_bad(qtbot, window, tmp_path, dialogs):
    page = window.micrographs_page.measure
    _choose(page, "3")
    g = make_micrograph(2, bar_px=120)
    good = tmp_path / "new.png"
    Image.fromarray((g.pixels * 255).astype(np.uint8)).save(good)
    bad = tmp_path / "broken.tif"
    bad.write_bytes(b"II*\x00garbage")
    added = page.strip.attach_files([good, bad])
    assert [a.filename for a in added] == ["new.png"]
    assert any("broken.tif" in text for _, text in dialogs.shown)
    assert page.strip.thumbs.count() == 2 and window.doc.dirty
    assert page.current.nm_per_px is None and "No scale" in page.scale.scale_label.text()
    # Measuring without a scale asks for one instead of guessing.
    assert not page.panel.measure()
    # Scale from the detected bar, the user typing its length.
    page.scale._ask_nm = lambda *a: 60.0
    page.scale.scale_from_bar()
    assert page.current.nm_per_px == pytest.approx(60.0 / 120)
    # A drawn line over a known distance.
    page.view.start_line()
    px = page.view.line_length()
    assert px > 10
    page.scale._ask_nm = lambda *a: 30.0
    page.scale.scale_from_line()
    assert page.current.nm_per_px == pytest.approx(30.0 / px)
    page.strip.remove_current()
    assert page.strip.thumbs.count() == 1


def test_the_scale_bar_length_is_typed_never_proposed(window, monkeypatch, dialogs):
    """The dialog fills in no number (the label is not read); a typo is refused and asked
    again; the last value is named as a reminder, not offered as the answer."""
    scale = window.micrographs_page.measure.scale
    asked = []
    answers = iter([("", True), ("two hundred", True), ("200 nm", True), ("150", True)])

    def ask(parent, title, text, *args, **kwargs):
        asked.append((text, args, kwargs))
        return next(answers)

    monkeypatch.setattr(QInputDialog, "getText", ask)
    assert scale._ask_nm("Scale bar", "Type the length:", "test_bar_nm") == 200.0
    assert len(asked) == 3 and all(not a and not k for _, a, k in asked)
    assert sum("not a length" in text for _, text in dialogs.shown) == 2
    assert scale._ask_nm("Scale bar", "Type the length:", "test_bar_nm") == 150.0
    assert "Last time you typed 200 nm" in asked[-1][0]


def test_typed_scale_refuses_nonsense(window, monkeypatch, dialogs):
    page = window.micrographs_page.measure
    _choose(page, "2")
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (0.0, True))
    old = page.current.nm_per_px
    page.scale.scale_direct()
    assert page.current.nm_per_px == old
    assert any("positive" in text for _, text in dialogs.shown)


def calls_on_gui_thread(monkeypatch, owner, name: str) -> list[bool]:
    """Wrap ``owner.name``: each call appends whether it ran on the GUI (main) thread."""
    import threading

    calls: list[bool] = []
    original = getattr(owner, name)

    def watched(*args):
        calls.append(threading.current_thread() is threading.main_thread())
        return original(*args)

    monkeypatch.setattr(owner, name, watched)
    return calls


def test_image_model_and_lime_tabs(qtbot, window, tmp_path, dialogs, monkeypatch):
    page = window.micrographs_page
    page.tabs.setCurrentIndex(1)
    model_tab = page.model
    model_tab.target.setCurrentText("Average Length (nm)")
    model_tab.epochs.setValue(2)
    model_tab.folds.setValue(2)
    with qtbot.waitSignal(window.jobs.idle, timeout=120_000):
        assert model_tab.train()
    assert "left out in turn" in model_tab.result_label.text()
    assert model_tab.trained() is not None and window.doc.dirty
    # LIME tab: nothing is decoded until it is seen; then the trained model is offered;
    # preview, then explain a region.
    lime = page.lime
    assert lime.pixels is None
    # The stored model is never rebuilt on the GUI thread, to list it or to explain with it.
    from nrstudio.core.image_models import lime_images
    from nrstudio.core.image_models.tile_cnn import ImageRegressor

    built_in = calls_on_gui_thread(monkeypatch, ImageRegressor, "from_stored")
    window.show()
    page.tabs.setCurrentIndex(2)
    assert lime.wait_for_image() and lime.pixels is not None
    assert lime.model_box.currentData() == "trained"
    lime.side.setValue(256)
    lime.method.setCurrentText("slic")
    assert lime.wait_for_preview()
    assert lime.segments is not None and lime.segments.shape == (256, 256)
    assert "superpixels" in lime.seg_info.text()
    lime.samples.setValue(120)
    # What the superpixels show (a smoothing of the whole region) is found in the job, never
    # at a redraw on the GUI thread.
    smoothed_in = calls_on_gui_thread(monkeypatch, lime_images, "rod_pixels")
    with qtbot.waitSignal(window.jobs.idle, timeout=60_000):
        assert lime.explain()
    e = lime.explanation
    assert e is not None and len(e.weights[0]) == lime.segments.max() + 1
    for mode in (1, 2, 0):
        lime.results.mode.setCurrentIndex(mode)
    assert smoothed_in == [False] and built_in == [False]
    # The shares shown are those of the whole computation, scale bar included.
    from nrstudio.core.micrographs.images import detect_scale_bar
    from nrstudio.gui.image_models.lime_image_tab import _bar_in_region

    bar_rect = _bar_in_region(detect_scale_bar(lime.pixels), lime.region_rect())
    shares = lime_images.attention_shares(e, lime.results.output.currentData(),
                                          lime.region_image(), bar_rect)
    assert (f"Weight on rods {shares.rods:.0%}, on empty film {shares.film:.0%}, on the "
            f"scale bar {shares.scale_bar:.0%}") in lime.results.summary.text()
    csv = tmp_path / "w.csv"
    monkeypatch.setattr("nrstudio.gui.image_models.lime_result_view.save_table_dialog",
                        lambda parent, frame, name: frame.to_csv(csv, index=False) or True)
    lime.results.export_csv()
    assert csv.read_text().startswith("superpixel,output,weight")
    # A bad hide colour is refused with the reason, nothing starts.
    lime.hide.setText("grey")
    assert not lime.explain()
    assert any("hide" in text for _, text in dialogs.shown)


def test_external_model_in_the_gui(qtbot, window, tmp_path, dialogs):
    import torch

    from nrstudio.core.image_models.own_models import ExternalModelSpec

    net = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(), torch.nn.Linear(2, 1)).eval()
    torch.onnx.export(net, torch.zeros(1, 3, 32, 32), str(tmp_path / "m.onnx"),
                      dynamic_axes={"input": {0: "n"}}, input_names=["input"], dynamo=False)
    tab = window.micrographs_page.model
    assert tab.use_external(ExternalModelSpec(str(tmp_path / "m.onnx"), input_size=(32, 32)))
    assert "m.onnx" in tab.external_label.text()
    lime = window.micrographs_page.lime
    window.show()
    window.micrographs_page.tabs.setCurrentIndex(2)
    assert lime.wait_for_image()  # decoded on the tab's worker
    assert lime.model_box.findData("external") >= 0
    lime.model_box.setCurrentIndex(lime.model_box.findData("external"))
    make, labels = lime.model_function()
    assert labels == ["prediction"] and make()(np.zeros((2, 64, 64), np.float32)).shape == (2, 1)


def test_dropped_micrographs_are_attached_to_the_chosen_sample(window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    page = window.micrographs_page.measure
    _choose(page, "5")
    window.show_page("Data")
    files = []
    for seed in (0, 1):
        g = make_micrograph(seed, bar_px=100)
        files.append(tmp_path / f"drop{seed}.png")
        Image.fromarray((g.pixels * 255).astype(np.uint8)).save(files[-1])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    assert window.pages.currentRow() == window.pages.count() - 1  # Micrographs shown
    names = [im.filename for im in window.doc.project.images if im.sample_id == "5"]
    assert names == ["synthetic-5.jpg", "drop0.png", "drop1.png"]
    # A session's folder dropped whole: its micrographs, not its notes
    folder = tmp_path / "session"
    folder.mkdir()
    Image.fromarray((make_micrograph(2, bar_px=100).pixels * 255).astype(np.uint8)).save(
        folder / "b.png")
    (folder / "a.tif").write_bytes(files[0].read_bytes())  # a PNG saved as .tif is read too
    (folder / "notes.txt").write_text("grid 3")
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    window.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    names = [im.filename for im in window.doc.project.images if im.sample_id == "5"]
    assert names == ["synthetic-5.jpg", "drop0.png", "drop1.png", "a.tif", "b.png"]


def test_external_model_is_forgotten_with_its_project(qtbot, window, tmp_path):
    import torch

    from nrstudio.core.image_models.own_models import ExternalModelSpec

    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.LazyLinear(1))
    net(torch.zeros(1, 3 * 16 * 16))
    torch.onnx.export(net.eval(), torch.zeros(1, 3, 16, 16), str(tmp_path / "m.onnx"),
                      dynamic_axes={"input": {0: "n"}}, input_names=["input"], dynamo=False)
    tab = window.micrographs_page.model
    assert tab.use_external(ExternalModelSpec(str(tmp_path / "m.onnx"), input_size=(16, 16)))
    assert window.save()
    window.open_path(EXAMPLE)
    assert tab.external is None
    assert window.micrographs_page.lime.model_box.findData("external") < 0
    window.open_path(window.recent_files()[1])
    assert "Used before in this project: m.onnx" in tab.external_label.text()
    # The declaration is offered again, but the file only through the file dialog: the
    # path stored in the project is never filled in (nor loaded).
    from nrstudio.core.project.sections import read_section
    from nrstudio.gui.image_models.image_model_tab import ExternalModelDialog

    dialog = ExternalModelDialog(tab, read_section(window.doc.project, "external_image_model"))
    assert dialog.path.text() == "" and dialog.path.isReadOnly()
    assert (dialog.height_px.value(), dialog.width_px.value()) == (16, 16)


def test_an_attached_image_is_decoded_once_for_every_tab(window, tmp_path, monkeypatch):
    page = window.micrographs_page
    _choose(page.measure, "6")
    g = make_micrograph(8, bar_px=100)
    path = tmp_path / "once.png"
    Image.fromarray((g.pixels * 255).astype(np.uint8)).save(path)
    calls = []
    import nrstudio.gui.micrographs.decoded_images as decoded_module
    import nrstudio.gui.micrographs.thumbnail_strip as page_module

    real = page_module.read_micrograph
    monkeypatch.setattr(page_module, "read_micrograph",
                        lambda *a: calls.append(a[1]) or real(*a))
    monkeypatch.setattr(decoded_module, "read_micrograph",
                        lambda *a: calls.append(a[1]) or real(*a))
    (image,) = page.attach_files([path])
    window.show()
    page.tabs.setCurrentIndex(2)
    page.lime.image_box.setCurrentIndex(page.lime.image_box.findData(image.id))
    assert page.lime.pixels is not None and page.lime.pixels.shape == g.pixels.shape
    assert calls == ["once.png"]  # attaching decoded it; the viewer and LIME reused that


def test_method_choice_long_rods_are_traced(qtbot, window, tmp_path):
    from nrstudio.core.micrographs.synthetic import make_raft_micrograph

    page = window.micrographs_page.measure
    _choose(page, "12")
    g = make_raft_micrograph(0, shape=(1000, 1300), n_rafts=7, n_crossing=6)
    path = tmp_path / "rafts.png"
    Image.fromarray((g.pixels * 255).astype(np.uint8)).save(path)
    (image,) = page.strip.attach_files([path])
    page.strip.thumbs.setCurrentRow(page.strip.thumbs.count() - 1)
    page.wait_for_image()
    assert page.current is image
    page.scale._apply_scale(0.4, "typed in")
    assert page.panel.method.currentData() == "auto"
    with qtbot.waitSignal(window.jobs.idle, timeout=120_000):
        assert page.panel.measure()
    m = measurement_of(image)
    assert m.method == "trace" and m.summary().count >= 10
    assert "measured by centre-line tracing (chosen automatically)" in page.panel.summary.text()
    # The user can insist on outlines; the choice is remembered for the next session.
    page.panel.method.setCurrentIndex(page.panel.method.findData("outline"))
    assert window.settings.value("rod_method") == "outline"
    with qtbot.waitSignal(window.jobs.idle, timeout=120_000):
        assert page.panel.measure()
    assert measurement_of(image).method == "outline"
    assert "measured by outlines" in page.panel.summary.text()
    assert "automatically" not in page.panel.summary.text()


def test_bright_rods_and_round_particles_are_measured_with_the_page_rules(
        qtbot, window, tmp_path):
    from PySide6.QtCore import QPoint, Qt

    page = window.micrographs_page.measure
    window.show()
    _choose(page, "12")
    rules = page.panel.rule_form.widgets
    dark, aspect = rules["dark_rods"], rules["min_aspect"]
    assert dark.isVisible() and dark.isChecked() and aspect.value() == 2.0
    # HAADF STEM: bright rods on a dark background.
    g = make_micrograph(2, shape=(500, 700), n_rods=40, bar_px=None)
    path = tmp_path / "haadf.png"
    Image.fromarray(((1 - g.pixels.clip(0, 1)) * 255).astype(np.uint8)).save(path)
    (image,) = page.strip.attach_files([path])
    page.strip.thumbs.setCurrentRow(page.strip.thumbs.count() - 1)
    page.wait_for_image()
    page.scale._apply_scale(0.5, "typed in")
    qtbot.mouseClick(dark, Qt.MouseButton.LeftButton, pos=QPoint(2, dark.height() // 2))
    assert not dark.isChecked()
    with qtbot.waitSignal(window.jobs.idle, timeout=120_000):
        assert page.panel.measure()
    m = measurement_of(image)
    assert not m.settings.dark_rods and m.summary().count >= 20
    # Round particles: named as such, then measured once the least length/width is 1.
    qtbot.mouseClick(dark, Qt.MouseButton.LeftButton, pos=QPoint(2, dark.height() // 2))
    dots = make_micrograph(3, shape=(500, 700), n_rods=70, length=(18.0, 1.5),
                           width=(15.0, 1.0), bar_px=None, touching=0)
    path = tmp_path / "dots.png"
    Image.fromarray((dots.pixels.clip(0, 1) * 255).astype(np.uint8)).save(path)
    (image,) = page.strip.attach_files([path])
    page.strip.thumbs.setCurrentRow(page.strip.thumbs.count() - 1)
    page.wait_for_image()
    page.scale._apply_scale(0.5, "typed in")
    with qtbot.waitSignal(window.jobs.idle, timeout=120_000):
        assert page.panel.measure()
    assert "too round for rods" in page.panel.summary.text()
    aspect.selectAll()
    qtbot.keyClicks(aspect, "1")
    assert aspect.value() == 1.0
    assert float(window.settings.value("rod_min_aspect")) == 1.0  # kept for the next session
    with qtbot.waitSignal(window.jobs.idle, timeout=120_000):
        assert page.panel.measure()
    assert measurement_of(image).summary().count >= 30
    assert "too round" not in page.panel.summary.text()


def test_histograms_of_other_samples_can_be_overlaid(qtbot, window, dialogs):
    import pyqtgraph as pg

    page = window.micrographs_page.measure
    window.show()
    _choose(page, "2")
    qtbot.waitUntil(lambda: len(page.panel.hists.ci.items) == 3)  # made one per turn
    empty = [p for p in page.panel.hists.ci.items if isinstance(p, pg.PlotItem)]
    # Counts come with the bars: an empty plot shows no crowded 0-1 ticks.
    assert len(empty) == 3 and not any(p.getAxis("left").isVisible() for p in empty)
    for sample in ("2", "1"):
        _choose(page, sample)
        with qtbot.waitSignal(window.jobs.idle, timeout=60_000):
            assert page.panel.measure()
    panel = page.panel
    assert all(p.getAxis("left").isVisible() for p in panel.hists.ci.items)
    assert "rejected:" in panel.summary.text() or "0 objects rejected" in panel.summary.text()

    def curves():
        return [i for item in panel.hists.ci.items if isinstance(item, pg.PlotItem)
                for i in item.items if isinstance(i, pg.PlotDataItem)]

    assert curves() == []
    plots = list(panel.hists.ci.items)
    panel.compare.setChecked(True)
    assert len(curves()) == 3  # sample 2's length, width and aspect ratio over sample 1's
    # The plots are refilled, not made again, and the key names this refill's series only,
    # on a line above the bars (a legend inside the ~100 px plot covered them)
    assert list(panel.hists.ci.items) == plots and len(plots) == 3
    panel.refresh()
    key = plots[0].titleLabel
    assert key.isVisible() and "1 (this)" in key.text and "2: synthetic-2.jpg" in key.text
    assert "whole objects" not in key.text
    assert key.text.count("━") == 1  # the one other sample, once after the refill
    assert not plots[1].titleLabel.isVisible()
    qtbot.wait(50)
    assert key.sceneBoundingRect().bottom() <= plots[0].vb.sceneBoundingRect().top() + 1
    panel.compare.setChecked(False)  # the key is the outline's, or none without one
    from nrstudio.core.micrographs.selection import whole_objects_nm

    m = panel.measurement()
    if len(whole_objects_nm(m)[0]) > len(m.lengths_nm()):
        assert key.isVisible() and "accepted rods" in key.text and "whole objects" in key.text
    else:
        assert not key.isVisible()
    panel.compare.setChecked(True)
    lengths = measurement_of(next(im for im in window.doc.project.images
                                  if im.sample_id == "2")).lengths_nm()
    x, y = curves()[0].getData()
    assert np.sum(np.diff(x) * y) == pytest.approx(1.0, rel=1e-6)  # a density
    assert x[0] <= lengths.min() and x[-1] >= lengths.max()


def test_correct_a_measurement_by_hand(qtbot, window, dialogs, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from nrstudio.core.micrographs.corrections import corrected_count
    from nrstudio.core.micrographs.measure import ImageAnalysis, Scale, summary_row

    page = window.micrographs_page.measure
    _choose(page, "1")
    with qtbot.waitSignal(window.jobs.idle, timeout=60_000):
        assert page.panel.measure()
    panel, view = page.panel, page.view
    m0 = measurement_of(page.current)
    n0 = m0.summary().count
    tools = panel.corrections
    # Inspecting (the default) a click only selects.
    good = m0.accepted()[0]
    view.click_at(good.col + 0.5, good.row + 0.5)
    assert measurement_of(page.current).summary().count == n0
    # Reject an accepted rod by clicking it; summary and histograms follow at once.
    tools.correct.setChecked(True)
    view.click_at(good.col + 0.5, good.row + 0.5)
    m1 = measurement_of(page.current)
    assert m1.summary().count == n0 - 1 and corrected_count(m1) == 1
    assert f"<b>{n0 - 1}</b> rods accepted" in panel.summary.text()
    assert "1 rod corrected by hand" in panel.summary.text()
    assert panel.rod_info.text().startswith(f"Rod {good.id}:")
    assert panel.rod_info.text().endswith("rejected by hand.")  # the verdict just given
    window.doc.undo_stack.undo()
    assert measurement_of(page.current).summary().count == n0
    assert panel.rod_info.text().endswith(f"{good.reason}.")  # and back after the undo
    window.doc.undo_stack.redo()
    # Draw a rod the method missed: two clicks, then its width.
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *a, **k: (4.5, True))
    tools.draw.setChecked(True)
    assert not tools.correct.isChecked()  # one tool at a time
    h, w = m0.image_shape
    view.click_at(w * 0.1, h * 0.1)
    view.click_at(w * 0.1 + 60 / m0.nm_per_px, h * 0.1)  # a 60 nm rod
    m2 = measurement_of(page.current)
    assert m2.summary().count == n0 and corrected_count(m2) == 2
    assert m2.rods[-1].length_px * m2.nm_per_px == pytest.approx(60.0)
    assert m2.rods[-1].width_px * m2.nm_per_px == pytest.approx(4.5)
    assert 60.0 in m2.lengths_nm().round(6)
    # Saved with the project; summary.csv says how many were corrected by hand.
    assert window.save()
    back = measurement_of(next(im for im in load_project(window.doc.path).images
                               if im.sample_id == "1"))
    assert corrected_count(back) == 2 and back.summary().count == n0
    row = summary_row(ImageAnalysis("x", None, Scale(back.nm_per_px, "typed"), None, back))
    assert row["rods_corrected_by_hand"] == 2


def test_lime_on_images_without_an_image_says_so(qtbot, tmp_path, dialogs):
    """A project without micrographs: Explain this region explains in words and starts no
    job."""
    w = make_window(qtbot, tmp_path)
    w.show()
    w.show_page("Micrographs")
    lime = w.micrographs_page.lime
    w.micrographs_page.tabs.setCurrentIndex(2)
    assert lime.pixels is None
    assert lime.explain() is False
    assert dialogs.shown and "choose an image first" in dialogs.shown[-1][1]
    assert not w.jobs.busy


def test_a_micrograph_is_decoded_off_the_gui_thread_and_shown_only_if_still_chosen(window):
    window.show()
    page = window.micrographs_page.measure
    page.decoded.keep_only([])  # nothing decoded yet
    page.strip.sample.setCurrentIndex(page.strip.sample.findText("3"))
    first = page.current
    assert page.decoded.peek(first.id) is None  # not decoded on the GUI thread
    assert "reading the image" in page.strip.info.text()
    assert not page.panel.measure_button.isEnabled()
    page.strip.sample.setCurrentIndex(page.strip.sample.findText("4"))  # changed one's mind
    second = page.current
    page.wait_for_image()
    assert page.current is second and page.decoded.peek(second.id) is not None
    assert page.view._pixels is page.decoded.peek(second.id).pixels
    assert second.filename in page.strip.info.text()


def test_the_lime_tab_decodes_an_image_off_the_gui_thread(window, monkeypatch):
    import nrstudio.gui.micrographs.decoded_images as decoded_module

    on_gui = calls_on_gui_thread(monkeypatch, decoded_module, "read_micrograph")
    window.show()
    micrographs = window.micrographs_page
    micrographs.measure.decoded.keep_only([])  # nothing decoded yet
    micrographs.tabs.setCurrentIndex(2)
    lime = micrographs.lime
    first = lime.image
    assert first is not None and lime.pixels is None
    assert "reading the image" in lime.seg_info.text()
    lime.image_box.setCurrentIndex(1)  # changed one's mind before it was read
    second = lime.image
    assert lime.wait_for_image()
    # Both images read, neither on the window's thread. A third read is sometimes counted
    # in a full run (always two alone, 12 of 12): one started elsewhere, also off it.
    assert len(on_gui) >= 2 and not any(on_gui)
    assert lime.image is second and lime.pixels is not None
    assert lime.pixels is micrographs.measure.decoded.peek(second.id).pixels
    assert lime.view._pixels is lime.pixels  # the late first image was not shown


def test_a_measurement_is_read_back_only_when_it_changes(qtbot, window, monkeypatch):
    """Reading 2,000 stored rods back took about 25 ms, several times per redraw: the panel
    keeps what it read until the stored measurement is replaced."""
    import nrstudio.gui.micrographs.decoded_measurements as module

    reads = []
    real = module.measurement_of
    monkeypatch.setattr(module, "measurement_of", lambda im: reads.append(im.id) or real(im))
    page = window.micrographs_page.measure
    _choose(page, "1")
    reads.clear()
    with qtbot.waitSignal(window.jobs.idle, timeout=60_000):
        assert page.panel.measure()
    panel = page.panel
    # What is shown as a measurement lands is what the project file holds (to 0.001 px).
    assert panel.measurement() == measurement_of(page.current)
    for _ in range(3):
        panel.refresh()
    assert reads == []
    panel.corrections.correct.setChecked(True)
    good = panel.measurement().accepted()[0]
    page.view.click_at(good.col + 0.5, good.row + 0.5)
    assert reads == [page.current.id]  # the corrected measurement, read once
    assert panel.measurement().summary().count == measurement_of(page.current).summary().count
    window.doc.undo_stack.undo()
    assert panel.measurement() == measurement_of(page.current)
    assert len(reads) == 2


def test_the_lime_view_draws_a_preview_and_a_result_once_each(qtbot, monkeypatch):
    from nrstudio.core.image_models.lime_images import (
        ImageExplanation,
        superpixel_contents,
    )
    from nrstudio.gui.image_models.lime_result_view import BOUNDARIES, TOP, LimeResultView

    view = LimeResultView()
    qtbot.addWidget(view)
    region = np.random.default_rng(0).uniform(0.4, 0.9, (64, 64))
    segments = (np.arange(64)[:, None] // 16) * 4 + np.arange(64)[None, :] // 16
    draws = calls_on_gui_thread(monkeypatch, view, "draw")
    view.show_preview(region, segments)
    assert len(draws) == 1 and view.mode.currentIndex() == BOUNDARIES
    weights = {0: np.linspace(-1, 1, 16)}
    e = ImageExplanation(segments, ["length"], [0], weights, {0: 0.0}, 0.9, np.array([1.0]))
    view.show_explanation(region, e, superpixel_contents(segments, region))
    assert len(draws) == 2 and view.mode.currentIndex() == TOP
    assert view.output.count() == 1 and "Weight on rods" in view.summary.text()


def test_remembered_rod_rules_are_read_within_their_declared_ranges(tmp_path):
    from PySide6.QtCore import QSettings

    from nrstudio.gui.micrographs.measurement_panel import _remembered_rules

    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    assert _remembered_rules(settings).min_aspect == 2.0
    for text, expected in (("1", 1.0), ("3.5", 3.5), ("500", 2.0), ("0.2", 2.0), ("abc", 2.0)):
        settings.setValue("rod_min_aspect", text)
        assert _remembered_rules(settings).min_aspect == expected, text
    settings.setValue("rod_dark_rods", "false")
    assert not _remembered_rules(settings).dark_rods
