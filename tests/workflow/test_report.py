"""`snakemake --report` gives one HTML report with the results of every registered area.

Every output of a tiny config with all five areas enabled is put in place without running
anything (figures as valid PNG images, the rest empty), recorded as complete by
``snakemake --touch``, then the HTML report is built: each area of ``attnphys.areas`` must
appear as its own category with its results and their captions.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from attnphys.areas import AREAS

REPO = Path(__file__).resolve().parents[2]
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
# One result of each area's report outputs (a file name) and a phrase of its caption.
EXPECTED = {
    "jets": ("confusion_transformer.png", "Rows are the true class"),
    "spanet": ("efficiency_by_jets.png", "Clopper-Pearson"),
    "gating": ("xor_regions.png", "OR gated by NAND"),
    "neutron_stars": ("mr_bands.png", "residual band"),
    "neutrino": ("attention.png", "rows are the queries"),
}


def tiny_all_areas(out: Path) -> dict:
    """The tiny jets config with the tiny SPA-NET settings and small versions of the others."""
    config = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())
    spanet = yaml.safe_load((REPO / ".test/config/spanet.yaml").read_text())["spanet"]
    config.update(outdir=str(out), spanet=spanet,
                  gating={"enabled": True, "max_n": 3, "xor_seeds": 2, "xor_epochs": 10},
                  neutron_stars={"enabled": True, "n_samples": 40, "star_counts": [1], "n_stars": 2, "n_fit": 4},
                  neutrino={"enabled": True, "events_per_class": 10, "events_per_chunk": 10, "seeds": [0]})
    return copy.deepcopy(config)


def snakemake(workdir: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    run = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory",
                          str(workdir), "--cores", "1", "--configfile", str(config), *args],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> str:
    workdir = tmp_path_factory.mktemp("report")
    out = workdir / "results"
    config = workdir / "config.yaml"
    config.write_text(yaml.safe_dump(tiny_all_areas(out)))
    summary = snakemake(workdir, config, "-n", "--summary", "all").stdout
    outputs = [line.split("\t")[0] for line in summary.splitlines()[1:] if "\t" in line]
    assert outputs
    for path in map(Path, outputs):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(PNG if path.suffix == ".png" else b"")
    snakemake(workdir, config, "--touch", "all")
    snakemake(workdir, config, "--report", str(workdir / "report.html"))
    return (workdir / "report.html").read_text()


def results(html: str, title: str) -> dict[str, str]:
    """{result path: its caption} of one category of the report (the report's own JSON data)."""
    found = re.search(rf'"{re.escape(title)}": (\{{"[^"]+": \[[^\]]*\](?:, "[^"]+": \[[^\]]*\])*\}})', html)
    assert found, f"no category {title!r} in the report"
    paths = [path for group in json.loads(found.group(1)).values() for path in group]
    captions = {}
    for path in paths:
        entry = re.search(rf'"{re.escape(path)}": \{{"name": .*?"caption": ("(?:[^"\\]|\\.)*")', html)
        assert entry, path
        captions[path] = json.loads(entry.group(1))
    return captions


@pytest.mark.parametrize("area", AREAS, ids=[area.name for area in AREAS])
def test_every_area_has_its_category_results_and_captions(html, area):
    name, phrase = EXPECTED[area.name]
    captions = results(html, area.title)
    assert name in {Path(path).name for path in captions}
    assert all(f"/results/{area.name}/" in path for path in captions)
    assert all(caption.strip() for caption in captions.values())
    assert any(phrase in caption for caption in captions.values())


def test_every_registered_area_is_expected():
    assert set(EXPECTED) == {area.name for area in AREAS}
