"""The ``attnphys`` command line: one subcommand per pipeline stage.

Each area registers its own subcommands (``attnphys jets generate ...``,
``attnphys spanet evaluate ...``) through a ``register(subparsers)`` function in its
``cli`` module, so the workflow rules and a user at the shell run the same code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

AREAS = {
    "jets": "attnphys.jets.cli",
    "spanet": "attnphys.spanet.cli",
    "gating": "attnphys.gating.cli",
    "neutron-stars": "attnphys.neutron_stars.cli",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="attnphys", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    areas = parser.add_subparsers(dest="area", required=True)
    for name, module in AREAS.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name != module:
                raise
            continue
        area = areas.add_parser(name, help=(mod.__doc__ or name).strip().splitlines()[0])
        mod.register(area.add_subparsers(dest="stage", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
