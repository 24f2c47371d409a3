"""The documents that describe the code's layout cannot drift from it: every module is named
in docs/architecture.md, and every stored section is in docs/project-format.md's table with
its version and owner class."""

import re
from pathlib import Path

from nrstudio.core.project.sections import SECTIONS

REPO = Path(__file__).resolve().parents[1]
ARCHITECTURE = REPO / "docs" / "architecture.md"
PROJECT_FORMAT = REPO / "docs" / "project-format.md"


def test_every_module_is_named_in_the_architecture_document():
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", ARCHITECTURE.read_text(encoding="utf-8")))
    modules = [p for p in (REPO / "nrstudio").rglob("*.py")
               if p.name not in ("__init__.py", "__main__.py")]
    assert len(modules) > 100  # guards the walk
    missing = sorted(str(p.relative_to(REPO)) for p in modules if p.stem not in words)
    assert not missing, f"add to docs/architecture.md: {missing}"


def test_every_section_is_in_the_format_document_with_its_version_and_class():
    text = PROJECT_FORMAT.read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z_]+)` \|.*$", text, re.M)}
    for key, section in SECTIONS.items():
        assert key in rows, f"section '{key}' is missing from docs/project-format.md"
        cells = [c.strip() for c in rows[key].split("|")]
        assert cells[3] == str(section.version), f"'{key}': the document says version {cells[3]}"
        owner = section.owner.rpartition(".")[2]
        assert f"`{owner}`" in cells[4], f"'{key}': the document does not name {owner}"
