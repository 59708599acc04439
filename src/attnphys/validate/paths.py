"""The files of one command: no output onto an input, no input given twice.

Run by ``attnphys.cli.main`` on the parsed arguments of every stage, before it starts, so
the rule holds wherever a stage's code lives. Options named ``out``, ``out-*`` or ``*-out``
are outputs; every other option whose value is an existing file (or a list of them) is an input.

- An output that is an input (the same path, a symlink or a hard link to it) is refused:
  ``jets predict --out`` naming its ROOT file would replace the user's data.
- Inputs are refused, not deduplicated, when two of them are one file (the same path, a
  symlink, a hard link), or two event files (ROOT, Parquet, HDF5) hold the same bytes (a copy;
  compared by size, then BLAKE2b): the same events given twice would count twice, and the same
  file as train and validation or test would test on the training events. Summaries (JSON, CSV)
  are not compared by content: two runs may well write identical ones. Empty files are not
  compared.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from attnphys.validate import BadInput
from attnphys.validate.unique import content_digest

EVENT_FILES = (".root", ".parquet", ".h5", ".hdf5")  # compared by content too


def is_output(name: str) -> bool:
    return name == "out" or name.startswith("out_") or name.endswith("_out")


def check_arguments(arguments: Mapping[str, object]) -> None:
    """Refuse an output onto an input and an input given twice (``arguments``: argparse's ``vars``)."""
    inputs, outputs = [], []
    for name, value in arguments.items():
        for path in _paths(value):
            option = "--" + name.replace("_", "-")
            if is_output(name):
                outputs.append((option, path))
            elif os.path.isfile(path):
                inputs.append((option, path))
    identity: dict[tuple[int, int], tuple[str, str]] = {}
    for option, path in inputs:
        key = identity_of(path)
        if key in identity:
            other, first = identity[key]
            raise BadInput(path, option, f"given twice: the same file as {other} {first} (both are "
                           f"{Path(path).resolve()}); its events would count twice")
        identity[key] = (option, path)
    by_size: dict[int, list[tuple[str, str]]] = {}
    for option, path in inputs:
        size = os.path.getsize(path)
        if size and Path(path).suffix.lower() in EVENT_FILES:
            by_size.setdefault(size, []).append((option, path))
    for group in by_size.values():
        digests: dict[str, tuple[str, str]] = {}
        for option, path in group if len(group) > 1 else ():
            digest = content_digest(path)
            if digest in digests:
                other, first = digests[digest]
                raise BadInput(path, option, f"same content as {other} {first} (a copy given twice); its events "
                               "would count twice")
            digests[digest] = (option, path)
    for option, path in outputs:
        if not os.path.exists(path):
            continue
        for other, source in inputs:
            if identity_of(path) == identity_of(source):
                raise BadInput(path, option, f"is the input given as {other} {source}; writing it would destroy "
                               "the input")


def identity_of(path: str) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


def _paths(value) -> list[str]:
    """``value`` as a list of path strings (none for numbers, flags and JSON)."""
    values = value if isinstance(value, list | tuple) else [value]
    return [os.fspath(v) for v in values if isinstance(v, str | os.PathLike) and os.fspath(v)]
