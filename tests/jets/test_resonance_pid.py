"""Truth for user files: the resonance's PDG id per class, and the error for a file where no
jet is truth-matched, naming the condition that failed most."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from attnphys.detector.delphes_tree import PARTICLE_FIELDS, read_collection, write_chunk
from attnphys.detector.calorimeter import TOWER_FIELDS
from attnphys.jets.ingest import ingest


def _relabel(source, out, old: int, new: int):
    """A copy of a chunk whose particles of |PID| ``old`` carry ``new`` (a W' instead of X)."""
    import awkward as ak

    towers = read_collection(source, "Tower", TOWER_FIELDS)
    particles = read_collection(source, "Particle", PARTICLE_FIELDS)
    pid = particles.PID
    particles = ak.with_field(particles, ak.where(abs(pid) == old, np.sign(pid) * new, pid), "PID")
    write_chunk(out, towers, particles)
    return out


def test_configured_pdg_id_finds_the_same_jets(generated_chunks, tmp_path):
    source = generated_chunks.paths["2"]
    ingest(source, "2", tmp_path / "x.parquet")
    wprime = _relabel(source, tmp_path / "wprime.root", 35, 34)
    ingest(wprime, "2", tmp_path / "w.parquet", resonance=34, require_match=True)
    x, w = (pq.read_table(tmp_path / f"{n}.parquet") for n in ("x", "w"))
    assert x.num_rows > 0
    for column in ("jet_pt", "jet_mass", "source_entry", "source_jet", "tower_pt"):
        assert x[column].equals(w[column])


def test_no_matched_jet_names_file_and_most_frequent_failure(generated_chunks, tmp_path):
    source = generated_chunks.paths["2"]
    n = generated_chunks.events
    with pytest.raises(ValueError, match=rf"2.root: no jet is truth-matched to class 2 \(resonance PDG id 34\); "
                                         rf"failed most often: no truth candidate with PDG id 34 .*\({n} of {n} events\)"):
        ingest(source, "2", tmp_path / "a.parquet", resonance=34, require_match=True)
    with pytest.raises(ValueError, match=r"failed most often: no leading jet in the windows \(pT \[5000.0, 6000.0\]"):
        ingest(source, "2", tmp_path / "b.parquet", pt_window=(5000.0, 6000.0), require_match=True)
    with pytest.raises(ValueError, match="class 1 \\(QCD\\) has no resonance"):
        ingest(generated_chunks.paths["1"], "1", tmp_path / "c.parquet", resonance=34)
    assert not any(tmp_path.glob("*.parquet"))
    # Without require_match (generated chunks): an empty file, as before.
    assert ingest(source, "2", tmp_path / "d.parquet", resonance=34) == 0
