"""Command line: ``pybbdl forecast|panel|privacy|gan|models|metrics ...``. Only argparse is imported up front, so
``--help`` is instant.

Each subcommand lives in its own module (``forecast``, ``panel``, ``privacy``, ``gan``) with an
``add_parser(sub)`` and a ``run(args) -> int``; the runs themselves are the workflows of
:mod:`pybbdl.workflows`, the CLI only parses, calls one workflow and prints. Any
:class:`~pybbdl.exceptions.PybbdlError` (bad input, unwritable folder, missing data) ends the
command with a one-line message on stderr and exit code 2; anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import sys

from pybbdl.cli import forecast as _forecast_cmd
from pybbdl.cli import gan as _gan_cmd
from pybbdl.cli import metrics as _metrics_cmd
from pybbdl.cli import models as _models_cmd
from pybbdl.cli import panel as _panel_cmd
from pybbdl.cli import privacy as _privacy_cmd

COMMANDS = {"forecast": _forecast_cmd, "panel": _panel_cmd, "privacy": _privacy_cmd, "gan": _gan_cmd,
            "models": _models_cmd, "metrics": _metrics_cmd}


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pybbdl", description="Deep learning for economists: forecasts beside honest baselines.")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def _option_names(parser: argparse.ArgumentParser) -> dict[str, str]:
    """``{dest: "--long-option"}`` over every subcommand (positionals keep their name)."""
    names: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                names = {**_option_names(sub), **names}
        elif action.dest not in names:
            names[action.dest] = action.option_strings[-1] if action.option_strings else action.dest
    return names


#: Options whose own check refuses an empty text with more help (the valid names or the format).
_BLANK_CHECKED_LATER = {("forecast", d) for d in ("target", "features", "models", "baselines", "known", "levels",
                                                  "split", "horizons")}


def _refuse_blank(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """No option takes an empty text: ``--out ""`` would be the working folder, ``--encoding ""``
    the default, ``--data-path ""`` the working folder; each is refused, never given a meaning."""
    from pybbdl.exceptions import ArgumentError

    names = _option_names(parser)
    for dest, value in vars(args).items():
        if (args.command, dest) in _BLANK_CHECKED_LATER:
            continue
        if isinstance(value, str) and not value.strip():
            option = names.get(dest, dest)
            raise ArgumentError(f"`{option}` must not be empty. Received: {option} {value!r}")


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from pybbdl import __version__

        print(f"pybbdl {__version__}")
        return 0
    if args.command not in COMMANDS:
        parser.print_help()
        return 0
    import warnings

    from pybbdl.exceptions import PybbdlError

    name = args.command + (f" {args.privacy_command}" if args.command == "privacy" else "")
    shown: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):
        """Warnings as one line each, each text once (the irregular-index warning comes from both
        the reader and the windowing)."""
        text = " ".join(str(message).split())
        if text not in shown:
            shown.add(text)
            print(f"pybbdl {name}: warning: {text}", file=sys.stderr)

    try:
        _refuse_blank(parser, args)
        with warnings.catch_warnings():  # the caller's warning machinery comes back afterwards
            warnings.showwarning = show
            return COMMANDS[args.command].run(args)
    except PybbdlError as err:
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"pybbdl {name}: error: {message}", file=sys.stderr)
        return 2

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
