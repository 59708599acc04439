"""The cross-source table (attnphys.jets.cross_source) and the source plan (attnphys.jets.sources)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from attnphys.jets import sources
from attnphys.jets.cross_source import write_cross_table

CLASSES = ["1", "2", "3"]


def _metrics(folder, name, model, accuracy, per_class):
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"model": model, "classes": CLASSES, "accuracy": accuracy,
                                "per_class_accuracy": dict(zip(CLASSES, per_class))}))
    return path


def test_table_is_class_by_class_mean_and_spread_over_seeds(tmp_path):
    runs = [
        ("simulation", "simulation", 0.60, [0.9, 0.5, 0.4]),
        ("simulation", "simulation", 0.70, [0.9, 0.7, 0.5]),
        ("simulation", "paper", 0.40, [0.8, 0.2, None]),
        ("simulation", "paper", 0.50, [0.6, 0.4, None]),
        ("paper", "paper", 0.90, [1.0, 0.9, 0.8]),
        ("paper", "simulation", 0.30, [0.5, 0.2, 0.2]),
    ]
    paths = [_metrics(tmp_path, str(i), "pfn", a, p) for i, (_, _, a, p) in enumerate(runs)]
    table = write_cross_table(paths, [r[0] for r in runs], [r[1] for r in runs], tmp_path / "x.csv", tmp_path / "x.md")
    row = table.set_index(["trained", "tested"]).loc[("simulation", "paper")]
    assert row["accuracy_mean"] == pytest.approx(45.0) and row["accuracy_std"] == pytest.approx(np.std([40, 50], ddof=1))
    assert row["n_seeds"] == 2 and row["acc_1"] == pytest.approx(70.0) and np.isnan(row["acc_3"])
    single = table.set_index(["trained", "tested"]).loc[("paper", "simulation")]
    assert single["accuracy_std"] == 0.0 and single["acc_2"] == pytest.approx(20.0)
    assert pd.read_csv(tmp_path / "x.csv").shape == (4, 6 + len(CLASSES))
    text = (tmp_path / "x.md").read_text()
    assert "PFN (tower) trained on our simulation: 45.00 % on the paper's jets, against 90.00 % when trained on them." in text


def test_runs_that_disagree_on_classes_or_lengths_are_refused(tmp_path):
    good = _metrics(tmp_path, "a", "pfn", 0.5, [0.5, 0.5, 0.5])
    bad = tmp_path / "b.json"
    bad.write_text(json.dumps({"model": "pfn", "classes": ["1", "2"], "accuracy": 0.5,
                               "per_class_accuracy": {"1": 0.5, "2": 0.5}}))
    with pytest.raises(ValueError, match="b.json: field classes"):
        write_cross_table([good, bad], ["paper", "paper"], ["paper", "simulation"], tmp_path / "c", tmp_path / "m")
    with pytest.raises(ValueError, match="equally long"):
        write_cross_table([good], ["paper", "paper"], ["paper"], tmp_path / "c", tmp_path / "m")
    assert not (tmp_path / "c").exists()


def _jets_config(**changes):
    jets = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.yaml").read_text())["jets"]
    return {**jets, **changes}


def test_source_plan_places_each_source_and_lists_every_cross_run():
    jets = _jets_config(paper_file="/data/p.h5", seeds=[0, 1])
    assert sources.dataset_dir("R", jets, "simulation") == "R/jets/dataset"
    assert sources.dataset_dir("R", jets, "paper") == "R/jets/cross/paper/dataset"
    paper = {**jets, "source": "paper", "models": ["hl_dnn", "hl135"]}
    assert sources.dataset_files("R", paper)["summary"] == "R/jets/dataset/summary.json"
    assert sources.model_file("R", paper, "simulation", "pfn", 1) == "R/jets/cross/simulation/models/pfn/seed1/model.pt"
    assert sources.metrics_file("R", paper, "paper", "paper", "pfn", 0) == "R/jets/eval/pfn/seed0/metrics.json"
    runs = sources.cross_runs("R", paper)
    assert len(runs) == 4 * 1 * 2 and {r["model"] for r in runs} == {"hl_dnn"}
    assert len({r["metrics"] for r in runs}) == len(runs)


@pytest.mark.parametrize(("changes", "key"), [
    ({"source": "paper"}, "jets.paper_file"),
    ({"models": ["hl_dnn", "hl135"]}, "jets.models"),
    ({"paper_split": [0.9, 0.1, 0.0]}, "jets.paper_split"),
    ({"source": "files"}, "jets.source"),
])
def test_bad_source_settings_name_their_key(changes, key):
    with pytest.raises(ValueError, match=f"config key {key}"):
        sources.check_sources(_jets_config(**changes))
    with pytest.raises(ValueError, match="config key jets.paper_file"):
        sources.cross_runs("R", _jets_config())


def test_report_names_the_source_of_its_numbers():
    from attnphys.jets.report import source_sentence

    assert source_sentence({"target_per_class": 250}).startswith("**Source: our simulation**")
    paper = {"source": {"name": "paper", "file": "/d/p.h5", "pt_scale": "normalised", "mass_scale": "normalised",
                        "nominal_pt": 1100.0}, "tau_check_agrees": False}
    text = source_sentence(paper)
    assert "**Source: the paper's published jets** (`/d/p.h5`" in text and "1100 GeV" in text
    assert "**differ** from the project's FastJet path" in text
