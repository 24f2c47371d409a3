"""The settings of the tile CNN that learns a target from micrographs, and the target it
learns by default: what the GUI's form needs, without torch (the window opens before torch
is loaded; :mod:`~nrstudio.core.image_models.tile_cnn` trains the network)."""

from __future__ import annotations

from dataclasses import dataclass

from nrstudio.core.data.dataset import Dataset
from nrstudio.core.data.header_words import find_rod_size
from nrstudio.core.errors import DataError
from nrstudio.core.settings import DEVICE_CHOICES, MAX_SEED, check_ranges, setting

IMAGE_MODEL = "image-cnn"
KIND = "tile_cnn"


@dataclass(frozen=True)
class ImageModelSettings:
    """The tile CNN that learns a target from micrographs, and its evaluation."""

    target: str = setting("", label="Target",
                          help="The target column learnt from the images; empty = the aspect "
                               "ratio column, else the first target.")
    model_nm_per_px: float = setting(2.0, low=0.05, high=50, label="Model scale",
                                     unit="nm/px", decimals=2, step=0.25,
                                     help="Every image is rescaled to this pixel size before "
                                          "tiles are cut, so images of any scale compare.")
    tile_px: int = setting(64, low=16, high=512, label="Tile side", unit="px", step=16,
                           help="Side of the square tiles at the model scale.")
    tiles_per_image: int = setting(64, low=1, high=4096, label="Tiles per image",
                                   help="Random tiles drawn from each image per epoch.")
    channels: tuple[int, ...] = setting((8, 16, 32), low=1, high=256, label="Channels",
                                        help="Convolution widths, each followed by ReLU and "
                                             "2×2 max pooling.")
    epochs: int = setting(20, low=1, high=500, label="Epochs", help="Passes over the tiles.")
    batch_size: int = setting(64, low=1, high=4096, label="Batch size", unit="tiles",
                              help="Tiles per optimiser step.")
    learning_rate: float = setting(1e-3, low=0, high=1, low_open=True, label="Learning rate",
                                   decimals=5, help="Adam's step size.")
    folds: int = setting(5, low=2, high=50, label="Folds",
                         help="Leave-samples-out folds of the evaluation (at most the number "
                              "of samples).")
    seed: int = setting(0, low=0, high=MAX_SEED, label="Seed",
                        help="The same seed gives the same model on the CPU.")
    device: str = setting("auto", label="Device",
                          choices=DEVICE_CHOICES, help="Where the network is trained.")

    def check(self) -> None:
        check_ranges(self, "image model")
        if len(self.channels) > 6:
            raise DataError("the image model has at most 6 convolution layers")
        if self.tile_px < 2 ** len(self.channels):
            raise DataError(f"a tile of {self.tile_px} px is too small for "
                            f"{len(self.channels)} pooling layers")


def choose_target(dataset: Dataset, target: str) -> str:
    targets = dataset.targets
    if not targets:
        raise DataError("the data table has no target column")
    if target:
        if target not in targets:
            raise DataError(f"'{target}' is not a target column")
        return target
    k = find_rod_size(targets, "aspect")
    return targets[k if k is not None else 0]
