"""Decoded micrographs shared by the Micrographs tabs, so an image is decoded once."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from nrstudio.core.micrographs.images import Micrograph, read_micrograph
from nrstudio.core.project_model import AttachedImage


class DecodedImages:
    """The last ``keep`` micrographs decoded, by image id: a 3500 x 2564 image is 36 MB as
    float32, so a project's worth cannot all stay in memory."""

    def __init__(self, keep: int = 3) -> None:
        self.keep = keep
        self._images: OrderedDict[str, Micrograph] = OrderedDict()

    def get(self, image: AttachedImage) -> Micrograph:
        """The decoded image; raises DataError when its bytes are not a readable image."""
        if image.id not in self._images:
            self.put(image.id, read_micrograph(image.data, image.filename))
        self._images.move_to_end(image.id)
        return self._images[image.id]

    def peek(self, image_id: str) -> Micrograph | None:
        """The decoded image if it is at hand, without decoding."""
        return self._images.get(image_id)

    def put(self, image_id: str, micrograph: Micrograph) -> None:
        self._images[image_id] = micrograph
        self._images.move_to_end(image_id)
        while len(self._images) > self.keep:
            self._images.popitem(last=False)

    def keep_only(self, ids: Iterable[str]) -> None:
        live = set(ids)
        for key in [k for k in self._images if k not in live]:
            del self._images[key]
