"""Synthetic bright-field TEM micrographs of nanorods with known sizes (Qt-free).

Used by the tests (rods of known length and width, a scale bar of known length) and by the
bundled example project, whose micrographs are drawn from each sample's published mean length
and width: no real micrograph is shipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter


@dataclass
class SyntheticMicrograph:
    """pixels: (h, w) float32 in [0, 1]; the true size of every rod drawn, in px."""

    pixels: np.ndarray
    lengths_px: np.ndarray
    widths_px: np.ndarray
    bar_px: int | None


def draw_rod(img: np.ndarray, cx: float, cy: float, length: float, width: float,
             angle: float, value: float, flatness: float = 2.0) -> None:
    """Darken ``img`` (in place) with a rod seen in bright-field TEM: a capsule ``length`` x
    ``width`` px whose darkening follows its projected thickness (a cylinder of diameter
    ``width`` with hemispherical caps), reaching ``value`` on the axis. Overlaps take the darker.
    ``flatness`` above 2 flattens the cross profile (faceted rods of even darkness).
    """
    h, w = img.shape
    reach = length / 2 + width
    r0, r1 = max(int(cy - reach), 0), min(int(cy + reach) + 2, h)
    c0, c1 = max(int(cx - reach), 0), min(int(cx + reach) + 2, w)
    if r0 >= r1 or c0 >= c1:
        return
    yy, xx = np.mgrid[r0:r1, c0:c1]
    dx, dy = np.cos(angle), np.sin(angle)
    along = (xx - cx) * dx + (yy - cy) * dy
    across = -(xx - cx) * dy + (yy - cy) * dx
    half_core = max(length / 2 - width / 2, 0.0)
    dist = np.hypot(np.clip(np.abs(along) - half_core, 0, None), across)
    thickness = np.sqrt(np.clip(1 - (2 * dist / width) ** flatness, 0, None))
    patch = img[r0:r1, c0:c1]
    darker = patch - thickness * (patch - value)
    img[r0:r1, c0:c1] = np.minimum(patch, darker)


def make_micrograph(seed: int = 0, shape: tuple[int, int] = (600, 800), n_rods: int = 60,
                    length: tuple[float, float] = (60.0, 8.0), width: tuple[float, float] = (10.0, 1.0),
                    bar_px: int | None = 150, bar_corner: str = "lower left",
                    bar_polarity: str = "dark", touching: int = 5) -> SyntheticMicrograph:
    """Rods with lengths ~ N(length) and widths ~ N(width) pixels at random angles (a few
    placed touching others), blurred, with shot noise and an uneven background."""
    rng = np.random.default_rng(seed)
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    img = 0.72 + 0.08 * np.sin(xx / w * 2.5) * np.cos(yy / h * 1.7)  # uneven illumination
    lengths = np.clip(rng.normal(*length, n_rods), 10, None)
    widths = np.clip(rng.normal(*width, n_rods), 3, None)
    centres: list[tuple[float, float, float]] = []
    for k in range(n_rods):
        if k < touching and centres:
            px, py, pa = centres[rng.integers(len(centres))]
            cx, cy, a = px + np.cos(pa + np.pi / 2) * widths[k], py + np.sin(pa + np.pi / 2) * widths[k], pa
        else:
            side, bottom = min(40, w // 8), min(90, h // 4)  # keep clear of the bar
            cx, cy = rng.uniform(side, w - side), rng.uniform(side, h - bottom)
            a = rng.uniform(0, np.pi)
        centres.append((cx, cy, a))
        draw_rod(img, cx, cy, lengths[k], widths[k], a, 0.35)
    img = gaussian_filter(img, 1.2)
    img = rng.poisson(img * 200) / 200.0  # shot noise
    if bar_px is not None:
        value = 0.0 if bar_polarity == "dark" else 1.0
        r0 = h - 40 if bar_corner.startswith("lower") else 25
        c0 = 30 if bar_corner.endswith("left") else w - 30 - bar_px
        img[r0:r0 + 8, c0:c0 + bar_px] = value
    return SyntheticMicrograph(np.clip(img, 0, 1).astype(np.float32), lengths, widths, bar_px)


def make_raft_micrograph(seed: int = 0, shape: tuple[int, int] = (1400, 1800), n_rafts: int = 12,
                         rods_per_raft: tuple[int, int] = (3, 7), n_crossing: int = 10,
                         length: tuple[float, float] = (300.0, 30.0),
                         width: tuple[float, float] = (10.5, 0.6), spacing: float = 1.7,
                         body: float = 0.55, core: float | None = 0.4) -> SyntheticMicrograph:
    """Long thin rods as in micrographs of high-aspect-ratio CdSe/CdS rods: rafts of parallel
    rods ``spacing`` widths apart (centre to centre), staggered along their length, plus single
    rods at random angles that cross them. Sizes in px ~ N(mean, sd). Each rod darkens the film
    (0.72) towards ``body``; with ``core`` set, a darker dot (the CdSe seed, 1.3 widths across)
    sits somewhere in its middle 70%, so rods are uneven in darkness along their length. Blur
    and shot noise as :func:`make_micrograph`; no scale bar."""
    rng = np.random.default_rng(seed)
    h, w = shape
    img = np.full(shape, 0.72)
    lengths: list[float] = []
    widths: list[float] = []
    margin = 0.6 * length[0]

    def rod(cx: float, cy: float, angle: float) -> None:
        rod_len = float(np.clip(rng.normal(*length), 3 * width[0], None))
        rod_w = float(np.clip(rng.normal(*width), 3, None))
        draw_rod(img, cx, cy, rod_len, rod_w, angle, body)
        if core is not None:
            at = rng.uniform(-0.35, 0.35) * rod_len
            draw_rod(img, cx + np.cos(angle) * at, cy + np.sin(angle) * at, 1.3 * rod_w,
                     1.3 * rod_w, angle, core)
        lengths.append(rod_len)
        widths.append(rod_w)

    for _ in range(n_rafts):
        cx, cy = rng.uniform(margin, w - margin), rng.uniform(margin, h - margin)
        angle = rng.uniform(0, np.pi)
        n = int(rng.integers(rods_per_raft[0], rods_per_raft[1] + 1))
        for j in range(n):
            off = (j - n / 2) * spacing * width[0]
            stagger = rng.normal(0, 0.2 * length[0])
            rod(cx - np.sin(angle) * off + np.cos(angle) * stagger,
                cy + np.cos(angle) * off + np.sin(angle) * stagger, angle + rng.normal(0, 0.01))
    for _ in range(n_crossing):
        rod(rng.uniform(margin, w - margin), rng.uniform(margin, h - margin), rng.uniform(0, np.pi))
    img = gaussian_filter(img, 1.5)
    img = rng.poisson(img * 60) / 60.0
    return SyntheticMicrograph(np.clip(img, 0, 1).astype(np.float32), np.array(lengths),
                               np.array(widths), None)


@dataclass(frozen=True)
class _RowRod:
    """One rod of a carpet's row as laid out: centre (px), size (px), the row's direction
    (radians), its normal (x, y) and its domain's corner (x0, y0); ``inside``: the centre
    lies in its own domain."""

    cx: float
    cy: float
    length: float
    width: float
    angle: float
    normal: tuple[float, float]
    domain: tuple[float, float]
    inside: bool


def _rows_of_rods(rng: np.random.Generator, shape: tuple[int, int], domain: float,
                  pitch: float, length: tuple[float, float], width: tuple[float, float],
                  end_gap: tuple[float, float]) -> Iterator[_RowRod]:
    """Rods laid in rows ``pitch`` px apart and end to end along each row (gaps ~
    N(end_gap), clipped at 0), in square domains ``domain`` px across with a direction each;
    sizes in px ~ N(mean, sd). The caller decides which rods to draw and may draw from
    ``rng`` for each one: the next rod's numbers are drawn after it."""
    h, w = shape
    for y0 in np.arange(0, h, domain):
        for x0 in np.arange(0, w, domain):
            angle = rng.uniform(0, np.pi)
            ux, uy = np.cos(angle), np.sin(angle)
            nx, ny = -uy, ux
            cx0, cy0 = x0 + domain / 2, y0 + domain / 2
            half = domain * 0.75
            for off in np.arange(-half, half, pitch):
                t = -half + rng.uniform(0, length[0])
                while t < half:
                    L = float(np.clip(rng.normal(*length), 3 * width[0], None))
                    W = float(np.clip(rng.normal(*width), 3, None))
                    cx = cx0 + nx * off + ux * (t + L / 2)
                    cy = cy0 + ny * off + uy * (t + L / 2)
                    inside = bool(x0 <= cx < x0 + domain and y0 <= cy < y0 + domain)
                    yield _RowRod(float(cx), float(cy), L, W, float(angle),
                                  (float(nx), float(ny)), (float(x0), float(y0)), inside)
                    t += L + max(rng.normal(*end_gap), 0.0)


def make_carpet_micrograph(seed: int = 0, shape: tuple[int, int] = (1200, 1600),
                           length: tuple[float, float] = (92.0, 9.0),
                           width: tuple[float, float] = (10.0, 0.7), side_gap: float = 3.5,
                           end_gap: tuple[float, float] = (4.0, 3.0), holes: float = 0.15,
                           domain: float = 450.0) -> SyntheticMicrograph:
    """A dense monolayer carpet as in micrographs of short rods dried from a concentrated
    dispersion: rods lie side by side in rows (``side_gap`` px between neighbours) and end to
    end along each row (gaps ~ N(end_gap), clipped at 0: many touch), in domains about
    ``domain`` px across, each with its own direction. Defaults: ~44 nm x 4.8 nm rods at
    0.48 nm/px. Sizes in px ~ N(mean, sd); blur and shot noise as :func:`make_micrograph`."""
    rng = np.random.default_rng(seed)
    h, w = shape
    img = np.full(shape, 0.72)
    lengths: list[float] = []
    widths: list[float] = []
    for r in _rows_of_rods(rng, shape, domain, width[0] + side_gap, length, width, end_gap):
        if r.inside and 0 <= r.cx < w and 0 <= r.cy < h and rng.random() >= holes:
            draw_rod(img, r.cx, r.cy, r.length, r.width, r.angle, 0.38)
            lengths.append(r.length)
            widths.append(r.width)
    img = gaussian_filter(img, 1.2)
    img = rng.poisson(img * 150) / 150.0
    return SyntheticMicrograph(np.clip(img, 0, 1).astype(np.float32), np.array(lengths),
                               np.array(widths), None)


def make_packed_carpet_micrograph(seed: int = 0, shape: tuple[int, int] = (1200, 1600),
                                  length: tuple[float, float] = (190.0, 15.0),
                                  width: tuple[float, float] = (11.0, 0.6),
                                  side_gap: float = 3.0, holes: float = 0.08,
                                  blur: float = 1.4, noise: float = 0.035, grain: float = 1.6,
                                  end_gap: tuple[float, float] = (6.0, 3.0),
                                  domain: float = 500.0, dark_cores: float = 0.1
                                  ) -> SyntheticMicrograph:
    """A carpet as the real dense micrographs (``tem-dev`` 02 and 04) look, which the
    looser :func:`make_carpet_micrograph` does not: rods packed side by side a few px apart
    (so rods, not film, are the commonest grey level), bare film only
    in a few large holes (``holes``: their share of the image), rods of even mid-grey with a
    darker stretch in some (``dark_cores``: their share), soft edges (``blur`` px) and
    blotchy noise (white noise of SD ``noise`` smoothed over ``grain`` px, as a camera's
    and a carbon film's). Defaults: ~76 nm x 4.4 nm rods at 0.40 nm/px. Sizes in px."""
    rng = np.random.default_rng(seed)
    h, w = shape
    img = np.full(shape, 0.8)
    yy, xx = np.mgrid[0:h, 0:w]
    hole = np.zeros(shape, bool)
    while hole.mean() < holes:
        radius = rng.uniform(0.05, 0.12) * min(h, w)
        hole |= (yy - rng.uniform(0, h)) ** 2 + (xx - rng.uniform(0, w)) ** 2 < radius * radius
    lengths: list[float] = []
    widths: list[float] = []
    for r in _rows_of_rods(rng, shape, domain, width[0] + side_gap, length, width, end_gap):
        # rods in a row are neither quite in line nor quite parallel
        side = rng.normal(0.0, 1.5)
        cx, cy = r.cx + r.normal[0] * side, r.cy + r.normal[1] * side
        tilt = r.angle + rng.normal(0.0, np.radians(2.0))
        x0, y0 = r.domain
        inside = x0 <= cx < x0 + domain and y0 <= cy < y0 + domain
        if inside and 0 <= cy < h and 0 <= cx < w and not hole[int(cy), int(cx)]:
            draw_rod(img, cx, cy, r.length, r.width, tilt, 0.6, flatness=8.0)
            if rng.random() < dark_cores:  # a darker stretch, as real rods show
                k = rng.uniform(-0.3, 0.3) * r.length
                draw_rod(img, cx + np.cos(r.angle) * k, cy + np.sin(r.angle) * k,
                         0.25 * r.length, 0.8 * r.width, tilt, 0.5, flatness=8.0)
            lengths.append(r.length)
            widths.append(r.width)
    img = gaussian_filter(img, blur)
    texture = gaussian_filter(rng.normal(0.0, 1.0, shape), grain)
    img = img + noise * texture / max(float(texture.std()), 1e-9)
    return SyntheticMicrograph(np.clip(img, 0, 1).astype(np.float32), np.array(lengths),
                               np.array(widths), None)


def make_bundle_micrograph(seed: int = 0, shape: tuple[int, int] = (1600, 2000)
                           ) -> SyntheticMicrograph:
    """Bundles of long rods crossing each other, as in micrographs of ~85 nm x 4 nm rods at
    0.32 nm/px: tight rafts (rods 1.15 widths apart) at random angles, many single rods across
    them. Sizes in px: length ~ N(265, 25), width ~ N(12.5, 0.8)."""
    return make_raft_micrograph(seed, shape, n_rafts=16, rods_per_raft=(3, 8), n_crossing=25,
                                length=(265.0, 25.0), width=(12.5, 0.8), spacing=1.15,
                                body=0.5, core=0.38)


def make_rafts_of_rods_micrograph(seed: int = 0, shape: tuple[int, int] = (1600, 2000)
                                  ) -> SyntheticMicrograph:
    """Rafts of rods as in micrographs of ~76 nm x 4 nm rods at 0.40 nm/px: 20 rafts of 4-9
    parallel rods 1.3 widths apart, staggered, and 10 single rods across them. Sizes in px:
    length ~ N(190, 18), width ~ N(10, 0.7)."""
    return make_raft_micrograph(seed, shape, n_rafts=20, rods_per_raft=(4, 9), n_crossing=10,
                                length=(190.0, 18.0), width=(10.0, 0.7), spacing=1.3,
                                body=0.5, core=0.4)


def sample_micrograph(length_nm: float, width_nm: float, seed: int, nm_per_px: float = 0.5,
                      shape: tuple[int, int] = (512, 640), bar_nm: float = 100.0
                      ) -> tuple[bytes, SyntheticMicrograph]:
    """A JPEG micrograph of one sample's rods: lengths ~ N(length, 8%), widths ~ N(width, 6%)
    in nm, as many rods as fit without crowding, a dark scale bar of ``bar_nm`` at the lower
    left. Returns the file bytes and the drawing (sizes in px)."""
    import io

    from PIL import Image

    if not (length_nm > 0 and width_nm > 0):
        raise ValueError("length and width must be positive")
    length_px, width_px = length_nm / nm_per_px, width_nm / nm_per_px
    area = shape[0] * shape[1]
    n_rods = int(np.clip(0.12 * area / (length_px * width_px * 4), 8, 60))
    drawn = make_micrograph(seed, shape, n_rods, (length_px, 0.08 * length_px),
                            (width_px, 0.06 * width_px), bar_px=round(bar_nm / nm_per_px),
                            touching=max(1, n_rods // 10))
    buf = io.BytesIO()
    Image.fromarray((drawn.pixels * 255).astype(np.uint8)).save(buf, "JPEG", quality=80)
    return buf.getvalue(), drawn


def make_crossed_long_rods_micrograph(seed: int = 0, cells: tuple[int, int] = (8, 8),
                                      cell: float = 200.0,
                                      length: tuple[float, float] = (150.0, 15.0),
                                      width: float = 10.0) -> SyntheticMicrograph:
    """A selection trap: the longer half of the rods lie in crossing pairs and the shorter
    half alone, as in a carpet where long rods meet others more often. One rod or one crossing
    pair per ``cell`` px square, alternating; lengths ~ N(length) px, every width ``width``
    px. A method that keeps only objects whose outline is one rod measures the short half."""
    rng = np.random.default_rng(seed)
    h, w = int(cells[0] * cell), int(cells[1] * cell)
    img = np.full((h, w), 0.72)
    n_pairs = sum((i + j) % 2 == 0 for i in range(cells[0]) for j in range(cells[1]))
    n_single = cells[0] * cells[1] - n_pairs
    drawn = np.sort(np.clip(rng.normal(*length, n_single + 2 * n_pairs), 4 * width, None))
    short, long_ = rng.permutation(drawn[:n_single]), rng.permutation(drawn[n_single:])
    lengths: list[float] = []
    k_short = k_long = 0
    for i in range(cells[0]):
        for j in range(cells[1]):
            cy = (i + 0.5) * cell + rng.uniform(-10, 10)
            cx = (j + 0.5) * cell + rng.uniform(-10, 10)
            angle = rng.uniform(0, np.pi)
            if (i + j) % 2 == 0:
                # Crossing near their middles at 35-70 degrees.
                for length_px, a in ((long_[k_long], angle),
                                     (long_[k_long + 1], angle + rng.uniform(0.6, 1.2))):
                    draw_rod(img, cx, cy, float(length_px), width, a, 0.38)
                    lengths.append(float(length_px))
                k_long += 2
            else:
                draw_rod(img, cx, cy, float(short[k_short]), width, angle, 0.38)
                lengths.append(float(short[k_short]))
                k_short += 1
    img = gaussian_filter(img, 1.2)
    img = rng.poisson(img * 150) / 150.0
    return SyntheticMicrograph(np.clip(img, 0, 1).astype(np.float32), np.array(lengths),
                               np.full(len(lengths), width), None)
