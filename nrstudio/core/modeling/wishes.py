"""What a user wants of the targets: a value within a tolerance (:class:`Want`), or a target
as high or as low as possible (:class:`Optimise`). Design, suggestions and the campaign read
the same two."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Want:
    """A wanted value of a target with its tolerance (target units): value ± tolerance."""

    target: str
    value: float
    tolerance: float


@dataclass(frozen=True)
class Optimise:
    """A target wanted as high (``highest``) or as low as possible: alone, or together with
    windows on other targets, which must then hold (see :mod:`~nrstudio.core.modeling.suggest`)."""

    target: str
    highest: bool = True

    @property
    def sign(self) -> float:
        return 1.0 if self.highest else -1.0

    @property
    def label(self) -> str:
        return f"{self.target} as {'high' if self.highest else 'low'} as possible"
