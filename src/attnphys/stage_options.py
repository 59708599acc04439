"""Command-line options that mean the same in every area's stages, defined once.

- ``--seed``: the master seed (config key ``seed``), from which every random stream of the
  stage is derived through ``attnphys.seeding`` (never a replica number).
- ``--replica``: which of the config's training replicas (``<area>.seeds``) a run is; with the
  master seed and the model it names the run's seed (:func:`attnphys.seeding.run_seed`).
- ``--checkpoint``: the model file (``model.pt``) a stage reads, written by the area's train stage.
- ``--out-<what>``: every file a stage writes, one flag each (:func:`add_output`).

Training settings are ``attnphys.train.options``; model settings are ``--params``
(``attnphys.train.params``); ``--device`` is ``attnphys.train.options.add_device_option``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from attnphys.seeding import MASTER_SEED


def add_seed_option(parser: argparse.ArgumentParser, required: bool = False) -> None:
    """``--seed``: the master seed."""
    kwargs = {"required": True} if required else {"default": MASTER_SEED}
    parser.add_argument("--seed", type=int, help="master seed (config key `seed`)"
                        + ("" if required else " (default: %(default)s)"), **kwargs)


def add_replica_option(parser: argparse.ArgumentParser) -> None:
    """``--replica``: the training replica (one of the area's ``seeds``)."""
    parser.add_argument("--replica", type=int, default=0,
                        help="training replica, one of the area's config `seeds` (default: %(default)s)")


def add_checkpoint_option(parser: argparse.ArgumentParser, area: str, required: bool = True) -> None:
    """``--checkpoint``: the model file of ``attnphys <area> train``."""
    parser.add_argument("--checkpoint", type=Path, required=required,
                        help=f"model.pt of `attnphys {area} train`" + ("" if required else " (default: none)"))


def add_output(parser: argparse.ArgumentParser, what: str, help: str, required: bool = True, **kwargs) -> None:
    """``--out-<what>``: one file the stage writes (written atomically, nothing half-written)."""
    parser.add_argument(f"--out-{what}", type=Path, required=required, help=help, **kwargs)
