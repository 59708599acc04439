"""The config reference: every key of the workflow's schema with its default and meaning.

The schema (``workflow/schemas/config.schema.yaml``) is the one source of the keys, their
defaults and their descriptions; the reference beside it (``workflow/schemas/README.md``) is
rendered from it, never edited by hand. From the repository root::

    python -m attnphys.config_reference

rewrites the reference; ``tests/workflow/test_config_reference.py`` fails when the committed
file differs from this output or a key lacks a description.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

from attnphys.files import atomic_path, existing

SCHEMA = Path("workflow/schemas/config.schema.yaml")
REFERENCE = Path("workflow/schemas/README.md")

HEADER = """\
# Config reference

Every key of the workflow's configuration, rendered from `config.schema.yaml` beside this file
(the defaults are the schema's; `config.yaml` at the repository root sets the default run, and the
overlays in `workflow/configs/` and `.test/config/` set only the keys they change). A bad value
stops `snakemake -n` with a message naming the key.

Generated: do not edit. After changing the schema, run `python -m attnphys.config_reference`
from the repository root; `tests/workflow/test_config_reference.py` fails when a key lacks a
description or this file is stale.
"""


def schema_keys(node: dict, prefix: str = "") -> Iterator[tuple[str, dict]]:
    """(dotted key, schema node) of every property, depth first in file order."""
    for key, child in node.get("properties", {}).items():
        yield prefix + key, child
        yield from schema_keys(child, f"{prefix}{key}.")


def _default(node: dict) -> str:
    if "properties" in node or "default" not in node:
        return ""
    return "`" + json.dumps(node["default"], separators=(", ", ": ")) + "`"


def render_table(schema: dict) -> str:
    """The Markdown table: one row per key, its default (none for sections) and description."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for key, node in schema_keys(schema):
        text = " ".join(str(node.get("description", "")).split()).replace("|", "\\|")
        rows.append(f"| `{key}` | {_default(node)} | {text} |")
    return "\n".join(rows)


def render(schema: dict) -> str:
    """The whole reference file: header, then the table."""
    return f"{HEADER}\n{render_table(schema)}\n"


def write_reference(schema_path: Path = SCHEMA, out: Path = REFERENCE) -> Path:
    """Render ``schema_path`` into ``out`` (atomically)."""
    schema = yaml.safe_load(existing(schema_path, "the workflow's config schema").read_text())
    if not isinstance(schema, dict) or "properties" not in schema:
        raise ValueError(f"{schema_path}: not a JSON schema with 'properties'")
    with atomic_path(out) as tmp:
        tmp.write_text(render(schema))
    return Path(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attnphys.config_reference",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--schema", type=Path, default=SCHEMA, help=f"the schema (default {SCHEMA})")
    parser.add_argument("--out", type=Path, default=REFERENCE, help=f"the reference (default {REFERENCE})")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        out = write_reference(args.schema, args.out)
    except (OSError, ValueError, yaml.YAMLError) as err:
        logging.getLogger("attnphys").error("%s", " ".join(str(err).split()))
        return 2
    logging.getLogger("attnphys").info("wrote %s", out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
