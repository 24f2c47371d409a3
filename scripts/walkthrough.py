"""A walkthrough anyone can rerun: the real window, driven by real X input events.

Under a 1366 x 768 X display with a window manager (``../shared/tools/desktop.sh start``
makes one), it launches NR Studio with the README's first command, then, with xdotool
clicks and keystrokes only:

import a conditions table · merge an outcomes table (with its roles step) · give two
columns a role in one menu · augment · train · predict · design and add a planned row, seen in the campaign ·
explain · attach a micrograph, set its scale from the bar, measure it, reject one rod by
a click, use its values · export the report · save · quit · reopen.

It saves a screenshot per step in ``docs/screenshots/walkthrough/`` (or the folder given)
and fails on any traceback the app prints, on any window outside the screen, and on any
step whose effect is missing from the saved project, read back at the end.

    eval "$(../shared/tools/desktop.sh start)"
    python3.11 scripts/walkthrough.py [SCREENSHOT_DIR]

The driver needs only Python's standard library: on a fresh clone, the README's command
that it runs first makes the virtual environment, and the micrograph and the read-back are
done with that environment's Python.

The app writes where its controls are (``NRSTUDIO_WIDGET_MAP``, what an accessibility tree
gives desktop testing tools) so the script knows where to click; every click and key is a
real X event that goes through the window manager and Qt's event loop.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREEN = (1366, 768)


class WalkthroughFailed(RuntimeError):
    pass


# ---- the data a chemist brings ---------------------------------------------------------------
def write_tables(folder: Path, n: int = 30, seed: int = 4) -> tuple[Path, Path]:
    """Two files of a gold-rod-like campaign: conditions, and outcomes joined by 'Amostra'
    (a Portuguese id, outcome headers as a lab writes them)."""
    rng = random.Random(seed)
    cond, outc = [], []
    for i in range(n):
        seed_ul, ctab = round(rng.uniform(10, 120)), round(rng.uniform(100, 400))
        silver, temp = round(rng.uniform(5, 40), 1), rng.choice([25, 30, 35])
        surf = rng.choice(["CTAB", "CTAB+NaOL"])
        length = 20 + 0.25 * ctab - 0.18 * seed_ul + 0.6 * silver + rng.gauss(0, 3)
        width = 8 + 0.04 * seed_ul + 0.02 * ctab + rng.gauss(0, 0.6)
        peak = 520 + 40 * length / width + rng.gauss(0, 5)
        cond.append(f"A{i + 1},{seed_ul},{ctab},{silver:g},{temp},{surf}")
        outc.append(f"A{i + 1},{length:.1f},{width:.2f},{peak:.0f},{0.5 + 0.01 * length:.3f},"
                    f"{'F' if length > 60 else 'NF'}")
    conditions = folder / "condicoes.csv"
    outcomes = folder / "resultados.csv"
    conditions.write_text("Amostra,Qseed (uL),Qctab (uL),QAgNO3 (uL),Temp (°C),Surfactante\n"
                          + "\n".join(cond) + "\n", encoding="utf-8")
    outcomes.write_text("Amostra,Length (nm),Width (nm),WL 2º Pico,Abs 1º Pico,Resultado\n"
                        + "\n".join(outc) + "\n", encoding="utf-8")
    return conditions, outcomes


def write_micrograph(path: Path) -> None:
    """A synthetic TEM image with a 150-pixel scale bar (run with the app's Python)."""
    import numpy as np
    from PIL import Image

    from nrstudio.core.micrographs.synthetic import make_micrograph

    g = make_micrograph(3, n_rods=40, bar_px=150)
    Image.fromarray((np.clip(g.pixels, 0, 1) * 255).astype(np.uint8)).save(path)


def in_app_python(*args: str) -> subprocess.CompletedProcess:
    """This script run with the virtual environment the README's command made."""
    return subprocess.run([str(ROOT / ".venv" / "bin" / "python"), __file__, *args],
                          cwd=ROOT, check=False)


def readme_launch_command() -> str:
    """The first command block of the README: install and launch on the example."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.+?)\n```", text, re.S)
    if block is None:
        raise WalkthroughFailed("the README has no command block")
    return block.group(1).strip()


# ---- the desktop -----------------------------------------------------------------------------
class Desktop:
    """Real X input through xdotool, screenshots through ImageMagick, and the app's map of
    where its controls are."""

    def __init__(self, map_path: Path, shots: Path, log: Path) -> None:
        self.map_path, self.shots, self.log = map_path, shots, log
        self.step = 0
        self.seen_log = 0

    # reading the screen
    def map(self) -> dict:
        try:
            return json.loads(self.map_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def where(self, key: str, timeout: float = 20.0) -> tuple[int, int]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.check_log()
            found = self.map().get(key)
            if found:
                return int(found[0]), int(found[1])
            time.sleep(0.25)
        keys = sorted(k for k in self.map() if ":" in k)
        raise WalkthroughFailed(f"'{key}' never appeared on the screen; visible: "
                                f"{', '.join(keys[:80])}")

    def window(self, title_part: str, timeout: float = 20.0) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.check_log()
            for w in self.map().get("windows", []):
                if title_part.lower() in w["title"].lower():
                    return w
            time.sleep(0.25)
        titles = [w["title"] for w in self.map().get("windows", [])]
        raise WalkthroughFailed(f"no window titled '{title_part}'; open: {titles}")

    def gone(self, title_part: str, timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not any(title_part.lower() in w["title"].lower()
                       for w in self.map().get("windows", [])):
                return
            time.sleep(0.25)
        raise WalkthroughFailed(f"the window '{title_part}' did not close")

    def idle(self, timeout: float = 900.0, started: float = 3.0) -> float:
        """Wait for the background job to start (up to ``started`` s) and to end."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < started and not self.map().get("busy"):
            time.sleep(0.2)
        while self.map().get("busy"):
            self.check_log()
            if time.monotonic() - t0 > timeout:
                raise WalkthroughFailed(f"a job ran over {timeout:.0f} s")
            time.sleep(0.5)
        time.sleep(0.5)
        return time.monotonic() - t0

    def check_log(self) -> None:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() \
            else ""
        new = text[self.seen_log:]
        self.seen_log = len(text)
        if "Traceback" in new:
            raise WalkthroughFailed("the app printed a traceback:\n" + new[-3000:])

    def check_on_screen(self) -> None:
        for w in self.map().get("windows", []):
            x, y, width, height = w["frame"]
            if x < 0 or y < 0 or x + width > SCREEN[0] or y + height > SCREEN[1]:
                raise WalkthroughFailed(f"window '{w['title']}' at {w['frame']} is outside "
                                        f"the {SCREEN[0]} x {SCREEN[1]} screen")

    # acting
    def xdo(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], check=True)

    def click(self, key: str, button: int = 1, timeout: float = 20.0,
              modifier: str | None = None) -> None:
        x, y = self.where(key, timeout)
        self.click_at(x, y, button, modifier)

    def click_at(self, x: int, y: int, button: int = 1, modifier: str | None = None) -> None:
        self.xdo("mousemove", "--sync", str(x), str(y))
        time.sleep(0.15)
        if modifier:
            self.xdo("keydown", modifier)
        self.xdo("click", str(button))
        if modifier:
            self.xdo("keyup", modifier)
        time.sleep(0.4)

    def type(self, text: str) -> None:
        self.xdo("type", "--delay", "20", text)
        time.sleep(0.2)

    def key(self, *keys: str) -> None:
        self.xdo("key", *keys)
        time.sleep(0.4)

    def reveal(self, key: str, over: str, wheel: str = "7", below: int = 60, left: int = 0,
               tries: int = 30) -> None:
        """Turn the wheel (7: right, 5: down) at ``below`` and ``left`` pixels from ``over``
        until ``key`` shows (never over a field: the wheel would change its value)."""
        for _ in range(tries):
            if key in self.map():
                return
            x, y = self.where(over)
            self.xdo("mousemove", "--sync", str(x - left), str(y + below))
            self.xdo("click", wheel)
            time.sleep(0.3)
        self.where(key, timeout=1)

    def replace_text(self, key: str, text: str) -> None:
        self.click(key)
        self.key("ctrl+a")
        self.type(text)

    def shot(self, name: str) -> Path:
        self.step += 1
        time.sleep(0.6)
        self.check_on_screen()
        path = self.shots / f"{self.step:02d}-{name}.png"
        subprocess.run(["import", "-window", "root", str(path)], check=True)
        print(f"  screenshot {path.name}", flush=True)
        return path

    def open_file(self, path: Path, dialog_title: str) -> None:
        """Type a path into Qt's file dialog and press Enter."""
        self.window(dialog_title)
        time.sleep(0.5)
        self.key("ctrl+a")
        self.type(str(path))
        self.key("Return")
        self.gone(dialog_title)


# ---- the walk --------------------------------------------------------------------------------
def launch(command: str, env: dict, log: Path) -> subprocess.Popen:
    out = log.open("a", encoding="utf-8")
    return subprocess.Popen(["bash", "-c", command], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def walk(d: Desktop, work: Path, env: dict, log: Path) -> Path:
    conditions, outcomes = write_tables(work)
    micrograph = work / "A1-tem.png"
    saved = work / "gold-rods.nrproj"
    report = work / "report"

    print("launch with the README's first command", flush=True)
    app = launch(readme_launch_command(), env, log)
    d.window("NR Studio", timeout=300)
    d.where("item:Data", timeout=60)
    d.shot("launched-on-the-example")
    if in_app_python("--micrograph", str(micrograph)).returncode != 0:
        raise WalkthroughFailed("could not make the test micrograph")

    print("import the conditions", flush=True)
    d.key("ctrl+o")
    d.open_file(conditions, "Open")
    d.window("Import condicoes.csv")
    d.shot("import-roles")
    d.click("button:OK")
    d.gone("Import condicoes.csv")

    print("merge the outcomes, with their roles step", flush=True)
    d.click("menu:Data")
    d.click("menuitem:Merge columns from file…")
    d.open_file(outcomes, "Merge columns from file")
    d.window("confirm their roles")
    d.shot("merge-roles")
    d.click("button:OK")
    d.window("Merge columns")
    d.key("Return")  # match by Amostra, the id column offered
    d.window("Columns merged")
    d.shot("merged")
    d.key("Return")

    print("two columns set as ignored in one menu", flush=True)
    d.reveal("header:Abs 1º Pico", "header:Amostra")
    d.click("header:WL 2º Pico")
    d.click("header:Abs 1º Pico", modifier="ctrl")
    d.click("header:Abs 1º Pico", button=3)
    d.click("menuitem:Role (2 selected columns)")
    d.click("menuitem:Ignored")
    d.shot("roles-set")

    print("augment", flush=True)
    d.click("item:Augment")
    d.click("button:Run SMOTE-REG")
    d.idle(300)
    d.shot("augmented")

    print("train (60 epochs, 2 members, to keep the walk short)", flush=True)
    d.click("item:Train")
    d.replace_text("field:setting:max_epochs", "60")
    d.replace_text("field:setting:members", "2")
    d.reveal("button:Start training", "field:setting:members", wheel="5", below=0, left=200)
    d.click("button:Start training")
    d.where("label:fast-models", timeout=300)  # the fast models, shown while networks train
    d.shot("fast-models-while-networks-train")
    seconds = d.idle(1500)
    print(f"  training took {seconds:.0f} s", flush=True)
    d.shot("trained-metrics")
    d.click("tab:Parity plots")
    d.shot("parity")

    print("predict", flush=True)
    d.click("item:Predict")
    d.replace_text("field:input:Qctab (uL)", "250")
    d.key("Tab")
    d.shot("predicted")

    print("design for a length, add the first candidate as planned", flush=True)
    d.click("item:Design")
    d.replace_text("field:want:Length (nm)", "70")
    d.replace_text("field:tolerance:Length (nm)", "5")
    d.click("button:Find conditions")
    d.idle(300)
    d.click("button:Add selected as planned experiment")
    d.shot("designed")
    d.click("tab:Campaign (1)")  # the round just planned, followed in the campaign
    d.shot("campaign")
    d.click("tab:Proposals")

    print("explain", flush=True)
    d.click("item:Explain")
    d.click("button:Explain all samples")
    d.idle(900)
    d.shot("explained")

    print("attach and measure a micrograph, reject a rod by hand, use its values", flush=True)
    d.click("item:Micrographs")
    d.click("button:Attach images…")
    d.open_file(micrograph, "Attach micrographs")
    d.window("Attach to sample")
    d.key("Return")  # the first sample, A1
    d.click("button:From scale bar…")
    d.window("Scale bar")
    d.type("100")
    d.key("Return")
    d.click("button:Measure rods")
    d.idle(120)
    d.shot("measured")
    d.click("button:Accept / reject by click")
    rods = sorted(k for k in d.map() if k.startswith("rod:"))
    if not rods:
        raise WalkthroughFailed("no accepted rod is visible to click")
    d.click(rods[0])
    d.shot("rod-rejected-by-hand")
    d.click("button:Use these values")
    d.shot("values-used")

    print("export the report", flush=True)
    d.key("ctrl+r")
    d.window("Export report")
    d.replace_text("field:report-folder", str(report))
    d.shot("report-dialog")
    d.click("button:OK")
    d.idle(600)
    d.window("Report written", timeout=60)
    d.key("Return")

    print("F1 on the Micrographs page", flush=True)
    d.key("F1")
    help_window = d.window("guide")
    d.shot("help")
    del help_window

    print("save, quit", flush=True)
    d.click("button:Save")  # the main window's toolbar, beside the guide
    d.window("Save project")
    d.key("ctrl+a")
    d.type(str(saved))
    d.key("Return")
    d.gone("Save project")
    time.sleep(1.0)
    d.key("ctrl+q")
    quit_app(app)

    print("reopen", flush=True)
    d.map_path.unlink(missing_ok=True)  # the map of the app that quit
    again = launch(f".venv/bin/nrstudio '{saved}'", env, log)
    d.window("gold-rods", timeout=120)
    d.click("item:Design")
    d.shot("reopened-design")
    d.click("item:Micrographs")
    d.shot("reopened-micrographs")
    d.key("ctrl+q")
    quit_app(again)
    return saved


def quit_app(app: subprocess.Popen) -> None:
    try:
        app.wait(90)
    except subprocess.TimeoutExpired as exc:
        raise WalkthroughFailed("the app did not quit within 90 s of Ctrl+Q") from exc


def check_saved(saved: Path, report: Path) -> list[str]:
    """What each step should have left in the saved project, read back from the file."""
    from nrstudio.core.data.dataset import Role
    from nrstudio.core.project.file_format import load_project
    from nrstudio.core.project.sections import read_section

    p = load_project(saved)
    ds = p.dataset
    roles = {c.name: c.role for c in ds.columns}
    problems = []

    def need(ok: bool, what: str) -> None:
        print(f"  {'ok ' if ok else 'MISSING'} {what}", flush=True)
        if not ok:
            problems.append(what)

    need(roles.get("Length (nm)") == Role.TARGET and roles.get("Width (nm)") == Role.TARGET,
         "merged sizes are targets")
    need(roles.get("WL 2º Pico") == Role.IGNORED == roles.get("Abs 1º Pico"),
         "the two peaks set ignored in one menu")
    need(roles.get("Resultado") != Role.INPUT, "the verdict 'Resultado' is not an input")
    need("resultados.csv" in p.notes and "condicoes.csv" in p.notes,
         "the notes name both files")
    need(int((~ds.is_original).sum()) > 0, "synthetic rows from augmentation")
    need(read_section(p, "evaluation") is not None, "a stored evaluation")
    need(bool(p.models), "stored final models")
    ids = ds.sample_ids()
    planned = [i for i, s in enumerate(ids) if s.startswith("planned")]
    need(bool(planned) and planned[0] == int(ds.is_original.sum()) - 1,
         "a planned row right after the originals")
    need(read_section(p, "design") is not None and read_section(p, "design_form") is not None,
         "the design and its form")
    campaign = read_section(p, "campaign")
    need(campaign is not None and len(campaign.rounds) == 1
         and [ids[i] for i in planned] == campaign.rounds[0].samples,
         "a campaign round holding the planned row")
    need(read_section(p, "lime_weights") is not None, "stored explanations")
    image = next(iter(p.images), None)
    m = read_section_of(image)
    need(m is not None and any(r.by_hand for r in m.rods), "a rod corrected by hand")
    row = ids.index("A1")
    need("Mean length (nm)" in ds.table.columns or _filled(ds, row, "Length (nm)"),
         "the rods' values written into sample A1's row")
    need((report / "report.html").is_file() and (report / "report.pdf").is_file(),
         "report.html and report.pdf")
    return problems


def read_section_of(image):  # type: ignore[no-untyped-def]
    if image is None:
        return None
    from nrstudio.core.project.sections import read_image_section

    return read_image_section(image, "measurement")


def _filled(ds, row: int, name: str) -> bool:  # type: ignore[no-untyped-def]
    return name in ds.table.columns and str(ds.table.at[row, name]) not in ("", "nan")


def main(argv: list[str]) -> int:
    if not os.environ.get("DISPLAY"):
        print("walkthrough: no DISPLAY; start one: eval \"$(../shared/tools/desktop.sh "
              "start)\"", file=sys.stderr)
        return 2
    shots = Path(argv[0]) if argv else ROOT / "docs" / "screenshots" / "walkthrough"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="nrstudio-walk-"))
    log = work / "app.log"
    env = {**os.environ, "NRSTUDIO_WIDGET_MAP": str(work / "widgets.json"),
           "HOME": str(work / "home"), "XDG_CONFIG_HOME": str(work / "home" / ".config"),
           "NRSTUDIO_RECOVERY_DIR": str(work / "recovery"), "PYTHONUNBUFFERED": "1"}
    (work / "home").mkdir()
    d = Desktop(work / "widgets.json", shots, log)
    t0 = time.monotonic()
    try:
        saved = walk(d, work, env, log)
        d.check_log()
        print("read back from the saved project", flush=True)
        checked = in_app_python("--check", str(saved), str(work / "report"))
        problems = ["a step's effect (listed above)"] if checked.returncode else []
    except WalkthroughFailed as exc:
        d.shot("failed")
        print(f"walkthrough FAILED: {exc}", file=sys.stderr)
        subprocess.run(["pkill", "-f", "nrstudio"], check=False)
        return 1
    if problems:
        print(f"walkthrough FAILED: missing {'; '.join(problems)}", file=sys.stderr)
        return 1
    print(f"walkthrough passed in {time.monotonic() - t0:.0f} s; {d.step} screenshots in "
          f"{shots}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--micrograph"]:
        write_micrograph(Path(sys.argv[2]))
        sys.exit(0)
    if sys.argv[1:2] == ["--check"]:
        sys.exit(1 if check_saved(Path(sys.argv[2]), Path(sys.argv[3])) else 0)
    sys.exit(main(sys.argv[1:]))
