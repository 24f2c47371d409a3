"""Reading TEM micrographs and finding their scale bars (Qt-free): an image as a grey float
array whatever the file (TIFF incl. 16-bit and float, PNG, JPEG, RGB-encoded grey, Gatan's
DM3/DM4, FEI TIA's SER, Thermo Fisher Velox's or NCEM's EMD), the pixel size from TIFF tags or the
DM, SER or EMD calibration when present, and the burned-in scale bar.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np

from nrstudio.core.errors import DataError
from nrstudio.core.micrographs.microscope_files import (
    MICROSCOPE_SUFFIXES,
    MicroscopeImage,
    check_pixel_count,
)
from nrstudio.core.progress import CancelCheck, ProgressCallback, Reporter
from nrstudio.core.units import length_in_nm

# Refuses decompression bombs, for every format, from the header before any pixel is
# decoded: a 10,000 x 10,000 micrograph (400 MB as float32 grey) is the largest accepted.
MAX_PIXELS = 100_000_000


PILLOW_LIMIT = 10 * MAX_PIXELS


def _guard_pillow() -> None:
    """Pillow's decompression-bomb guard, one constant for the whole process, never switched
    off around a decode (which disarmed it for every other thread meanwhile). It sits above
    NR Studio's own limit, so that the header's size, read before any pixel is decoded, is
    refused with a message that names it; past it Pillow refuses the file itself."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = PILLOW_LIMIT


# Pixel sizes of real micrographs, from atomic-resolution TEM to low-magnification SEM; a
# scale outside this range is a typo and would make later steps ask for absurd memory.
SCALE_RANGE_NM_PER_PX = (1e-3, 1e3)


def check_scale(nm_per_px: float, what: str = "nm per pixel") -> float:
    """The scale as a float; DataError unless it is finite and in SCALE_RANGE_NM_PER_PX."""
    lo, hi = SCALE_RANGE_NM_PER_PX
    if not isinstance(nm_per_px, int | float) or not math.isfinite(nm_per_px) or nm_per_px <= 0:
        raise DataError(f"{what} must be a positive number, not {nm_per_px}")
    if not lo <= nm_per_px <= hi:
        raise DataError(f"{what} of {nm_per_px:g} is outside {lo:g} to {hi:g} nm per pixel, "
                        "the range of microscope scales")
    return float(nm_per_px)


@dataclass
class Micrograph:
    """pixels: (height, width) float32 in [0, 1], 0 = black; nm_per_px: from the file's
    tags when it states a physical pixel size, else None."""

    pixels: np.ndarray
    bit_depth: int
    nm_per_px: float | None = None


def _to_grey(arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        rgb = arr[..., :3]
        # RGB-encoded grey (as most TEM JPEG exports): the channels agree up to compression
        # noise, and their mean is the grey value. True colour: luminance. Judged on a sample
        # of pixels; a full-size float64 copy of a 9-megapixel image costs a second.
        probe = rgb[::7, ::7].astype(np.float32)
        spread = np.abs(probe - probe.mean(axis=2, keepdims=True)).mean()
        weights = (np.full(3, 1 / 3, np.float32) if spread < 0.02 * max(float(probe.max()), 1.0)
                   else np.array([0.2125, 0.7154, 0.0721], np.float32))
        # In blocks of rows: a float copy of a whole 80-megapixel RGB image is a gigabyte.
        grey = np.empty(rgb.shape[:2], np.float32)
        for r in range(0, rgb.shape[0], 512):
            grey[r:r + 512] = rgb[r:r + 512].astype(np.float32) @ weights
        return grey
    if arr.ndim == 3 and arr.shape[2] == 1:
        return arr[..., 0]
    if arr.ndim != 2:
        raise DataError(f"an image of shape {arr.shape} is not a single micrograph")
    return arr


def _instrument_pixel_size(tif) -> float | None:
    """nm per pixel from the metadata a microscope's software writes into its TIFFs: FEI /
    Thermo Fisher (``[Scan] PixelWidth`` in m), Olympus SIS / EMSIS cameras (iTEM, Radius:
    the x calibration in m) and Zeiss SEM (``Pixel Size`` with its unit)."""
    def positive(value: object, nm_per_unit: float | None) -> float | None:
        if isinstance(value, int | float) and nm_per_unit is not None and value > 0:
            return float(f"{value * nm_per_unit:.9g}")
        return None

    if tif.is_fei and tif.fei_metadata:
        size = positive((tif.fei_metadata.get("Scan") or {}).get("PixelWidth"), 1e9)
        if size is not None:
            return size
    if tif.is_sis and tif.sis_metadata:
        size = positive(tif.sis_metadata.get("pixelsizex"), 1e9)
        if size is not None:
            return size
    if tif.is_sem and tif.sem_metadata:
        for key in ("ap_image_pixel_size", "ap_pixel_size"):
            entry = tif.sem_metadata.get(key)
            if isinstance(entry, tuple) and len(entry) == 3:
                size = positive(entry[1], length_in_nm(str(entry[2])))
                if size is not None:
                    return size
    return None


def _tiff_pixel_size(tif) -> float | None:
    """nm per pixel from a microscope's own metadata, ImageJ metadata or the resolution
    tags, when they give a length."""
    try:
        size = _instrument_pixel_size(tif)
    except Exception:  # tifffile parses vendors' private tags leniently, and may raise
        size = None
    if size is not None:
        return size
    page = tif.pages[0]
    ij = tif.imagej_metadata or {}
    unit = str(ij.get("unit", "")).strip().lower()
    tags = page.tags
    try:
        if "XResolution" in tags:
            num, den = tags["XResolution"].value
            px_per_unit = num / den if den else 0.0
            if px_per_unit > 0:
                nm = length_in_nm(unit) if unit else None
                if nm is not None:
                    return nm / px_per_unit
                res_unit = int(tags["ResolutionUnit"].value) if "ResolutionUnit" in tags else 2
                if res_unit == 3:  # centimetre
                    return 1e7 / px_per_unit
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return None


_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic and BigTIFF


def _read_maker_file(data: bytes, filename: str) -> MicroscopeImage | None:
    """The image of a microscope maker's file, or None when ``filename`` ends otherwise.
    Each reader is imported when its kind of file is read (h5py only for an .emd)."""
    name = filename.lower()
    if name.endswith((".dm3", ".dm4")):
        from nrstudio.core.micrographs.digital_micrograph import read_digital_micrograph

        return read_digital_micrograph(data, filename, MAX_PIXELS)
    if name.endswith(".ser"):
        from nrstudio.core.micrographs.tia_series import read_tia_series

        return read_tia_series(data, filename, MAX_PIXELS)
    if name.endswith(".emd"):
        from nrstudio.core.micrographs.velox_emd import read_velox_emd

        return read_velox_emd(data, filename, MAX_PIXELS)
    assert not name.endswith(MICROSCOPE_SUFFIXES)
    return None


def read_micrograph(data: bytes, filename: str = "image") -> Micrograph:
    """Decode image bytes (TIFF, PNG, JPEG, DM3/DM4, SER, EMD). Raises DataError for anything
    else."""
    try:
        maker = _read_maker_file(data, filename)
        if maker is not None:
            arr, nm_per_px = maker.pixels, maker.nm_per_px
        # By content, not by name: a PNG or JPEG saved under .tif is read as what it is.
        elif data[:4] in _TIFF_MAGIC:
            import tifffile

            with tifffile.TiffFile(io.BytesIO(data)) as tif:
                shape = tif.pages[0].shape
                check_pixel_count(filename, tuple(shape), MAX_PIXELS)
                arr = tif.asarray(key=0)
                nm_per_px = _tiff_pixel_size(tif)
        else:
            from PIL import Image

            _guard_pillow()
            with Image.open(io.BytesIO(data)) as img:
                # Pillow only warns below twice its own limit: check the header's size here.
                w, h = img.size
                if w * h * max(len(img.getbands()), 1) > 4 * MAX_PIXELS or w * h > MAX_PIXELS:
                    raise DataError(f"{filename}: {w} x {h} pixels is larger than the "
                                    f"{MAX_PIXELS // 1_000_000} megapixels NR Studio reads")
                img.load()
                arr = np.asarray(img)
            nm_per_px = None
    except DataError:
        raise
    except Exception as exc:  # the decoders raise many kinds for damaged files
        raise DataError(f"{filename} is not a readable image ({type(exc).__name__})") from None
    if arr.dtype.kind not in "uif" or arr.size == 0:
        raise DataError(f"{filename}: unsupported pixel type {arr.dtype}")
    kind, dtype = arr.dtype.kind, arr.dtype
    bits = dtype.itemsize * 8 if kind in "ui" else 32
    # One float32 copy at most, then every step in place: a 10,000 x 10,000 image is 400 MB.
    grey = _to_grey(arr)
    owned = grey is not arr and grey.base is None and grey.flags.writeable
    grey = grey.astype(np.float32, copy=not owned)
    del arr
    # Signed counts (a camera's dark-subtracted frames go below 0) are spread as floats are.
    if kind == "u":
        top = float(np.iinfo(dtype).max)
        if dtype.itemsize >= 2 and grey.max() > 0:
            top = float(grey.max())  # 16-bit detectors rarely use the full range
        grey /= top
    else:
        finite = np.isfinite(grey)
        if not finite.any():
            raise DataError(f"{filename}: no pixel holds a finite value")
        if not finite.all():
            # NaN or infinite pixels (a float TIFF with masked areas) take the median grey, so
            # they read as film, not as rods.
            grey = np.where(finite, grey, np.float32(np.median(grey[finite])))
        lo, hi = float(grey.min()), float(grey.max())
        if hi > lo:
            grey -= lo
            grey /= hi - lo
        else:
            grey[:] = 0
    np.clip(grey, 0, 1, out=grey)
    return Micrograph(grey, bits, nm_per_px)


def _longest_runs(mask: np.ndarray) -> np.ndarray:
    """Length of the longest run of True in every row of a 2-D boolean array."""
    padded = np.pad(mask.astype(np.int8), ((0, 0), (1, 1)))
    edges = np.diff(padded, axis=1)
    out = np.zeros(len(mask), dtype=np.int64)
    for i, row in enumerate(edges):
        starts, ends = np.flatnonzero(row == 1), np.flatnonzero(row == -1)
        if len(starts):
            out[i] = int((ends - starts).max())
    return out


@dataclass
class ScaleBar:
    """A burned-in scale bar: its length in pixels, where it is, and whether it is dark on a
    lighter background or the reverse."""

    length_px: float
    row: int  # centre row
    col_start: int
    col_end: int  # inclusive
    thickness: int
    polarity: str  # "dark" or "bright"
    corner: str  # "lower left", "lower right", "upper left", "upper right"


def detect_scale_bar(
    pixels: np.ndarray,
    progress: ProgressCallback | None = None,
    cancel: CancelCheck | None = None,
) -> ScaleBar | None:
    """Find the longest solid horizontal bar near a corner (pixels: (h, w) in [0, 1]).

    A bar is a connected region of near-black (or near-white) pixels, at least 3% of the
    image wide, at least 6 times wider than thick but thicker than 1.2% of its length, filling
    at least 85% of its bounding box.
    Its length is the median run length over its rows. None when nothing qualifies. Bars
    thinner than 3 px are not found.
    """
    from scipy.ndimage import binary_opening
    from skimage.measure import label, regionprops

    rep = Reporter(progress, cancel)
    h, w = pixels.shape
    lo, med, hi = np.percentile(pixels, [0.1, 50, 99.9])
    thresholds = {"dark": lo + 0.2 * (med - lo), "bright": hi - 0.2 * (hi - med)}
    rh, rw = max(int(0.2 * h), 8), max(int(0.5 * w), 8)  # bars reach far in small images
    corners = {"lower left": (h - rh, 0), "lower right": (h - rh, w - rw),
               "upper left": (0, 0), "upper right": (0, w - rw)}
    best: ScaleBar | None = None
    best_key = (0.0, 0.0)
    for k, (corner, (r0, c0)) in enumerate(corners.items()):
        region = pixels[r0:r0 + rh, c0:c0 + rw]
        for polarity, t in thresholds.items():
            mask = region <= t if polarity == "dark" else region >= t
            # Opening removes noise speckle touching the bar (bars are >= 3 px thick).
            mask = binary_opening(mask, np.ones((3, 7), dtype=bool))
            for prop in regionprops(label(mask, connectivity=2)):
                minr, minc, maxr, maxc = prop.bbox
                bh, bw = maxr - minr, maxc - minc
                # Thin strips (frames around labels) are not bars: a bar is thicker than 1.2%
                # of its length.
                if (bw < 0.03 * w or bh < max(3, 0.012 * bw) or bw < 6 * bh
                        or prop.area < 0.85 * bh * bw):
                    continue
                # Length from the unopened mask: per row the longest contiguous run, then the
                # median over the rows that are nearly full (touching rods move few rows).
                # Edges blurred by the optics or by JPEG sit at half way between the bar's
                # level and its surroundings', not at the strict detection threshold.
                inside = np.median(region[minr:maxr, minc:maxc])
                around = np.median(np.concatenate([
                    region[max(minr - 6, 0):max(minr - 2, 0), minc:maxc].ravel(),
                    region[maxr + 2:maxr + 6, minc:maxc].ravel(), [inside]]))
                half = (inside + around) / 2
                raw = region <= half if polarity == "dark" else region >= half
                band = raw[minr:maxr, max(minc - 10, 0):maxc + 10]
                runs = _longest_runs(band)
                full = runs[runs >= 0.5 * runs.max()]
                length = float(np.median(full))
                key = (length, prop.area / (bh * bw))
                if key > best_key:
                    best_key = key
                    best = ScaleBar(length, r0 + (minr + maxr - 1) // 2, c0 + minc,
                                    c0 + maxc - 1, len(full), polarity, corner)
        rep.report((k + 1) / len(corners), "looking for the scale bar")
    return best
