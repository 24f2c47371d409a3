"""A user's own image model in ONNX (run by onnxruntime), regression or classification, with
its declared input size and normalisation (Qt-free).

ONNX is a data format: a graph of standard operators and their weights, run by onnxruntime
without executing any code from the file. TorchScript and pickled PyTorch files are refused:
loading them can run code that the file carries. Export a PyTorch model with
``torch.onnx.export(model.eval(), torch.zeros(1, 3, 224, 224), "model.onnx")`` (see
docs/micrographs.md). The model file stays where the user keeps it; the project stores only
its declaration (input size, normalisation), never a path that is loaded without the user
choosing the file.
"""

from __future__ import annotations

import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.settings import typed_value
from nrstudio.core.strict_json import texts

TORCH_SUFFIXES = (".pt", ".pth", ".ts", ".torchscript", ".pkl", ".pickle", ".bin")


@dataclass
class ExternalModelSpec:
    """path: an .onnx file. task: "regression" (one output per image)
    or "classification" (one score per class; softmax applied unless outputs already sum to
    1). input_size: (height, width) the model expects; channels: 1 (grey) or 3 (grey copied
    to RGB); mean/std: per-channel normalisation of [0, 1] pixels; layout "NCHW" or "NHWC".
    class_names: one per output, read from a text file (one name per line) when given."""

    path: str
    task: str = "regression"
    input_size: tuple[int, int] = (224, 224)
    channels: int = 3
    mean: tuple[float, ...] = (0.5,)
    std: tuple[float, ...] = (0.5,)
    layout: str = "NCHW"
    class_names: list[str] = field(default_factory=list)

    def check(self) -> None:
        if self.task not in ("regression", "classification"):
            raise DataError(f"task must be regression or classification, not '{self.task}'")
        if self.channels not in (1, 3):
            raise DataError("the model input must have 1 or 3 channels")
        if self.layout not in ("NCHW", "NHWC"):
            raise DataError("the input layout must be NCHW or NHWC")
        h, w = self.input_size
        if not (8 <= h <= 4096 and 8 <= w <= 4096):
            raise DataError("the input size must be between 8 and 4096 px")
        for values in (self.mean, self.std):
            if len(values) not in (1, self.channels):
                raise DataError(f"give 1 or {self.channels} normalisation values")
        if any(v <= 0 for v in self.std):
            raise DataError("normalisation std values must be positive")

    @classmethod
    def from_json(cls, doc: dict) -> ExternalModelSpec:
        """The stored declaration, each value read strictly by its field's type
        (:func:`~nrstudio.core.settings.typed_value`) and checked; DataError names a bad one."""
        hints = typing.get_type_hints(cls)
        values = {f.name: typed_value(doc[f.name], hints[f.name], f.name) for f in fields(cls)
                  if f.name in doc and f.name != "class_names"}
        if len(values.get("input_size", (224, 224))) != 2:
            raise DataError("input_size must be two numbers (height, width)")
        spec = cls(**{"path": "", **values},
                   class_names=texts(doc.get("class_names", []), "class_names"))
        spec.check()
        return spec

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["input_size"] = list(self.input_size)
        data["mean"], data["std"] = list(self.mean), list(self.std)
        return data


def read_class_names(path: str | Path) -> list[str]:
    """One class name per non-empty line (UTF-8)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read class names from {path}: {exc}") from None
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise DataError(f"{path} holds no class names")
    return names


class ExternalImageModel:
    """Callable on batches of grey images: ``predict((n, h, w) in [0, 1]) -> (n, k)``."""

    def __init__(self, spec: ExternalModelSpec) -> None:
        spec.check()
        self.spec = spec
        path = Path(spec.path)
        if not path.is_file():
            raise DataError(f"model file not found: {path}")
        suffix = path.suffix.lower()
        try:
            if suffix == ".onnx":
                import onnxruntime as ort

                self._session = ort.InferenceSession(str(path),
                                                     providers=["CPUExecutionProvider"])
                self._input = self._session.get_inputs()[0].name
                self._run = self._run_onnx
            elif suffix in TORCH_SUFFIXES:
                raise DataError(f"{path.name}: TorchScript and PyTorch files are not loaded, "
                                "because loading them can run code they carry. Export the "
                                "model to ONNX (torch.onnx.export) and load the .onnx file.")
            else:
                raise DataError(f"{path.name}: use an ONNX (.onnx) model file")
        except DataError:
            raise
        except Exception as exc:  # the runtimes raise many kinds for a bad file
            raise DataError(f"{path.name} is not a loadable model ({type(exc).__name__}: "
                            f"{str(exc)[:200]})") from None
        # One trial call: a wrong input size or layout is reported now, not mid-explanation.
        probe = self.predict(np.full((1, *spec.input_size), 0.5, dtype=np.float32))
        if spec.task == "classification" and spec.class_names and \
                len(spec.class_names) != probe.shape[1]:
            raise DataError(f"the model has {probe.shape[1]} outputs but "
                            f"{len(spec.class_names)} class names were given")
        self.outputs = int(probe.shape[1])

    @property
    def labels(self) -> list[str]:
        if self.spec.task == "regression":
            return ["prediction"] * self.outputs if self.outputs > 1 else ["prediction"]
        return self.spec.class_names or [f"class {k}" for k in range(self.outputs)]

    def _inputs(self, grey: np.ndarray) -> np.ndarray:
        from skimage.transform import resize

        s = self.spec
        h, w = s.input_size
        if grey.shape[1:] != (h, w):
            grey = np.stack([resize(g, (h, w), order=1, anti_aliasing=True,
                                    preserve_range=True) for g in grey])
        x = np.repeat(grey[:, None], s.channels, axis=1).astype(np.float32)  # (n, c, h, w)
        mean = np.array(s.mean, np.float32).reshape(1, -1, 1, 1)
        std = np.array(s.std, np.float32).reshape(1, -1, 1, 1)
        x = (x - mean) / std
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1) if s.layout == "NHWC" else x)

    def _run_onnx(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._session.run(None, {self._input: x})[0])

    def predict(self, grey: np.ndarray, batch: int = 64) -> np.ndarray:
        """(n, h, w) grey in [0, 1] -> (n, k): values, or class probabilities."""
        outs = []
        for start in range(0, len(grey), batch):
            try:
                out = self._run(self._inputs(grey[start:start + batch]))
            except Exception as exc:
                raise DataError(f"the model refused its input ({type(exc).__name__}: "
                                f"{str(exc)[:200]}); check the input size, channels and "
                                "layout") from None
            outs.append(np.asarray(out, dtype=np.float64).reshape(len(out), -1))
        y = np.concatenate(outs)
        if self.spec.task == "classification":
            sums = y.sum(axis=1)
            if (y < 0).any() or not np.allclose(sums, 1.0, atol=1e-3):
                e = np.exp(y - y.max(axis=1, keepdims=True))
                y = e / e.sum(axis=1, keepdims=True)
        return y
