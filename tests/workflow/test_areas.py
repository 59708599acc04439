"""The registry of areas (``attnphys.areas``) is the one list: every area has its config block,
schema, command line and plan, and every area's bad config value stops ``snakemake -n`` with
one line naming the key, as do user file lists that are no files or name one file twice.
A bad model setting is refused by the same config check, for every area with models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from attnphys import cli
from attnphys.areas import AREAS
from attnphys.validate.config import load_config

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
IDS = [area.name for area in AREAS]


def test_the_registry_is_the_command_line_config_and_schema():
    assert {area.command: area.cli for area in AREAS} == cli.AREAS
    schema = yaml.safe_load(SCHEMA.read_text())["properties"]
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    areas = {area.name for area in AREAS}
    assert areas == {key for key, block in schema.items() if "enabled" in block.get("properties", {})}
    assert areas <= set(config) and len({area.title for area in AREAS}) == len(AREAS)
    for area in AREAS:
        assert callable(area.plan_module().check), area.name


def dry_run(tmp_path: Path, overlay: dict) -> subprocess.CompletedProcess:
    (tmp_path / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    return subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory",
                           str(tmp_path), "-n", "--configfile", str(tmp_path / "overlay.yaml")],
                          capture_output=True, text=True, timeout=300)


def refused(run: subprocess.CompletedProcess) -> str:
    """The one line of a refused dry run that names a config key."""
    log = run.stdout + run.stderr
    assert run.returncode == 2, log[-2000:]
    lines = [line for line in log.splitlines() if "config key" in line]
    assert len(lines) == 1 and "Traceback" not in log, log[-2000:]
    return lines[0]


@pytest.mark.parametrize("area", AREAS, ids=IDS)
def test_a_misspelt_setting_of_every_area_stops_the_dry_run(tmp_path, area):
    line = refused(dry_run(tmp_path, {area.name: {"enabled": True, "seedz": [0]}}))
    assert f"config key {area.name}:" in line and "'seedz'" in line


@pytest.mark.parametrize("area", [a for a in AREAS if a.models], ids=[a.name for a in AREAS if a.models])
def test_a_bad_model_setting_of_every_area_with_models_is_refused(area):
    """In the config check that ``snakemake -n`` runs (tests/validate/test_config.py: at -n)."""
    overlay, key = _bad_model_setting(area)
    with pytest.raises(ValueError) as error:
        load_config([REPO / "config.yaml"], SCHEMA, overlay)
    assert str(error.value).startswith(f"config key {key}: must be at least 1")


def _bad_model_setting(area) -> tuple[dict, str]:
    """A width of 0 for the area's first model (its ``d_model``, ``dim`` or first integer keyword)."""
    from attnphys.validate.config import model_keywords

    model, keywords = next(iter(model_keywords(area.models).items()))
    name = next(k.name for k in keywords if k.annotation == "int" and k.name not in area.models.sizes)
    prefix = area.models.key.replace("{model}", model)
    overlay: dict = {}
    node = overlay
    for part in prefix.split("."):
        node = node.setdefault(part, {})
    node[name] = 0
    return overlay, f"{prefix}.{name}"


@pytest.mark.parametrize("case", ["neutrino dataset is a directory", "predict file and its symlink",
                                  "spanet train file as test file"])
def test_file_lists_are_resolved_at_the_dry_run(tmp_path, case):
    data = tmp_path / "data"
    data.mkdir()
    (data / "tag.root").write_bytes(b"events")
    (data / "link.root").symlink_to(data / "tag.root")
    (data / "a.h5").write_bytes(b"a")
    (data / "b.h5").write_bytes(b"b")
    overlay, key = {
        "neutrino dataset is a directory": ({"neutrino": {"dataset": str(data)}}, "neutrino.dataset"),
        "predict file and its symlink": ({"jets": {"predict": {"files": [str(data / "*.root")], "model": "pfn"}}},
                                         "jets.predict.files"),
        "spanet train file as test file": ({"spanet": {"files": {"train": str(data / "a.h5"), "val": str(data / "b.h5"),
                                                                 "test": str(data / "a.h5")}}}, "spanet.files"),
    }[case]
    assert f"config key {key}" in refused(dry_run(tmp_path, overlay))
