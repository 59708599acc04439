"""Every config key is documented: a description in the schema, and a row in the README's
config reference, which is rendered from the schema.

After changing the schema, rewrite the reference with
    python tests/workflow/test_config_reference.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
README = REPO / "README.md"
START, END = "<!-- config-reference: start -->", "<!-- config-reference: end -->"


def schema_keys(node: dict, prefix: str = ""):
    """(dotted key, schema node) of every property, depth first in file order."""
    for key, child in node.get("properties", {}).items():
        yield prefix + key, child
        yield from schema_keys(child, f"{prefix}{key}.")


def _default(node: dict) -> str:
    if "properties" in node or "default" not in node:
        return ""
    return "`" + json.dumps(node["default"], separators=(", ", ": ")) + "`"


def render_reference(schema: dict) -> str:
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for key, node in schema_keys(schema):
        text = " ".join(str(node.get("description", "")).split()).replace("|", "\\|")
        rows.append(f"| `{key}` | {_default(node)} | {text} |")
    return "\n".join(rows)


def readme_reference() -> str:
    match = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), README.read_text(), re.S)
    assert match, f"README.md lacks the block {START} ... {END}"
    return match.group(1)


def test_every_schema_key_has_a_description():
    schema = yaml.safe_load(SCHEMA.read_text())
    undocumented = [key for key, node in schema_keys(schema) if not str(node.get("description", "")).strip()]
    assert not undocumented, f"{SCHEMA.name}: keys without description: {undocumented}"


def test_readme_reference_is_the_schema_rendered():
    schema = yaml.safe_load(SCHEMA.read_text())
    reference = readme_reference()
    for key, _ in schema_keys(schema):
        assert f"| `{key}` |" in reference, f"README config reference lacks {key}"
    assert reference == render_reference(schema), "README config reference is stale: run " + __doc__.split()[-1]


if __name__ == "__main__":
    text = README.read_text()
    block = f"{START}\n{render_reference(yaml.safe_load(SCHEMA.read_text()))}\n{END}"
    if START in text:
        text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text += "\n" + block + "\n"
    README.write_text(text)
