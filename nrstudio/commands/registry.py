"""The command line's registry and the helpers every command shares: a command registers
itself with :func:`command`; its options come from the settings' own declarations
(:func:`add_setting_options`), so no default, range or help is typed twice."""

from __future__ import annotations

import argparse
import sys
import typing
from collections.abc import Callable, Sequence

from nrstudio.core.settings import SettingField, replace_settings, setting_field

T = typing.TypeVar("T")

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], Command]] = {}


def command(name: str, help_text: str):  # type: ignore[no-untyped-def]
    """Register a subcommand: the decorated function adds its arguments to a parser."""

    def wrap(setup: Callable[[argparse.ArgumentParser], Command]):  # type: ignore[no-untyped-def]
        def add(parser: argparse.ArgumentParser) -> None:
            parser.description = help_text
            parser.set_defaults(run=setup(parser))

        COMMANDS[name] = (add, help_text)  # type: ignore[assignment]
        return setup

    return wrap


def printable(text: str) -> str:
    """Text from a file, safe to print on a terminal: control characters (escape codes)
    become '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text))


def print_error(message: str) -> None:
    print(f"nrstudio: error: {printable(message)}", file=sys.stderr)


def progress_printer(prefix: str = "") -> Callable[[float, str], None]:
    """A progress callback that prints a line when the stage or the whole percent changes."""
    last: list[object] = [None, None]
    most = [0]  # the percent never goes back (see gui.app.job_status.advance_bar)

    def show(fraction: float, stage: str) -> None:
        most[0] = pct = max(most[0], int(100 * fraction))
        if [stage, pct // 10] != last:
            last[:] = [stage, pct // 10]
            print(f"{prefix}[{pct:3d}%] {stage}", file=sys.stderr, flush=True)

    return show


# ---- options built from the settings' own declarations ------------------------------------
def _option_type(f: SettingField) -> Callable[[str], object]:
    base = f.base_type
    if typing.get_origin(base) is tuple:
        item = (typing.get_args(base) or (str,))[0]
        return lambda text: tuple(item(v) for v in text.replace(";", ",").split(",") if v.strip())
    return base if base in (int, float) else str


def add_setting_options(parser: argparse.ArgumentParser, cls: type, names: Sequence[str],
                        flags: dict[str, str] | None = None, prefix: str = "") -> None:
    """One option per named field of ``cls``: --name (or ``flags[name]``), its help, unit,
    range and default taken from the field's declaration. Unset options stay None."""
    for name in names:
        f = setting_field(cls, name)
        flag = (flags or {}).get(name) or f"--{prefix}{name.replace('_', '-')}"
        dest = f"{prefix.replace('-', '_')}{name}"
        text = f.info.cli_help(f.default).replace("%", "%%")
        if f.base_type is bool:
            parser.add_argument(flag, dest=dest, action=argparse.BooleanOptionalAction,
                                default=None, help=text)
            continue
        parser.add_argument(flag, dest=dest, type=_option_type(f), default=None,
                            choices=list(f.info.choices) if f.info.choices else None,
                            metavar=None if f.info.choices else name.upper(), help=text)


def settings_from_options(base: T, args: argparse.Namespace, names: Sequence[str],
                          prefix: str = "") -> T:
    """``base`` with every option the user gave applied, checked against the declarations."""
    return replace_settings(base, option_changes(args, names, prefix))


def option_changes(args: argparse.Namespace, names: Sequence[str], prefix: str = ""
                   ) -> dict[str, typing.Any]:
    """The options among ``names`` that the user gave, by field name."""
    changes = {n: getattr(args, f"{prefix.replace('-', '_')}{n}") for n in names}
    return {n: v for n, v in changes.items() if v is not None}


AUGMENT_OPTIONS = ("minority", "neighbors", "per_subset", "percent", "seed", "subset_cap",
                   "budget")
NETWORK_OPTIONS = ("hidden", "optimizer", "lr", "batch_size", "max_epochs", "patience", "device")
LIME_OPTIONS = ("num_samples", "repeats", "locality", "kernel_width")
RUN_OPTIONS = ("members", "explain_at_most", "explain_at_most_large")
