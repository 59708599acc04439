"""The neutron-star area end to end through Snakemake, on a tiny configuration."""

import pandas as pd


def test_neutron_stars_report_target(tmp_path, run_snakemake):
    out = tmp_path / "out"
    overlay = {
        "outdir": str(out),
        "jets": {"enabled": False},
        "spanet": {"enabled": False},
        "gating": {"enabled": False},
        "neutron_stars": {
            "n_samples": 12, "n_stars": 2, "star_counts": [1, 2], "n_fit": 2, "fit_starts": 2,
            "workers": 1, "train": {"epochs": 1}, "model": {"d_model": 8, "n_heads": 2, "n_layers": 1, "d_ff": 16},
        },
    }
    run = run_snakemake(tmp_path, overlay, "neutron_stars_report")
    assert run.returncode == 0, run.stderr[-3000:]
    summary = pd.read_csv(out / "neutron_stars/report/summary.csv")
    assert list(summary.columns) == ["method", "n_stars", "coefficient", "rel_error_mean", "rel_error_std",
                                     "ms_per_sample"]
    assert set(summary["method"]) == {"network", "classical", "prior_mean"}
    assert sorted(summary["n_stars"].unique()) == [1, 2]
    assert set(summary["coefficient"]) == {"gamma0", "gamma1", "m_max", "r_1p4"}
    assert len(summary) == 3 * 2 * 4
    coefficient_rows = summary[summary["coefficient"].str.startswith("gamma")]
    assert coefficient_rows["rel_error_mean"].between(0, 1).all()  # within the prior box
    assert (summary.loc[summary["method"] == "classical", "ms_per_sample"] > 0).all()
    assert (summary.loc[summary["method"] == "prior_mean", "ms_per_sample"] == 0).all()
    dataset = pd.read_parquet(out / "neutron_stars/dataset.parquet")
    assert list(dataset["split"]) == ["train"] * 10 + ["val", "test"]  # 12 samples, (0.8, 0.1, 0.1), in blocks
    network = pd.read_parquet(out / "neutron_stars/predictions/network_stars2.parquet")
    assert list(network["sample"]) == [11] and set(network["n_stars"]) == {2}
    report = (out / "neutron_stars/report/report.md").read_text()
    assert "scatter_stars2.png" in report and "mr_bands.png" in report
    assert (out / "neutron_stars/report/mr_bands.png").stat().st_size > 0
    assert (out / "logs/neutron_stars/dataset.log").exists()
