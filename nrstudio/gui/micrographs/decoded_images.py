"""Decoded micrographs shared by the Micrographs tabs, so an image is decoded once."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable

from nrstudio.core.micrographs.images import Micrograph, read_micrograph
from nrstudio.core.project_model import AttachedImage
from nrstudio.gui.app.background import BackgroundCalls


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

    def decode_later(self, image: AttachedImage, calls: BackgroundCalls,
                     ready: Callable[[object], None]) -> None:
        """Decode ``image`` on the worker ``calls`` (a 9-megapixel JPEG takes 0.1-0.15 s, too
        long for the GUI thread); ``ready(result)`` then runs on the GUI thread with the
        Micrograph, kept here, or the exception that decoding raised."""
        def done(result: object) -> None:
            if isinstance(result, Micrograph):
                self.put(image.id, result)
            ready(result)

        calls.submit(lambda: read_micrograph(image.data, image.filename), done)

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
