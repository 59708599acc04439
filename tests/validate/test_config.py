"""Fault suite of the configuration: a typo, a wrong type, a value out of range, NaN or
infinity, a zero-width split or an empty window in any section is an error naming the key
before anything runs; ``snakemake -n`` stops on it."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.utils import update_config

from attnphys.validate.config import check_config, validate_config

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
BASE = yaml.safe_load((REPO / "config.yaml").read_text())

# (overlay, what the message must contain): every section of config.yaml gets a typo
FAULTS = [
    ({"sed": 1}, "sed"),
    ({"outdir": 3}, "outdir"),
    ({"device": "gpu"}, "gpu"),
    ({"jets": {"clases": ["1", "2"]}}, "clases"),
    ({"jets": {"classes": ["1", "9"]}}, "9"),
    ({"jets": {"classes": ["1"]}}, "classes"),
    ({"jets": {"jets_per_class": 0}}, "jets_per_class"),
    ({"jets": {"pt_window": [1000.0, float("inf")]}}, "jets.pt_window[1]"),
    ({"jets": {"mass_window": [700.0, 300.0]}}, "jets.mass_window"),
    ({"jets": {"split": [1.0, 0.0, 0.0]}}, "split"),
    ({"jets": {"split": [0.5, 0.2, 0.2]}}, "jets.split"),
    ({"jets": {"flatten_bins": [0, 1]}}, "flatten_bins"),
    ({"jets": {"train": {"lr": float("nan")}}}, "jets.train.lr"),
    ({"jets": {"train": {"epoch": 3}}}, "epoch"),
    ({"jets": {"train": {"batch_size": 0}}}, "batch_size"),
    ({"jets": {"model_params": {"hl_dnn": {"widht": 32}}}}, "jets.model_params.hl_dnn: unknown key(s) ['widht']"),
    ({"jets": {"model_params": {"hl_dnn": {"width": 0}}}}, "jets.model_params.hl_dnn.width: must be at least 1"),
    ({"jets": {"model_params": {"pfn": {"phi": "16"}}}}, "jets.model_params.pfn.phi"),
    ({"jets": {"model_params": {"transformer": {"heads": 3}}}}, "jets.model_params.transformer.heads"),
    ({"jets": {"model_params": {"transformer": {"dropout": 1.5}}}}, "jets.model_params.transformer.dropout"),
    ({"jets": {"model_params": {"transformer": {"n_classes": 3}}}}, "follow from the data"),
    ({"jets": {"model_params": {"tranformer": {}}}}, "tranformer"),
    ({"spanet": {"evnts": 10}}, "evnts"),
    ({"spanet": {"split": [0.8, 0.2, 0.0]}}, "split"),
    ({"spanet": {"model": {"dimm": 32}}}, "spanet.model: unknown key(s) ['dimm']"),
    ({"spanet": {"model": {"augment": "yes"}}}, "spanet.model.augment"),
    ({"spanet": {"train": {"lr": float("-inf")}}}, "lr"),
    ({"gating": {"max_n": 9}}, "max_n"),
    ({"gating": {"xor_lr": float("nan")}}, "gating.xor_lr"),
    ({"neutron_stars": {"n_sample": 10}}, "n_sample"),
    ({"neutron_stars": {"prior": {"gamma0": [1.5, 0.7]}}}, "neutron_stars.prior.gamma0"),
    ({"neutron_stars": {"train": {"patience": 0}}}, "patience"),
    ({"neutron_stars": {"model": {"d_model": 2.5}}}, "neutron_stars.model.d_model: expected an integer"),
    ({"neutron_stars": {"model": {"n_outputs": 2}}}, "follow from the data"),
    ({"neutrino": {"model_params": {"cvn": {"chanels": 4}}}}, "neutrino.model_params.cvn: unknown key(s) ['chanels']"),
    ({"neutrino": {"model_params": {"transformer": {"heads": 3}}}}, "neutrino.model_params.transformer.heads"),
    ({"neutrino": {"model_params": {"ablation": {"max_prongs": 3}}}}, "follow from the data"),
    ({"neutrino": {"model_params": {"cvn": {"dim": 0}}}}, "neutrino.model_params.cvn.dim: must be at least 1"),
    ({"neutrino": {"split": [0.5, 0.2, 0.2]}}, "neutrino.split"),
]


def checked(overlay: dict) -> dict:
    """The schema (with its defaults) and then the value checks, as the workflow runs them."""
    cfg = copy.deepcopy(BASE)
    update_config(cfg, copy.deepcopy(overlay))
    validate_config(cfg, SCHEMA)
    check_config(cfg)
    return cfg


def test_the_default_and_test_configs_pass():
    checked({})
    checked(yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text()))


@pytest.mark.parametrize(("overlay", "named"), FAULTS, ids=[str(o) for o, _ in FAULTS])
def test_every_section_refuses_a_bad_value(overlay, named):
    with pytest.raises(Exception) as error:
        checked(overlay)
    assert named in str(error.value)


def _dry_run(tmp_path: Path, overlay: dict) -> subprocess.CompletedProcess:
    (tmp_path / "overlay.yaml").write_text(yaml.safe_dump(overlay))
    return subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory",
                           str(tmp_path), "-n", "--configfile", str(REPO / ".test" / "config" / "config.yaml"),
                           str(tmp_path / "overlay.yaml")], capture_output=True, text=True, timeout=300)


def test_snakemake_dry_run_stops_on_a_model_setting(tmp_path):
    proc = _dry_run(tmp_path, {"jets": {"model_params": {"pfn": {"phi": [16, 0]}}}})
    assert proc.returncode != 0
    assert "config key jets.model_params.pfn.phi: expected a non-empty list of integers" in proc.stdout + proc.stderr


def test_snakemake_dry_run_stops_on_one_delphes_file_given_twice(tmp_path, delphes_file):
    link = tmp_path / "link.root"
    link.symlink_to(delphes_file)
    proc = _dry_run(tmp_path, {"jets": {"classes": ["1", "2"],
                                        "delphes_files": {"1": [str(delphes_file)], "2": [str(link)]}}})
    assert proc.returncode != 0
    log = proc.stdout + proc.stderr
    assert "config key jets.delphes_files: given twice" in log and delphes_file.name in log
