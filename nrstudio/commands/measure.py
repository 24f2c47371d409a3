"""``nrstudio measure``: rods on TEM micrographs, with CSV tables and overlays."""

from __future__ import annotations

import argparse
from pathlib import Path

from nrstudio.commands.registry import (
    Command,
    add_setting_options,
    command,
    print_error,
    progress_printer,
    settings_from_options,
)
from nrstudio.core.errors import NRStudioError
from nrstudio.core.micrographs.rod_model import RodSettings


@command("measure", "Find and measure the rods of TEM micrographs; write CSV tables and overlays.")
def measure(parser: argparse.ArgumentParser) -> Command:
    parser.add_argument("images", type=Path, nargs="+", metavar="IMAGE",
                        help="TIFF, PNG, JPEG, DM3/DM4, SER or EMD micrographs, or folders "
                             "of them")
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument("--nm-per-px", type=float, metavar="X", help="pixel size in nm")
    scale.add_argument("--scale-bar-nm", type=float, metavar="L",
                       help="length in nm of the scale bar burned into each image")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    add_setting_options(parser, RodSettings, ("method", "dark_rods", "min_aspect"))

    def run(args: argparse.Namespace) -> int:
        from nrstudio.core.micrographs.measure import analyse_image, summary_row, write_measurement_files

        for name, value in (("--nm-per-px", args.nm_per_px), ("--scale-bar-nm", args.scale_bar_nm)):
            if value is not None and not value > 0:
                raise NRStudioError(f"{name} must be a positive number, not {value}")
        paths = micrograph_paths(args.images)
        analyses, skipped = [], []
        for path in paths:
            try:
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise NRStudioError(f"cannot read {path}: {exc.strerror or exc}") from None
                analyses.append(analyse_image(
                    data, path.name, args.nm_per_px, args.scale_bar_nm,
                    settings_from_options(RodSettings(), args, ("method", "dark_rods", "min_aspect")),
                    progress=progress_printer(f"{path.name} ")))
            except NRStudioError as exc:
                if len(paths) == 1:
                    raise
                # One diffraction pattern or unscaled image in a folder spoils no other.
                print_error(f"{path.name} skipped: {exc}")
                skipped.append(path.name)
        if not analyses:
            raise NRStudioError(f"none of the {len(paths)} images could be measured")
        try:
            written_files = write_measurement_files(analyses, args.out)
        except OSError as exc:
            raise NRStudioError(f"cannot write to {args.out}: {exc.strerror or exc}") from None
        for written in written_files:
            print(written)
        empty = []
        for a in analyses:
            row = summary_row(a)
            if row["no_rods_because"]:
                empty.append(a.name)
                print_error(f"{a.name}: no rods measured. {row['no_rods_because']}")
                continue
            print(f"{a.name}: {row['rods_accepted']} rods, length {row['length_mean_nm']} "
                  f"± {row['length_std_nm']} nm (mean ± {row['length_sem_nm']} SE), width "
                  f"{row['width_mean_nm']} ± {row['width_std_nm']} nm (mean ± "
                  f"{row['width_sem_nm']} SE) ({a.scale.source}; {row['method']})"
                  + (f"; {row['selection_warning']}" if row["selection_warning"] else ""))
        # Exit 4: the files are written, but some image gave no measurement to use.
        return 4 if empty or skipped else 0

    return run


def micrograph_paths(given: list[Path]) -> list[Path]:
    """The images to measure: each file named, and the micrographs in each folder named."""
    from nrstudio.core.project.attachments import IMAGE_SUFFIXES, micrographs_in

    for folder in (p for p in given if p.is_dir()):
        if not micrographs_in([folder]):
            raise NRStudioError(f"{folder}: no micrographs in the folder (files ending "
                                f"{', '.join(IMAGE_SUFFIXES)})")
    return micrographs_in(given)
