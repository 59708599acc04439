"""The ``attnphys`` command line: one subcommand per pipeline stage.

Each area registers its own subcommands (``attnphys jets generate ...``,
``attnphys spanet evaluate ...``) through a ``register(subparsers)`` function in its
``cli`` module, so the workflow rules and a user at the shell run the same code.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import logging
import sys

AREAS = {
    "jets": "attnphys.jets.cli",
    "spanet": "attnphys.spanet.cli",
    "gating": "attnphys.gating.cli",
    "neutron-stars": "attnphys.neutron_stars.cli",
    "neutrino": "attnphys.neutrino.cli",
}


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """Parser for ``argv``: only the area named on the command line is imported.

    Importing an area can pull in torch or matplotlib (seconds each); a Snakemake job
    runs one stage, so it pays only for its own area.
    """
    parser = argparse.ArgumentParser(prog="attnphys", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    areas = parser.add_subparsers(dest="area", required=True)
    requested = [a for a in argv if not a.startswith("-")][:2]
    for name, module in AREAS.items():
        if requested and requested[0] != name:
            areas.add_parser(name, help=f"{name} stages (attnphys {name} -h)")
            continue
        mod = importlib.import_module(module)
        area = areas.add_parser(name, help=(mod.__doc__ or name).strip().splitlines()[0])
        stage = requested[1] if len(requested) > 1 else None
        if "stage" in inspect.signature(mod.register).parameters:
            mod.register(area.add_subparsers(dest="stage", required=True), stage=stage)
        else:
            mod.register(area.add_subparsers(dest="stage", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        result = args.func(args)
    except (ValueError, FileNotFoundError) as err:
        logging.getLogger("attnphys").error("%s", err)
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
