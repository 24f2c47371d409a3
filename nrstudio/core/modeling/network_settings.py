"""Settings of the regression networks (torch-free, so that the command line and the GUI can
build their inputs without importing torch)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from nrstudio.core.errors import DataError
from nrstudio.core.settings import DEVICE_CHOICES, MAX_SEED, check_ranges, setting


@dataclass(frozen=True)
class NetworkSettings:
    """The regression networks and how they are trained (one model per target and fold)."""

    hidden: tuple[int, ...] = setting((64, 64), low=1, high=4096, label="Hidden layers",
                                      unit="units",
                                      help="Units per hidden layer, separated by commas; the "
                                           "paper's network is 64, 64.")
    optimizer: Literal["adam", "rmsprop"] = setting(
        "adam", label="Optimiser", choices={"adam": "Adam (paper text)",
                                            "rmsprop": "RMSprop (paper scripts)"},
        help="The paper's text names Adam; its scripts used RMSprop.")
    lr: float = setting(1e-3, low=0, high=1, low_open=True, label="Learning rate",
                        decimals=5, step=1e-4, help="Step size of the optimiser.")
    batch_size: int = setting(32, low=1, high=65_536, label="Batch size", unit="rows",
                              help="Rows per optimiser step.")
    max_epochs: int = setting(300, low=1, high=100_000, label="Max epochs",
                              help="Passes over the training rows at most.")
    patience: int = setting(30, low=0, high=10_000, label="Early-stopping patience",
                            unit="epochs", none_label="off",
                            help="Epochs without a better inner-validation loss before a model "
                                 "stops; 0 = never stop early.")
    validation_fraction: float = setting(0.2, low=0, high=0.9, label="Inner validation fraction",
                                         help="Share of each model's training samples held "
                                              "out for early stopping.")
    seed: int = setting(0, low=0, high=MAX_SEED, label="Random seed",
                        help="The same seed gives the same networks on the CPU.")
    device: str = setting("auto", label="Device",
                          choices=DEVICE_CHOICES,
                          help="Where the networks are trained.")

    def check(self) -> None:
        check_ranges(self, "network")
        if self.validation_fraction >= 0.9:
            raise DataError("the validation fraction must be below 0.9")
