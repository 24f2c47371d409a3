"""Image model (tile CNN) trained on synthetic micrographs, external ONNX/TorchScript models,
and LIME superpixel explanations."""

import numpy as np
import pytest
import torch

from nrstudio.core.data.dataset import Column, Dataset, Kind, Role
from nrstudio.core.errors import Cancelled, DataError
from nrstudio.core.image_models.lime_images import (
    DEFAULT_PARAMS,
    ImageLimeSettings,
    explain_image,
    segment_superpixels,
)
from nrstudio.core.image_models.own_models import ExternalImageModel, ExternalModelSpec, read_class_names
from nrstudio.core.image_models.tile_cnn import ImageModelSettings, ImageRegressor, train_image_model
from nrstudio.core.micrographs.synthetic import make_micrograph, sample_micrograph
from nrstudio.core.project.attachments import attach_image, set_scale
from nrstudio.core.project.file_format import load_project, save_project
from nrstudio.core.project.image_model_store import store_image_model, stored_image_model
from nrstudio.core.project_model import Project

FAST = ImageModelSettings(target="Length (nm)", epochs=25, folds=3, tiles_per_image=96)


def synthetic_project(lengths, width=5.0, shape=(384, 384)) -> Project:
    cols = [Column("Sample", Role.SAMPLE_ID, "", Kind.TEXT), Column("x", Role.INPUT, ""),
            Column("Length (nm)", Role.TARGET, "nm"), Column("Width (nm)", Role.TARGET, "nm")]
    ds = Dataset.from_records(cols, [[f"s{i}", float(i), L, width]
                                     for i, L in enumerate(lengths)])
    project = Project(ds)
    for i, L in enumerate(lengths):
        data, _ = sample_micrograph(L, width, seed=10 + i, shape=shape, bar_nm=50)
        image = attach_image(project, f"s{i}", f"s{i}.jpg", data)
        set_scale(image, 0.5, "known")
    return project


@pytest.fixture(scope="module")
def trained():
    project = synthetic_project([25, 35, 45, 55, 65, 75, 85, 95, 110])
    return project, train_image_model(project, FAST)


@pytest.mark.slow
def test_cnn_learns_length_leaving_samples_out(trained):
    _, result = trained
    assert result.metrics["MAE"] < 0.7 * result.baseline_metrics["MAE"]
    assert result.metrics["R2"] > 0.5
    assert "beats the mean" in result.summary()
    # Every sample was predicted by a model that never saw it (3 folds of 3).
    assert len(result.predicted) == 9 and np.all(np.isfinite(result.predicted))


@pytest.mark.slow
def test_image_model_survives_the_project_file(trained, tmp_path):
    project, result = trained
    store_image_model(project, result)
    save_project(project, tmp_path / "p.nrproj")
    back = stored_image_model(load_project(tmp_path / "p.nrproj"))
    assert back is not None and back.target == "Length (nm)"
    img = np.random.default_rng(0).random((200, 200)).astype(np.float32)
    assert back.predict_image(img, 0.5) == pytest.approx(
        result.regressor.predict_image(img, 0.5), rel=1e-5)


def test_damaged_stored_image_model_is_refused():
    project = synthetic_project([30, 60, 90], shape=(128, 128))
    result = train_image_model(project, ImageModelSettings(
        target="Length (nm)", channels=(4,), epochs=1, folds=2, tiles_per_image=4))
    stored = result.regressor.to_stored({})
    stored.tensors.pop(next(iter(stored.tensors)))
    with pytest.raises(DataError, match="damaged"):
        ImageRegressor.from_stored(stored)


def test_image_model_needs_scaled_images_for_three_samples():
    project = synthetic_project([30, 60, 90], shape=(128, 128))
    project.images[0].nm_per_px = None
    with pytest.raises(DataError, match="at least 3 samples"):
        train_image_model(project, FAST)
    with pytest.raises(DataError, match="folds"):
        train_image_model(project, ImageModelSettings(folds=1))


def test_image_model_training_cancels():
    project = synthetic_project([30, 60, 90], shape=(128, 128))
    with pytest.raises(Cancelled):
        train_image_model(project, FAST, cancel=lambda: True)


# ---- LIME ------------------------------------------------------------------------------------
REGION = (slice(100, 170), slice(180, 250))


def region_model(batch: np.ndarray) -> np.ndarray:
    """Looks only at REGION: the share of dark (rod) pixels there."""
    return (batch[:, REGION[0], REGION[1]] < 0.5).mean(axis=(1, 2))[:, None]


@pytest.mark.parametrize("method", ["slic", "quickshift", "felzenszwalb"])
def test_lime_top_superpixel_is_where_the_model_looks(method):
    g = make_micrograph(3, shape=(320, 320), n_rods=40, bar_px=None)
    img = g.pixels.copy()
    img[REGION] = np.minimum(img[REGION], 0.3 + 0.4 * (np.indices((70, 70)).sum(0) % 20 < 10))
    settings = ImageLimeSettings(segmentation=method, num_samples=300, seed=1)
    e = explain_image(img, region_model, ["dark share"], settings)
    # The top superpixel covers part of the region (superpixels follow the image, not the
    # region's edges, so it may reach beyond it) ...
    top = e.top(0, 1, positive=True)[0]
    assert (e.segments[REGION] == top).sum() > 0.1 * (e.segments == top).sum()
    # Superpixels wholly outside the region carry no weight.
    outside = [i for i in range(len(e.weights[0])) if not (e.segments[REGION] == i).any()]
    assert np.abs(e.weights[0][outside]).max() < 0.05 * np.abs(e.weights[0]).max()


def test_lime_is_reproducible_and_equals_lime_itself():
    from lime.lime_image import LimeImageExplainer

    g = make_micrograph(4, shape=(200, 260), n_rods=10, bar_px=None)
    settings = ImageLimeSettings(num_samples=200, seed=7, batch_size=37)
    a = explain_image(g.pixels, region_model, ["m"], settings)
    b = explain_image(g.pixels, region_model, ["m"], settings)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])
    # The same seed through lime's own (unbatched) sampling gives the same weights.
    ref = LimeImageExplainer(random_state=7).explain_instance(
        np.repeat(g.pixels[..., None], 3, axis=2), lambda x: region_model(x[..., 0]),
        labels=(0,), top_labels=None, num_samples=200, batch_size=37,
        segmentation_fn=lambda _: a.segments, random_seed=7)
    w = np.zeros(len(a.weights[0]))
    for f, v in ref.local_exp[0]:
        w[f] = v
    np.testing.assert_allclose(a.weights[0], w, atol=1e-10)


def test_segmentations_are_seeded_and_sequential():
    g = make_micrograph(5, shape=(200, 200), n_rods=20, bar_px=None)
    for method, params in DEFAULT_PARAMS.items():
        s1 = segment_superpixels(g.pixels, method, params, seed=3)
        s2 = segment_superpixels(g.pixels, method, params, seed=3)
        np.testing.assert_array_equal(s1, s2)
        assert s1.min() == 0 and set(np.unique(s1)) == set(range(s1.max() + 1))


def test_lime_settings_refused():
    with pytest.raises(DataError, match="segmentation must be one of slic, quickshift, felzenszwalb"):
        ImageLimeSettings(segmentation="watershed").resolved_params()
    with pytest.raises(DataError, match="hide"):
        ImageLimeSettings(hide="grey").hide_value()
    with pytest.raises(DataError, match="at least 10"):
        explain_image(np.zeros((32, 32)), region_model, ["m"], ImageLimeSettings(num_samples=5))


# ---- external models ---------------------------------------------------------------------------
class Classifier(torch.nn.Module):
    """Three classes from the image's mean darkness; a genuinely small CNN."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.fc = torch.nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3)))


@pytest.fixture(scope="module")
def model_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    net = Classifier().eval()
    x = torch.rand(2, 3, 64, 64)
    torch.jit.trace(net, x).save(str(folder / "clf.pt"))
    torch.onnx.export(net, x, str(folder / "clf.onnx"), input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, dynamo=False)
    (folder / "classes.txt").write_text("short\nmedium\nlong\n", encoding="utf-8")
    with torch.no_grad():
        expected = torch.softmax(net(torch.full((1, 3, 64, 64), 0.0)), 1).numpy()
    return folder, expected


def test_external_models_load_predict_and_explain(model_files):
    folder, expected = model_files
    spec = ExternalModelSpec(str(folder / "clf.onnx"), task="classification", input_size=(64, 64),
                             channels=3, mean=(0.5,), std=(0.5,),
                             class_names=read_class_names(folder / "classes.txt"))
    model = ExternalImageModel(spec)
    assert model.labels == ["short", "medium", "long"]
    probs = model.predict(np.full((1, 64, 64), 0.5, np.float32))  # (0.5 - 0.5) / 0.5 = 0
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    # A bigger image is resized to the declared input; LIME explains the top classes.
    g = make_micrograph(1, shape=(128, 128), n_rods=8, bar_px=None)
    e = explain_image(g.pixels, model.predict, model.labels,
                      ImageLimeSettings(num_samples=60, top_labels=2))
    assert len(e.explained) == 2 and e.explained[0] == int(np.argmax(e.prediction))


def test_external_model_errors(model_files, tmp_path):
    folder, _ = model_files
    with pytest.raises(DataError, match="not found"):
        ExternalImageModel(ExternalModelSpec(str(tmp_path / "none.onnx")))
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(DataError, match="not a loadable model"):
        ExternalImageModel(ExternalModelSpec(str(tmp_path / "junk.onnx")))
    with pytest.raises(DataError, match="refused its input"):
        ExternalImageModel(ExternalModelSpec(str(folder / "clf.onnx"), channels=1, mean=(0.5,)))
    with pytest.raises(DataError, match="3 outputs but 2 class names"):
        ExternalImageModel(ExternalModelSpec(str(folder / "clf.onnx"), task="classification",
                                             input_size=(64, 64), class_names=["a", "b"]))
    with pytest.raises(DataError, match=r"use an ONNX \(\.onnx\) model file"):
        (tmp_path / "m.h5").write_bytes(b"x")
        ExternalImageModel(ExternalModelSpec(str(tmp_path / "m.h5")))


def test_torchscript_is_refused_without_being_loaded(model_files, monkeypatch):
    """A TorchScript file can run code when it is loaded (__setstate__) and when called: it
    is refused by its kind, and torch's loaders are never reached."""
    folder, _ = model_files

    def never(*args, **kwargs):
        raise AssertionError("a model file was loaded by torch")

    monkeypatch.setattr(torch.jit, "load", never)
    monkeypatch.setattr(torch, "load", never)
    for name in ("clf.pt", "clf.pth", "clf.ts"):
        (folder / name).write_bytes((folder / "clf.pt").read_bytes())
        with pytest.raises(DataError, match=r"can run code they carry.*ONNX"):
            ExternalImageModel(ExternalModelSpec(str(folder / name), task="classification",
                                                 input_size=(64, 64)))


def test_attention_flags_a_model_that_reads_the_scale_bar():
    from nrstudio.core.image_models.lime_images import attention_shares
    from nrstudio.core.micrographs.images import detect_scale_bar
    from nrstudio.core.micrographs.measure import bar_exclusion

    g = make_micrograph(6, shape=(300, 400), n_rods=30, bar_px=150)
    bar = detect_scale_bar(g.pixels)
    rect = bar_exclusion(bar)

    def reads_bar(batch):
        return (batch[:, bar.row - 3:bar.row + 4, bar.col_start:bar.col_end] < 0.2).mean(
            axis=(1, 2))[:, None]

    e = explain_image(g.pixels, reads_bar, ["m"], ImageLimeSettings(num_samples=200))
    shares = attention_shares(e, 0, g.pixels, rect)
    assert shares.scale_bar > 0.7 and "scale bar" in shares.warning
    # The rod-watching model of the tests above is not flagged.
    img = g.pixels.copy()
    img[REGION] = np.minimum(img[REGION], 0.3 + 0.4 * (np.indices((70, 70)).sum(0) % 20 < 10))
    e2 = explain_image(img, region_model, ["m"], ImageLimeSettings(num_samples=200))
    ok = attention_shares(e2, 0, img, rect)
    assert ok.scale_bar < 0.1 and ok.rods > 0.5 and ok.warning == ""


def test_attention_flags_a_model_that_reads_the_background():
    from nrstudio.core.image_models.lime_images import attention_shares

    g = make_micrograph(7, shape=(300, 400), n_rods=12, bar_px=None)
    img = g.pixels.copy()
    img[20:90, 300:390] = 0.75  # a patch of empty film

    def film_brightness(batch):
        return batch[:, 20:90, 300:390].mean(axis=(1, 2))[:, None]

    e = explain_image(img, film_brightness, ["m"], ImageLimeSettings(num_samples=200, hide="0"))
    shares = attention_shares(e, 0, img)
    assert shares.film > 0.7 and "background" in shares.warning
