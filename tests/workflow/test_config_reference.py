"""Every config key is documented: a description in the schema, and a row in the config
reference beside it (workflow/schemas/README.md), which ``python -m attnphys.config_reference``
renders from the schema.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from attnphys.config_reference import REFERENCE, SCHEMA, render, schema_keys

REPO = Path(__file__).resolve().parents[2]


def _schema() -> dict:
    return yaml.safe_load((REPO / SCHEMA).read_text())


def test_every_schema_key_has_a_description():
    undocumented = [key for key, node in schema_keys(_schema()) if not str(node.get("description", "")).strip()]
    assert not undocumented, f"{SCHEMA}: keys without description: {undocumented}"


def test_committed_reference_is_the_schema_rendered():
    committed = (REPO / REFERENCE).read_text()
    for key, _ in schema_keys(_schema()):
        assert f"| `{key}` |" in committed, f"{REFERENCE} lacks {key}"
    assert committed == render(_schema()), f"{REFERENCE} is stale: run python -m attnphys.config_reference"


def test_reference_rows_carry_the_schema_defaults():
    rows = {line.split(" | ")[0].strip("| `"): line for line in render(_schema()).splitlines() if line.startswith("| `")}
    assert rows["seed"].split(" | ")[1] == "`20220201`"
    assert rows["jets"].split(" | ")[1] == ""  # a section has no default
    assert rows["jets.pt_window"].split(" | ")[1] == "`[1000.0, 1200.0]`"


def _command(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "attnphys.config_reference", *args],
                          cwd=cwd, env=env, capture_output=True, text=True)


def test_the_command_writes_the_committed_file(tmp_path):
    out = tmp_path / "README.md"
    done = _command("--out", str(out), cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert out.read_text() == (REPO / REFERENCE).read_text()


def test_a_missing_schema_is_one_line_and_status_2(tmp_path):
    out = tmp_path / "README.md"
    done = _command("--schema", str(tmp_path / "nope.yaml"), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope.yaml" in lines[0], done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
