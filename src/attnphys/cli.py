"""The ``attnphys`` command line: one subcommand per pipeline stage.

Every area registers its subcommands the same way (``attnphys jets generate ...``,
``attnphys spanet evaluate ...``): its ``cli`` module maps each subcommand to the stage
module of the same name (``STAGES``), and :func:`register_stages` imports only the
requested stage's module, whose ``add_cli`` adds the parser; the workflow rules and a user at
the shell run the same code.

Any failure of a stage is one logged line and exit status 2: bad input (ValueError,
FileNotFoundError, ``attnphys.validate.BadInput``) with its own message, anything else
(a full disk, an output path that is a folder, a bug) as ``TypeName: message``. ``--debug``
(or the environment variable ``ATTNPHYS_DEBUG=1``) shows the traceback instead. SIGTERM
(Snakemake cancelling a job) unwinds like an error, so temporary files are removed. Before a
stage runs, its file arguments are checked (``attnphys.validate.paths``): no output onto an
input, no input given twice.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys

from attnphys import areas
from attnphys.validate.paths import check_arguments

# Subcommand -> command-line module of every area, from the one registry (attnphys.areas).
AREAS = {area.command: area.cli for area in areas.AREAS}


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """Parser for ``argv``: only the area named on the command line is imported.

    Importing an area can pull in torch or matplotlib (seconds each); a Snakemake job
    runs one stage, so it pays only for its own area.
    """
    parser = argparse.ArgumentParser(prog="attnphys", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an error (also: environment variable ATTNPHYS_DEBUG=1)")
    areas = parser.add_subparsers(dest="area", required=True)
    requested = [a for a in argv if not a.startswith("-")][:2]
    for name, module in AREAS.items():
        if requested and requested[0] != name:
            areas.add_parser(name, help=f"{name} stages (attnphys {name} -h)")
            continue
        mod = importlib.import_module(module)
        area = areas.add_parser(name, help=(mod.__doc__ or name).strip().splitlines()[0])
        stage = requested[1] if len(requested) > 1 else None
        register_stages(area.add_subparsers(dest="stage", required=True), name, mod.STAGES, stage)
    return parser


def register_stages(subparsers, area: str, stages: dict[str, str], stage: str | None) -> None:
    """Each stage's parser from its module's ``add_cli``; with ``stage`` named, only that
    module is imported (the others get a bare entry for ``-h``)."""
    for name, module in stages.items():
        if stage in stages and stage != name:
            subparsers.add_parser(name, help=f"attnphys {area} {name} -h")
            continue
        importlib.import_module(module).add_cli(subparsers)


def stage_parser(area: str, stage: str) -> argparse.ArgumentParser:
    """The parser of ``attnphys <area> <stage>`` (its options, defaults and help)."""
    parser = build_parser([area, stage])
    areas = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    stages = next(a for a in areas.choices[area]._actions if isinstance(a, argparse._SubParsersAction))
    return stages.choices[stage]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    debug = args.debug or os.environ.get("ATTNPHYS_DEBUG", "") not in ("", "0")
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        check_arguments(vars(args))
        result = args.func(args)
    except Exception as err:
        if debug:
            raise
        logging.getLogger("attnphys").error("%s", one_line(err))
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)
    return int(result or 0)


def one_line(err: BaseException) -> str:
    """The error as one line: bad input as its message, anything else prefixed by its type."""
    text = " ".join(str(err).split()) or repr(err)
    if isinstance(err, OSError) and err.filename is not None and str(err.filename) not in text:
        text = f"{err.filename}: {text}"
    if isinstance(err, ValueError | FileNotFoundError):
        return text
    return f"{type(err).__name__}: {text}"


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    sys.exit(main())
