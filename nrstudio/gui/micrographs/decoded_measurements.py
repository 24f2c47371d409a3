"""Rod measurements read from their stored form once per change, for the Micrographs panel."""

from __future__ import annotations

from nrstudio.core.micrographs.rod_model import RodMeasurement
from nrstudio.core.project.attachments import measurement_of
from nrstudio.core.project_model import AttachedImage


class DecodedMeasurements:
    """Each image's measurement as last read, with the stored document it was read from.

    Reading 2,000 traced rods back from their stored form took about 25 ms, and the panel
    read it several times per redraw (and once per other image for the comparison), which
    held the window for over 100 ms as a measurement landed. A stored document is replaced,
    never edited in place, whenever a measurement changes (a new measurement, a correction, an
    undo, a new scale), so the same document by identity means the same measurement. The
    measurements handed out are shared: callers must not change them (corrections make new
    ones)."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[object, RodMeasurement | None]] = {}

    def get(self, image: AttachedImage) -> RodMeasurement | None:
        """The stored measurement (None when there is none or it is damaged)."""
        stored = image.meta.get("measurement")
        kept = self._kept.get(image.id)
        if kept is not None and kept[0] is stored:
            return kept[1]
        measurement = measurement_of(image)
        self._kept[image.id] = (stored, measurement)
        return measurement

    def remember(self, image: AttachedImage, measurement: RodMeasurement) -> None:
        """``measurement`` was just stored in ``image``: keep it without reading it back."""
        self._kept[image.id] = (image.meta.get("measurement"), measurement)
