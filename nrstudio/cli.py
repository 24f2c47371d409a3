"""Command line: ``nrstudio [FILE]`` opens the desktop app; ``nrstudio COMMAND ...`` runs headless.

The commands live in :mod:`nrstudio.commands` (one module per group, registered on import);
this module builds the parser and dispatches. Every failure caused by input (a bad file, a
wrong option) ends with exit code 1 or 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from nrstudio import __version__

# Imported for their registration.
from nrstudio.commands import design, info, measure, predict, report, run, tables  # noqa: F401
from nrstudio.commands.registry import COMMANDS, print_error
from nrstudio.core.errors import Cancelled, NRStudioError

# The order `nrstudio --help` lists the commands in: a table's path from import to report.
HELP_ORDER = ("import", "info", "validate", "augment", "run", "predict", "design", "suggest",
              "measure", "report")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, as argparse but shorter
        self.exit(2, f"nrstudio: error: {message} (see nrstudio --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="nrstudio",
        description="NR Studio. Without a command: open the desktop app (optionally on FILE).",
    )
    parser.add_argument("--version", action="version", version=f"NR Studio {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation offline (opens the example offscreen, "
                             "trains a tiny model, predicts, explains, measures, reports); "
                             "prints one line, exit code 0 when it works")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    ordered = [n for n in HELP_ORDER if n in COMMANDS] + [n for n in COMMANDS
                                                         if n not in HELP_ORDER]
    for name in ordered:
        add, help_text = COMMANDS[name]
        add(sub.add_parser(name, help=help_text))  # type: ignore[arg-type]
    return parser


# ---- entry point -------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--self-test"]:
        from nrstudio.self_test import run_self_test

        return run_self_test()
    if not args_list or (args_list[0] not in COMMANDS and not args_list[0].startswith("-")):
        if len(args_list) > 1:
            print_error(f"unknown command '{args_list[0]}' (commands: {', '.join(COMMANDS)})")
            return 2
        from nrstudio.gui.app.launch import launch_gui

        return launch_gui(args_list[0] if args_list else None)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except Cancelled:
        print_error("cancelled")
        return 130
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130
    except NRStudioError as exc:
        print_error(str(exc))
        return 1
    except MemoryError:
        print_error("out of memory")
        return 1
    except Exception as exc:  # a defect of ours: still one line, and how to report it
        print_error(f"internal error ({type(exc).__name__}: {exc}); please report this with the command")
        return 3


if __name__ == "__main__":
    raise SystemExit(main())
