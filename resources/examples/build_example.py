"""Rebuild resources/examples/cdse-cds-nanorods.nrproj from the paper's published CSV.

Usage: python resources/examples/build_example.py [PATH/TO/nanorods-28.csv]
(default: ../shared/data/paper/nanorods-28.csv beside the checkout).
"""

from __future__ import annotations

import sys
from pathlib import Path

from nrstudio.core.project.example import build_example_project, example_project_path
from nrstudio.core.project.file_format import save_project

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    default = HERE.parents[1].parent / "shared" / "data" / "paper" / "nanorods-28.csv"
    source = Path(argv[0]) if argv else default
    project = build_example_project(source)
    out = example_project_path()
    save_project(project, out)
    Path(str(out) + ".bak").unlink(missing_ok=True)
    print(f"wrote {out} ({len(project.dataset)} samples)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
