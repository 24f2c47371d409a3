"""No button or action hands Qt's ``checked`` flag to a slot that takes an optional argument:
connected directly, ``clicked(bool)`` fills it (the batch export got the path False, Add
column… the position 0). Such slots go through ``widgets.call_on_click``."""

import re
from pathlib import Path

GUI = Path(__file__).resolve().parents[3] / "nrstudio" / "gui"
SIGNALS = ("clicked", "triggered")


def test_no_click_reaches_a_slot_with_an_optional_argument():
    sources = {path: path.read_text(encoding="utf-8") for path in GUI.rglob("*.py")}
    optional = {m.group(1) for text in sources.values()
                for m in re.finditer(r"def (\w+)\(self, ([^)]*)\)", text, re.S)
                if "=" in m.group(2)}
    assert "export_batch" in optional  # the scan sees the slots it guards against
    direct = [f"{path.name}: {m.group(0)}" for path, text in sources.items()
              for m in re.finditer(rf"\.(?:{'|'.join(SIGNALS)})\.connect\(([\w.]+)\)", text)
              if m.group(1).split(".")[-1] in optional]
    assert direct == []
