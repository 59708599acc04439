"""N-subjettiness: a hand-computed toy, FastJet-contrib agreement, and physics on Pythia jets."""

from __future__ import annotations

import math

import awkward as ak
import fastjet
import numpy as np
import pytest

from attnphys.detector.jets import four_momenta
from attnphys.jets.nsubjettiness import AXES, FEATURES, nsubjettiness


def test_feature_names_are_the_sixteen_of_the_contract():
    assert FEATURES == tuple(f"tau{n}_b{b}" for b in (1, 2) for n in range(1, 9))


def test_three_particle_toy_matches_hand_computation():
    # Three towers at eta = 0: (pT 10, phi -0.3), (pT 10, phi +0.3), (pT 1, phi 0).
    # tau_1: the axis is the summed momentum, at (y, phi) = (0, 0) by symmetry.
    # tau_2: exclusive kT merges the soft tower with one hard tower first
    #        (d = 1 * 0.3^2 against 100 * 0.6^2), so the axes are p1 + p3 and p2.
    # tau_3 and beyond: every tower is its own axis, tau = 0.
    pt = ak.Array([[10.0, 10.0, 1.0]])
    eta = ak.Array([[0.0, 0.0, 0.0]])
    phi = ak.Array([[-0.3, 0.3, 0.0]])
    taus = nsubjettiness(pt, eta, phi)
    axis_phi = math.atan2(-10 * math.sin(0.3), 10 * math.cos(0.3) + 1.0)
    for beta in (1, 2):
        norm = 21.0 * 1.2**beta
        assert taus[f"tau1_b{beta}"][0] == pytest.approx(2 * 10 * 0.3**beta / norm, rel=1e-12)
        expected2 = (10 * abs(axis_phi + 0.3) ** beta + 1 * abs(axis_phi) ** beta) / norm
        assert taus[f"tau2_b{beta}"][0] == pytest.approx(expected2, rel=1e-9)
        for n in range(3, 9):
            assert taus[f"tau{n}_b{beta}"][0] == pytest.approx(0.0, abs=1e-15)
    assert taus["tau1_b1"][0] == pytest.approx(6.0 / 25.2, rel=1e-12)


def test_phi_wraps_across_pi():
    # The same toy rotated so the jet straddles phi = +-pi gives the same values.
    shift = math.pi - 0.1
    wrap = lambda x: (x + math.pi) % (2 * math.pi) - math.pi  # noqa: E731
    base = nsubjettiness(ak.Array([[10.0, 10.0, 1.0]]), ak.Array([[0.0, 0.0, 0.0]]),
                         ak.Array([[-0.3, 0.3, 0.0]]))
    rotated = nsubjettiness(ak.Array([[10.0, 10.0, 1.0]]), ak.Array([[0.0, 0.0, 0.0]]),
                            ak.Array([[wrap(-0.3 + shift), wrap(0.3 + shift), wrap(shift)]]))
    for key in FEATURES:
        assert rotated[key][0] == pytest.approx(base[key][0], rel=1e-9, abs=1e-15)


def test_agrees_with_fastjet_contrib_nsubjettiness_kt_axes():
    rng = np.random.default_rng(7)
    counts = rng.integers(1, 50, 300)
    n = int(counts.sum())
    pt = ak.unflatten(rng.exponential(20.0, n) + 1.0, counts)
    eta = ak.unflatten(rng.normal(0.5, 0.4, n), counts)
    phi = ak.unflatten(rng.normal(1.0, 0.4, n), counts)
    taus = nsubjettiness(pt, eta, phi)
    definition = fastjet.JetDefinition(fastjet.kt_algorithm, fastjet.JetDefinition.max_allowable_R)
    sequence = fastjet.ClusterSequence(four_momenta(pt, eta, phi), definition)
    for beta in (1, 2):
        reference = sequence.njettiness(measure_definition="NormalizedMeasure",
                                        axes_definition="KT_Axes", njets=list(range(1, 9)),
                                        beta=float(beta), R0=1.2)
        reference = ak.to_numpy(reference)
        for n_axes in range(1, 9):
            np.testing.assert_allclose(taus[f"tau{n_axes}_b{beta}"], reference[:, n_axes - 1],
                                       rtol=1e-6, atol=1e-12)


def _random_jets(seed: int, n_jets: int = 300):
    rng = np.random.default_rng(seed)
    counts = rng.integers(2, 60, n_jets)
    n = int(counts.sum())
    return (ak.unflatten(rng.exponential(20.0, n) + 1.0, counts),
            ak.unflatten(rng.normal(0.5, 0.3, n), counts),
            ak.unflatten(rng.normal(1.0, 0.3, n), counts))


def test_minimised_axes_never_raise_tau_above_their_kt_seed():
    # One-pass minimisation starts at the exclusive-kT axes and only accepts improvements.
    pt, eta, phi = _random_jets(11)
    seed_axes = nsubjettiness(pt, eta, phi, axes="kt")
    minimised = nsubjettiness(pt, eta, phi, axes="onepass_kt")
    for key in FEATURES:
        assert np.all(minimised[key] <= seed_axes[key] * (1 + 1e-9) + 1e-15)
    # ... and strictly improve on a good share of multi-prong configurations
    assert np.mean(minimised["tau3_b1"] < seed_axes["tau3_b1"] * (1 - 1e-6)) > 0.3


def test_every_axis_choice_is_exact_on_separated_point_prongs():
    # Four point-like prongs: every axis choice gives tau_4 = 0 and tau_3 > 0. Winner-take-all
    # and minimised axes put tau_3's axes on the three hardest (the weighted median of the
    # merged pair is its harder member), so tau_3^(1) = 20 * 0.5 / (140 * R0) (the one-pass
    # minimisation stops within 1e-3 of it); the E-scheme kT axis sits between the pair.
    phis = [0.0, 0.5, 1.0, -0.5]
    pt = ak.Array([[50.0, 40.0, 30.0, 20.0]])
    eta = ak.Array([[0.0, 0.0, 0.0, 0.0]])
    phi = ak.Array([phis])
    for axes in AXES:
        taus = nsubjettiness(pt, eta, phi, axes=axes)
        assert taus["tau4_b1"][0] == pytest.approx(0.0, abs=1e-12)
        assert taus["tau3_b1"][0] > 0.01
        if axes != "kt":
            assert taus["tau3_b1"][0] == pytest.approx(20 * 0.5 / (140 * 1.2), rel=1e-3)


def test_unknown_axes_is_an_error_naming_the_choices():
    with pytest.raises(ValueError, match="onepass_kt"):
        nsubjettiness(ak.Array([[1.0]]), ak.Array([[0.0]]), ak.Array([[0.0]]), axes="cone")


def test_jet_without_towers_is_an_error():
    with pytest.raises(ValueError, match="no constituents"):
        nsubjettiness(ak.Array([[1.0], []]), ak.Array([[0.0], []]), ak.Array([[0.0], []]))


@pytest.fixture(scope="module")
def pythia_jets(tmp_path_factory):
    """tau_N of truth-matched leading jets of real Pythia chunks, class 1 (QCD) and 2 (X -> q q).

    The windows are widened to gain statistics from 150 events per class.
    """
    from attnphys.jets.generate import generate_chunk
    from attnphys.jets.ingest import ingest
    import pyarrow.parquet as pq

    folder = tmp_path_factory.mktemp("pythia")
    taus = {}
    for cls in ("1", "2"):
        generate_chunk(cls, 0, 150, 20220201, folder / f"{cls}.root")
        ingest(folder / f"{cls}.root", cls, folder / f"{cls}.parquet", pt_window=(800.0, 1500.0),
               mass_window=(100.0, 800.0))
        table = pq.read_table(folder / f"{cls}.parquet")
        assert table.num_rows >= 20
        taus[cls] = nsubjettiness(*(ak.from_arrow(table[f"tower_{v}"]) for v in ("pt", "eta", "phi")))
    return taus


def test_tau_falls_with_n_on_pythia_jets(pythia_jets):
    for taus in pythia_jets.values():
        for beta in (1, 2):
            values = np.stack([taus[f"tau{n}_b{beta}"] for n in range(1, 9)])  # [N, jet]
            assert np.all(values > 0)
            assert np.all(np.diff(values.mean(axis=1)) < 0)
            assert np.mean(np.all(np.diff(values, axis=0) <= 0, axis=0)) > 0.8


def test_tau21_separates_one_from_two_prong_pythia_jets(pythia_jets):
    from scipy import stats

    ratio = {cls: t["tau2_b1"] / t["tau1_b1"] for cls, t in pythia_jets.items()}
    assert np.median(ratio["2"]) < np.median(ratio["1"]) - 0.1
    test = stats.mannwhitneyu(ratio["2"], ratio["1"], alternative="less")
    assert test.pvalue < 1e-4
