"""The neutrino area end to end through Snakemake on a tiny configuration; bad input."""

import re
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd

from attnphys.neutrino.pixelmap import DATASETS


def test_neutrino_report_target(tmp_path, run_snakemake):
    out = tmp_path / "out"
    overlay = {
        "outdir": str(out),
        "jets": {"enabled": False}, "spanet": {"enabled": False}, "gating": {"enabled": False},
        "neutron_stars": {"enabled": False},
        "neutrino": {"events_per_class": 24, "events_per_chunk": 12, "seeds": [0], "max_prongs": 3,
                     "train": {"epochs": 1, "batch_size": 16},
                     "model_params": {"cvn": {"channels": 2, "dim": 8},
                                      "transformer": {"channels": 2, "dim": 8, "heads": 2, "layers": 1},
                                      "ablation": {"channels": 2, "dim": 8, "heads": 2, "layers": 1}}},
    }
    run = run_snakemake(tmp_path, overlay, "neutrino_report")
    assert run.returncode == 0, run.stderr[-3000:]
    nu = out / "neutrino"
    summary = pd.read_csv(nu / "report/summary.csv")
    assert sorted(summary["model"]) == ["ablation", "cvn", "transformer"]
    n_test = 24  # 96 events split (0.6, 0.15, 0.25) in exact counts: 58, 14, 24
    assert np.allclose(summary["accuracy"] * n_test, np.round(summary["accuracy"] * n_test))
    assert summary.loc[summary["model"] == "cvn", "prong_accuracy_reco"].isna().all()
    params = summary.set_index("model")["parameters"]
    assert params["transformer"] == params["ablation"]
    with h5py.File(nu / "dataset.h5") as f:
        assert set(DATASETS) <= set(f)
        assert f["pixel_maps"].shape == (96, 2, 100, 80)
        assert f["truth_prong_label"].shape == (96, 3)
        assert np.array_equal(np.bincount(f["event_label"][...]), [24, 24, 24, 24])
        assert np.array_equal(np.bincount(f["split"][...]), [58, 14, n_test])
        index, maps = f["reco_prong_index"][...], f["pixel_maps"][...]
        assert (maps[index >= 0] > 0).all()  # prong pixels are hit pixels
    hits = pd.read_parquet(nu / "chunks/hits_0.parquet")
    assert list(hits.columns) == ["event", "plane", "cell", "view", "pe", "edep", "particle", "pid"]
    assert (hits["view"] == hits["plane"] % 2).all()
    assert {"report.md", "confusion.png", "event_displays.png", "attention.png"} <= {p.name for p in (nu / "report").iterdir()}
    assert "](attention.png)" in (nu / "report/report.md").read_text()
    assert (out / "logs/neutrino/dataset.log").exists()
    assert (out / "benchmarks/neutrino/simulate/0.tsv").exists()
    assert (out / "benchmarks/neutrino/train/transformer/seed0.tsv").exists()

    # Real-data path: an existing dataset.h5 replaces the simulation in the same rules.
    overlay["outdir"] = str(tmp_path / "own")
    overlay["neutrino"]["dataset"] = str(nu / "dataset.h5")
    dry = run_snakemake(tmp_path, overlay, "-n", "neutrino_report")
    assert dry.returncode == 0, dry.stderr[-3000:]
    jobs = dict(re.findall(r"^(neutrino_\w+)\s+(\d+)$", dry.stdout, re.MULTILINE))
    runs = 3 * len(overlay["neutrino"]["seeds"])  # every model, every replica; no simulate, no dataset
    assert jobs == {"neutrino_train": str(runs), "neutrino_evaluate": str(runs), "neutrino_report": "1"}


def test_missing_dataset_is_a_one_line_error(tmp_path):
    run = subprocess.run([sys.executable, "-m", "attnphys.cli", "neutrino", "train", "--dataset",
                          str(tmp_path / "absent.h5"), "--model", "cvn", "--out-model", str(tmp_path / "m.pt"),
                          "--out-history", str(tmp_path / "h.csv")],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "absent.h5" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_dataset_lacking_a_field_is_named(tmp_path):
    path = tmp_path / "partial.h5"
    with h5py.File(path, "w") as f:
        f["pixel_maps"] = np.zeros((1, 2, 100, 80), dtype=np.float16)
    run = subprocess.run([sys.executable, "-m", "attnphys.cli", "neutrino", "evaluate", "--dataset", str(path),
                          "--checkpoint", str(path), "--out-predictions", str(tmp_path / "p.parquet"),
                          "--out-meta", str(tmp_path / "p.json")],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "partial.h5" in run.stderr
    assert not (tmp_path / "p.parquet").exists()
