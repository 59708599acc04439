"""Simulated dataset: reproducibility, physics of the stars, Parquet round trip, bad input."""

import numpy as np
import pytest

from attnphys.neutron_stars.dataset import (
    Prior,
    build_dataset,
    read_dataset,
    simulate_sample,
    stars,
    write_dataset,
)
from attnphys.neutron_stars.eos import spectral_table
from attnphys.neutron_stars.tov import mass_radius_curve

PRIOR = Prior(((0.75, 1.55), (-0.2, 0.05)), min_max_mass=1.4)


def test_samples_are_reproducible_and_stars_lie_on_their_curve():
    a = simulate_sample(7, seed=11, prior=PRIOR, n_stars=4, noise=0.0)
    b = simulate_sample(7, seed=11, prior=PRIOR, n_stars=4, noise=0.0)
    np.testing.assert_array_equal(a["mass"], b["mass"])
    assert simulate_sample(8, seed=11, prior=PRIOR, n_stars=4, noise=0.0)["gamma0"] != a["gamma0"]
    assert np.all((a["mass"] >= 1.0) & (a["mass"] <= a["m_max"])) and a["m_max"] >= 1.4
    np.testing.assert_array_equal(a["mass_obs"], a["mass"])  # zero noise
    curve = mass_radius_curve(spectral_table([a["gamma0"], a["gamma1"]]), n=80, rtol=1e-8)
    np.testing.assert_allclose(a["radius"], curve.radius_at(a["mass"]), atol=0.01)
    assert a["m_max"] == pytest.approx(curve.m_max, abs=2e-3)


def test_parquet_round_trip_and_noise(tmp_path):
    frame = build_dataset(5, PRIOR, n_stars=3, noise=0.05, seed=3, split=(0.6, 0.2, 0.2))
    assert list(frame["split"]) == ["train", "train", "train", "val", "test"]
    path = tmp_path / "ns.parquet"
    write_dataset(frame, path)
    back = read_dataset(path)
    np.testing.assert_array_equal(stars(back, 3), stars(frame, 3))
    ratio = stars(back, 3) / stars(back, 3, observed=False)
    assert 0 < np.abs(ratio - 1).max() < 0.3
    assert stars(back, 1).shape == (5, 1, 2)
    with pytest.raises(ValueError, match="4 requested"):
        stars(back, 4)


def test_bad_dataset_files_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.parquet"):
        read_dataset(tmp_path / "missing.parquet")
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(b"PAR1 not really")
    with pytest.raises(ValueError, match="truncated.parquet"):
        read_dataset(truncated)
    frame = build_dataset(3, PRIOR, n_stars=1, noise=0.05, seed=3, split=(0.4, 0.3, 0.3))
    write_dataset(frame.drop(columns=["radius_obs"]), tmp_path / "cut.parquet")
    with pytest.raises(ValueError, match="radius_obs"):
        read_dataset(tmp_path / "cut.parquet")
    frame.loc[0, "mass_obs"][0] = np.nan
    write_dataset(frame, tmp_path / "nan.parquet")
    with pytest.raises(ValueError, match="non-finite"):
        read_dataset(tmp_path / "nan.parquet")


def test_split_fractions_are_checked_before_any_sample_is_simulated():
    with pytest.raises(ValueError, match="neutron_stars.split"):
        build_dataset(10, PRIOR, n_stars=1, noise=0.05, seed=3, split=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="neutron_stars.split: the test split is empty"):
        build_dataset(4, PRIOR, n_stars=1, noise=0.05, seed=3, split=(0.8, 0.1, 0.1))


def test_cli_names_bad_input(tmp_path, caplog):
    from attnphys.cli import main

    missing = tmp_path / "none.parquet"
    args = ["neutron-stars", "fit", "--dataset", str(missing), "--n-stars", "3", "--n-fit", "2", "--noise", "0.05",
            "--seed", "1", "--prior", "gamma0=0.75,1.55", "--out", str(tmp_path / "fit.parquet")]
    assert main(args + ["--prior", "gamma1=-0.2,0.05"]) == 2
    assert "none.parquet" in caplog.text
    assert main(args + ["--prior", "gamma1=-0.2"]) == 2
    assert "NAME=LOW,HIGH" in caplog.text
    assert main(args) == 2
    assert "gamma1" in caplog.text
