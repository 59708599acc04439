"""Jets 1/4: Pythia 8 generation of the seven prong classes, the ROOT layout,
the truth record and the generation rules of the workflow (real Pythia, uproot, Snakemake)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot
import yaml

from attnphys.detector.delphes_tree import PARTICLE_FIELDS, read_collection
from attnphys.event_record import generate_events, hard_process, start_pythia
from attnphys.jets.generate import generate_chunk
from attnphys.jets.prong_classes import CLASS_NAMES, PRONG_CLASSES
from attnphys.jets.truth import hard_partons

REPO = Path(__file__).resolve().parents[2]
EXPECTED_KEYS = [
    "Tower_size", "Tower.ET", "Tower.Eta", "Tower.Phi", "Tower.E", "Tower.Eem", "Tower.Ehad",
    "Particle_size", *(f"Particle.{f}" for f in PARTICLE_FIELDS),
]  # fmt: skip
SIGNAL = [c for c in CLASS_NAMES if PRONG_CLASSES[c].resonance is not None]


def candidates(path: Path, cls: str) -> ak.Array:
    return hard_partons(read_collection(path, "Particle", PARTICLE_FIELDS), PRONG_CLASSES[cls].resonance)


def invariant_mass(pt, eta, phi, mass):
    """Invariant mass of the sum over the innermost axis of (pt, eta, phi, mass) vectors."""
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    e = np.sqrt(px**2 + py**2 + pz**2 + mass**2)
    total = [ak.sum(ak.values_astype(x, np.float64), axis=-1) for x in (e, px, py, pz)]
    return np.sqrt(np.maximum(total[0] ** 2 - total[1] ** 2 - total[2] ** 2 - total[3] ** 2, 0))


@pytest.mark.parametrize("cls", CLASS_NAMES)
def test_every_class_initialises_and_generates(generated_chunks, cls):
    towers = read_collection(generated_chunks.paths[cls], "Tower", ("ET", "E", "Eem", "Ehad"))
    assert len(towers) == generated_chunks.events
    # A 1 TeV dijet-like event fills the calorimeter: well over 50 towers in every event.
    assert ak.min(ak.num(towers)) > 50
    assert ak.all(towers.ET > 0)
    assert ak.all(np.isclose(towers.Eem + towers.Ehad, towers.E, rtol=1e-6))
    assert ak.all((towers.Eem == 0) | (towers.Ehad == 0))  # ECAL and HCAL towers, each pure


def test_read_back_gives_delphes_leaf_names_and_counts(generated_chunks):
    with uproot.open(generated_chunks.paths["4q"]) as handle:
        tree = handle["Delphes"]
        assert tree.keys() == EXPECTED_KEYS
        assert tree.num_entries == generated_chunks.events
        for name in ("Tower", "Particle"):
            size = tree[f"{name}_size"].array()
            assert ak.all(size == ak.num(tree[f"{name}.PID" if name == "Particle" else "Tower.ET"].array()))
        assert tree["Particle.PID"].typename == "int32_t[]"
        assert tree["Tower.ET"].typename == "float[]"


@pytest.mark.parametrize("cls", CLASS_NAMES)
def test_number_of_hard_partons_per_class(generated_chunks, cls):
    found = candidates(generated_chunks.paths[cls], cls)
    per_event = {"1": 2, "3": 2}.get(cls, 1)  # QCD: two outgoing partons; class 3: t and tbar
    assert ak.all(ak.num(found) == per_event)
    assert ak.all(ak.num(found.partons, axis=2) == PRONG_CLASSES[cls].n_partons)
    quarks = np.abs(ak.flatten(found.partons.pid, axis=None))
    if cls != "1":
        assert np.all((quarks >= 1) & (quarks <= 5))
    if cls == "4b":
        assert np.all(quarks == 5)
    if cls in ("4q", "8"):
        assert np.all(quarks <= 4)


def parton_mass_ratio(found: ak.Array) -> np.ndarray:
    """Invariant mass of each candidate's partons over the candidate's own mass."""
    p = found.partons
    return ak.to_numpy(ak.flatten(invariant_mass(p.pt, p.eta, p.phi, p.mass) / found.mass))


@pytest.mark.parametrize(
    ("cls", "resonance", "median", "lowest", "highest"),
    [
        ("2", 35, 1.0, 1.0, 1.0),  # X -> q q: exact
        ("4b", 35, 1.0, 1.0, 1.0),  # X -> h h -> 4 b: exact
        ("4q", 35, 1.0, 0.8, 1.0),  # exact unless a W radiates a photon before decaying
        ("8", 35, 1.0, 0.8, 1.0),
        ("3", 6, 0.98, 0.75, 1.02),  # gluons from the b recoil against the W
        ("6", 6, 0.98, 0.75, 1.02),
        ("6", 35, 0.95, 0.5, 1.02),  # ... and the tops radiate before decaying
    ],
)
def test_decay_partons_of_x_have_invariant_mass_of_x(generated_chunks, cls, resonance, median, lowest, highest):
    """The decay partons of X sum to m_X: exactly for colourless, neutral chains; up to the
    radiation of charged or coloured intermediates (W, t) before they decay otherwise."""
    particles = read_collection(generated_chunks.paths[cls], "Particle", PARTICLE_FIELDS)
    found = hard_partons(particles, resonance)
    p = found.partons
    ratio = ak.to_numpy(ak.flatten(invariant_mass(p.pt, p.eta, p.phi, p.mass) / found.mass))
    tol = 2e-4
    assert np.median(ratio) > median - tol, ratio
    assert ratio.min() > lowest - tol and ratio.max() < highest + tol, ratio
    if resonance == 6 and cls == "6":  # SM top mass (off shell below the t tbar threshold)
        assert abs(np.median(ak.to_numpy(ak.flatten(found.mass))) - 172.5) < 3.0


def test_mass_of_x_covers_300_to_700(generated_chunks):
    masses = np.concatenate([ak.to_numpy(ak.flatten(candidates(generated_chunks.paths[c], c).mass)) for c in SIGNAL])
    assert len(masses) == generated_chunks.events * (len(SIGNAL) + 1)  # class 3 has two tops per event
    assert masses.min() >= 300 - 1e-3 and masses.max() <= 700 + 1e-3
    quarters = np.histogram(masses, bins=4, range=(300, 700))[0]
    # Roughly flat: each 100 GeV quarter holds at least 12 % of the candidates (flat: 25 %).
    assert np.all(quarters >= 0.12 * len(masses)), quarters


def test_hard_record_links_are_consistent(generated_chunks):
    p = read_collection(generated_chunks.paths["8"], "Particle", PARTICLE_FIELDS)
    n = ak.num(p)
    for field in ("M1", "M2", "D1", "D2"):
        assert ak.all((p[field] >= -1) & (p[field] < n))
    # Every particle with a mother M1 lies in that mother's daughter range.
    first = ak.flatten(p)
    start = np.repeat(np.concatenate([[0], np.cumsum(n)[:-1]]), n)
    child = np.flatnonzero(ak.to_numpy(first.M1) >= 0)
    mother = ak.to_numpy(first.M1)[child] + start[child]
    local = child - start[child]
    assert np.all((ak.to_numpy(first.D1)[mother] <= local) & (local <= ak.to_numpy(first.D2)[mother]))
    # X -> h h -> (W W)(W W) -> 8 q: PIDs along the chain.
    x = ak.to_numpy(first.PID) == 35
    assert x.sum() == generated_chunks.events
    # SM masses: h at 125 GeV decays to one W near its mass shell and one off shell (W*).
    w_mass = ak.to_numpy(first.Mass)[np.abs(ak.to_numpy(first.PID)) == 24]
    h_mass = ak.to_numpy(first.Mass)[ak.to_numpy(first.PID) == 25]
    assert len(w_mass) == 4 * generated_chunks.events and abs(np.median(h_mass) - 125.0) < 1.0
    assert w_mass.max() < 125.0 and np.mean(np.abs(w_mass - 80.4) < 5.0) > 0.35


def _full_record(events: ak.Array) -> ak.Array:
    """A Pythia event record laid out as real Delphes stores it (full record, 0-based links)."""
    prt = events.prt
    link = {name: ak.where(prt[src] > 0, prt[src], -1) for name, src in
            (("M1", "mother1"), ("M2", "mother2"), ("D1", "daughter1"), ("D2", "daughter2"))}  # fmt: skip
    pt = np.hypot(prt.p.px, prt.p.py)
    return ak.zip(
        {
            "PID": prt.id,
            "Status": ak.where(prt.status > 0, 1, -prt.status),
            **link,
            "PT": pt,
            "Eta": np.arcsinh(prt.p.pz / ak.where(pt > 0, pt, 1e-9)),
            "Phi": np.arctan2(prt.p.py, prt.p.px),
            "Mass": prt.m,
        }
    )


@pytest.mark.parametrize("cls", ["1", "6"])
def test_truth_agrees_on_full_delphes_style_record(cls):
    """Real Delphes files hold the full record (shower copies, radiation): same partons."""
    pythia = start_pythia(PRONG_CLASSES[cls].settings, 5)
    events = generate_events(pythia, 8)
    resonance = PRONG_CLASSES[cls].resonance
    from_full = hard_partons(_full_record(events), resonance)
    from_hard = hard_partons(hard_process(events), resonance)
    assert ak.all(ak.num(from_full) == ak.num(from_hard))
    assert ak.all(ak.num(from_full.partons, axis=2) == PRONG_CLASSES[cls].n_partons)
    assert ak.all(from_full.partons.pid == from_hard.partons.pid)
    np.testing.assert_allclose(
        ak.flatten(from_full.partons.mass, axis=None), ak.flatten(from_hard.partons.mass, axis=None), rtol=1e-5
    )


def test_same_seed_gives_identical_content_and_chunks_differ(generated_chunks, tmp_path):
    """ROOT files embed their creation time, so equality is checked on every leaf."""
    again = generate_chunk("2", 0, generated_chunks.events, generated_chunks.seed, tmp_path / "again.root").out
    other = generate_chunk("2", 1, generated_chunks.events, generated_chunks.seed, tmp_path / "other.root").out
    with uproot.open(generated_chunks.paths["2"]) as a, uproot.open(again) as b, uproot.open(other) as c:
        assert a["Delphes"].keys() == b["Delphes"].keys()
        for key in a["Delphes"].keys():
            assert ak.array_equal(a["Delphes"][key].array(), b["Delphes"][key].array()), key
        assert not ak.array_equal(a["Delphes"]["Tower.ET"].array(), c["Delphes"]["Tower.ET"].array())


def test_bad_class_and_bad_event_count_fail_clearly(tmp_path):
    with pytest.raises(ValueError, match="unknown prong class '5'"):
        generate_chunk("5", 0, 10, 1, tmp_path / "x.root")
    with pytest.raises(ValueError, match="--events"):
        generate_chunk("2", 0, 0, 1, tmp_path / "x.root")
    with pytest.raises(ValueError, match="Random:seed|seed"):
        start_pythia(PRONG_CLASSES["2"].settings, 0)
    with pytest.raises(ValueError, match="NoSuchSetting"):
        start_pythia(["NoSuchSetting:foo = on"], 1)
    assert not (tmp_path / "x.root").exists()


def test_unreadable_file_names_file(tmp_path):
    bad = tmp_path / "bad.root"
    bad.write_bytes(b"not a root file at all" * 10)
    with pytest.raises(ValueError, match="bad.root"):
        read_collection(bad, "Tower", ("ET",))
    with pytest.raises(FileNotFoundError, match="missing.root"):
        read_collection(tmp_path / "missing.root", "Tower", ("ET",))


def test_missing_leaf_names_leaf(generated_chunks):
    with pytest.raises(ValueError, match="Tower.Foo"):
        read_collection(generated_chunks.paths["1"], "Tower", ("ET", "Foo"))


# ---- workflow -------------------------------------------------------------------------


def snakemake_dry_run(tmp_path: Path, overlay: dict, target: str = "jets_events"):
    overlay = {"outdir": str(tmp_path / "results"), **overlay}
    path = tmp_path / "overlay.yaml"
    path.write_text(yaml.safe_dump(overlay))
    return subprocess.run(
        [sys.executable, "-m", "snakemake", target, "-s", str(REPO / "Snakefile"), "--directory", str(tmp_path),
         "--cores", "1", "-n", "--configfile", str(path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_dry_run_on_default_config_lists_generation_jobs(tmp_path):
    """The generation jobs are the plan's chunks (tests/jets/test_plan.py: enough events, no chunk more)."""
    from attnphys.jets.plan import Plan
    from attnphys.validate.config import load_config

    result = snakemake_dry_run(tmp_path, {})
    assert result.returncode == 0, result.stderr + result.stdout
    cfg = load_config([REPO / "config.yaml"], REPO / "workflow/schemas/config.schema.yaml",
                      {"outdir": str(tmp_path / "results")})
    planned = re.findall(r"^    output: (\S+)$", result.stdout, flags=re.M)
    assert sorted(planned) == sorted(Plan(cfg).generated_events())
    for cls in CLASS_NAMES:
        assert f"{tmp_path}/results/jets/events/{cls}/0.root" in planned
        assert f"wildcards: cls={cls}, chunk=0" in result.stdout


@pytest.mark.parametrize(
    ("overlay", "key"),
    [
        ({"jets": {"classes": ["1", "5"]}}, "classes"),
        ({"jets": {"jets_per_class": -5}}, "jets_per_class"),
        ({"jets": {"pt_window": [1200.0, 1000.0]}}, "jets.pt_window"),
    ],
)
def test_bad_config_fails_naming_the_key(tmp_path, overlay, key):
    result = snakemake_dry_run(tmp_path, overlay)
    assert result.returncode != 0
    assert key in result.stdout + result.stderr


def test_towers_sit_at_cell_centres_unless_smeared(generated_chunks, tmp_path):
    """Default (SmearTowerCenter false): every central HCAL tower (Ehad > 0) at the centre
    of its 0.1 x 10 degree cell; ``smeared`` (the stock card) spreads them inside the cells."""
    def hcal_offsets(path):
        towers = read_collection(path, "Tower", ("Eta", "Phi", "Ehad"))
        central = (towers.Ehad > 0) & (abs(towers.Eta) < 2.4)
        eta = ak.to_numpy(ak.flatten(towers.Eta[central])).astype(np.float64)
        phi = ak.to_numpy(ak.flatten(towers.Phi[central])).astype(np.float64)
        width = 2 * np.pi / 36
        return np.abs(eta / 0.1 - np.floor(eta / 0.1) - 0.5), np.abs((phi + np.pi) / width - np.floor((phi + np.pi) / width) - 0.5)

    eta_off, phi_off = hcal_offsets(generated_chunks.paths["2"])
    assert len(eta_off) > 100
    np.testing.assert_allclose(eta_off, 0.0, atol=1e-4)
    np.testing.assert_allclose(phi_off, 0.0, atol=1e-4)
    smeared = generate_chunk("2", 0, 20, generated_chunks.seed, tmp_path / "smeared.root", tower_centres="smeared").out
    eta_off, phi_off = hcal_offsets(smeared)
    assert np.mean(eta_off) > 0.15 and np.mean(phi_off) > 0.15  # uniform in the cell: mean 0.25
    with pytest.raises(ValueError, match="--tower-centres"):
        generate_chunk("2", 0, 10, 1, tmp_path / "x.root", tower_centres="centre")
