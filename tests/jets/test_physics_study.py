"""The physics study: class-definition variants, study jets from real Pythia, the reference tree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attnphys.jets.nsubjettiness import AXES
from attnphys.jets.prong_classes import prong_class
from attnphys.jets.study.diagnosis import flat_weights, score, variant_rows
from attnphys.jets.study.physics_study import LEVELS, class_settings, study_chunk


def test_variant_replaces_only_the_named_settings():
    old = class_settings("6", "pipeline")
    assert "6:m0 = 140." in old and "6:m0 = 172.5" not in old
    assert len(old) == len(prong_class("6").settings)
    assert class_settings("2", "pipeline") == prong_class("2").settings
    assert class_settings("8", "sm") == prong_class("8").settings
    assert {"25:m0 = 145.", "24:m0 = 65."} <= set(class_settings("8", "pipeline"))
    with pytest.raises(ValueError, match="unknown study variant"):
        class_settings("2", "paper")


def test_study_jets_of_real_pythia_events_pass_the_selection():
    frame = study_chunk("2", "pipeline", 200, seed=3, chunk=0)
    assert set(frame["level"]) <= set(LEVELS) and {"calo", "calo_centres"} <= set(frame["level"])
    assert frame["pt"].between(1000, 1200).all() and frame["mass"].between(300, 700).all()
    assert set(frame["rank"]) <= {0, 1}
    assert not frame.duplicated(["level", "event", "rank"]).any()
    for axes in AXES:
        taus = frame[[f"{axes}:tau{n}_b1" for n in range(1, 9)]].to_numpy()
        assert np.all(np.isfinite(taus)) and np.all(taus >= 0)
        assert np.all(taus[:, 0] > 0)
    # two-prong jets: tau2/tau1 well below one on average at every level
    for level, group in frame.groupby("level"):
        assert (group["onepass_kt:tau2_b1"] / group["onepass_kt:tau1_b1"]).median() < 0.6, level


def _toy(rng, n_per_class, separation):
    rows = []
    for k, cls in enumerate(("1", "2", "3")):
        rows.append(pd.DataFrame({
            "cls": cls, "pt": rng.uniform(1000, 1200, n_per_class),
            "mass": rng.uniform(300, 700, n_per_class),
            **{f"kt:tau{n}_b{b}": np.exp(rng.normal(-n + separation * k * (n == 2), 0.5, n_per_class))
               for b in (1, 2) for n in range(1, 9)},
        }))
    return pd.concat(rows, ignore_index=True)


def test_reference_tree_finds_separable_classes_and_not_random_ones():
    rng = np.random.default_rng(0)
    columns = [f"kt:tau{n}_b{b}" for b in (1, 2) for n in range(1, 9)]
    separable = score(_toy(rng, 200, 4.0), columns, 200, seed=1)
    assert separable["accuracy"] > 0.95 and separable["jets_per_class"] == 200
    mixed = score(_toy(rng, 200, 0.0), columns, 200, seed=1)
    assert mixed["accuracy"] < 0.45  # chance is 1/3
    assert mixed["confusion"].shape == (3, 3)
    np.testing.assert_allclose(mixed["confusion"].sum(axis=1), 1.0)


def test_flat_weights_give_each_class_equal_flat_weight():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"cls": ["1"] * 300 + ["2"] * 100,
                          "mass": np.concatenate([rng.uniform(300, 400, 300), rng.uniform(300, 700, 100)]),
                          "pt": rng.uniform(1000, 1200, 400)})
    w = flat_weights(frame, bins=(4, 1))
    totals = pd.Series(w).groupby(frame["cls"]).sum()
    np.testing.assert_allclose(totals.to_numpy(), [200.0, 200.0])
    # class 2 spans all four mass bins: its weight per bin is equal
    two = frame["cls"] == "2"
    per_bin = pd.Series(w[two]).groupby(((frame["mass"][two] - 300) // 100).to_numpy()).sum()
    np.testing.assert_allclose(per_bin.to_numpy(), 50.0)


def test_variant_rows_take_classes_not_generated_from_the_variant_built_on():
    frame = pd.DataFrame({"cls": ["1", "6", "8", "6", "1"],
                          "variant": ["pipeline", "pipeline", "pipeline", "sm", "quark"]})
    rows = variant_rows(frame, "sm")
    assert sorted(zip(rows["cls"], rows["variant"])) == [("1", "pipeline"), ("6", "sm"), ("8", "pipeline")]
    rows = variant_rows(frame, "quark")
    assert sorted(zip(rows["cls"], rows["variant"])) == [("1", "quark"), ("6", "sm"), ("8", "pipeline")]


def test_quark_variant_makes_class_1_of_quark_scattering_only():
    settings = class_settings("1", "quark")
    assert "HardQCD:all = off" in settings and "HardQCD:all = on" not in settings
    assert {"HardQCD:qq2qq = on", "HardQCD:qqbar2qqbarNew = on"} <= set(settings)
    assert class_settings("6", "quark") == prong_class("6").settings


def test_study_target_plans_one_job_per_variant_class_and_the_table(tmp_path):
    import re
    import subprocess
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    run = subprocess.run(["snakemake", "-s", str(repo / "Snakefile"), "--directory", str(tmp_path), "-n",
                          "jets_study", "--config", f"outdir={tmp_path / 'results'}"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    counts = dict(re.findall(r"^(jets_\w+)\s+(\d+)$", run.stdout, flags=re.M))
    assert counts == {"jets_study_sample": "10", "jets_diagnosis": "1", "jets_study": "1"}
