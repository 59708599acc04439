"""Small valid inputs of every kind, from which the fault suite builds the bad ones, and the
one way a fault test runs a stage: the real command line, in process."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from attnphys.cli import main
from attnphys.jets.generate import generate_chunk
from attnphys.jets.ingest import TOWER_SCHEMA
from attnphys.neutrino.beam import EVENT_CLASSES
from attnphys.neutrino.pixelmap import CELLS, PLANES
from attnphys.neutrino.prongs import PRONG_CLASSES
from attnphys.spanet.h5layout import MatchingData

PT_WINDOW = (1000.0, 1200.0)
MASS_WINDOW = (300.0, 700.0)


@dataclass
class Outcome:
    status: int
    errors: list[str]

    @property
    def message(self) -> str:
        return self.errors[-1] if self.errors else ""


@pytest.fixture
def run_stage(caplog):
    """``run_stage(*argv)``: exit status and the logged error lines of ``attnphys *argv``."""

    def run(*argv) -> Outcome:
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="attnphys"):
            status = main([str(a) for a in argv])
        return Outcome(status, [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR])

    return run


@pytest.fixture
def faults():
    """The suite's checks: ``faults.refused(outcome, *names)``, ``faults.leftovers(folder)``."""
    return Faults()


class Faults:
    @staticmethod
    def refused(outcome: Outcome, *names) -> None:
        assert_refused(outcome, *names)

    @staticmethod
    def leftovers(folder: Path) -> list[str]:
        return leftovers(folder)

    towers_table = staticmethod(lambda *a, **k: towers_table(*a, **k))
    dataset_args = staticmethod(lambda *a, **k: dataset_args(*a, **k))


def leftovers(folder: Path) -> list[str]:
    """Files under ``folder`` (temporary ones included)."""
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())


def assert_refused(outcome: Outcome, *names: str) -> None:
    """Exit status 2 and one error line that names every one of ``names`` (file, field, entry)."""
    assert outcome.status == 2, outcome
    assert len(outcome.errors) == 1 and "\n" not in outcome.message, outcome.errors
    for name in names:
        assert str(name) in outcome.message, (name, outcome.message)


@pytest.fixture(scope="session")
def delphes_file(tmp_path_factory) -> Path:
    """A real chunk: 20 Pythia events of class 2 through the calorimeter, Delphes layout."""
    folder = tmp_path_factory.mktemp("delphes")
    return generate_chunk("2", 0, 20, 5, folder / "valid.root").out


def towers_table(cls: str, n: int, rng: np.random.Generator, mass_centre: float, source: str) -> pa.Table:
    """``n`` jets of class ``cls`` with the ingest contract; masses around ``mass_centre``."""
    counts = rng.integers(3, 12, n)
    lists = {name: [] for name in ("tower_pt", "tower_eta", "tower_phi", "tower_deta", "tower_dphi")}
    eta, phi = rng.uniform(-1.5, 1.5, n), rng.uniform(-3, 3, n)
    for i, k in enumerate(counts):
        deta, dphi = rng.normal(0, 0.3, k), rng.normal(0, 0.3, k)
        lists["tower_pt"].append(np.sort(rng.exponential(100.0, k) + 1)[::-1])
        lists["tower_deta"].append(deta)
        lists["tower_dphi"].append(dphi)
        lists["tower_eta"].append(eta[i] + deta)
        lists["tower_phi"].append((phi[i] + dphi + np.pi) % (2 * np.pi) - np.pi)  # wrapped, as towers are
    return pa.table({
        "label": np.zeros(n, np.int32), "class": [cls] * n,
        "jet_pt": rng.uniform(*PT_WINDOW, n).astype(np.float32),
        "jet_eta": eta.astype(np.float32), "jet_phi": phi.astype(np.float32),
        "jet_mass": np.clip(rng.normal(mass_centre, 40, n), 301, 699).astype(np.float32),
        "n_towers": counts.astype(np.int32),
        **{k: [np.asarray(v, np.float32) for v in vals] for k, vals in lists.items()},
        "source_file": [source] * n, "source_entry": np.arange(n, dtype=np.int64),
        "source_jet": np.zeros(n, np.int32),
    }, schema=TOWER_SCHEMA)


def write_towers_files(folder: Path) -> dict[str, Path]:
    """One valid towers file per class "1" (light jets) and "2" (heavy jets), 60 jets each."""
    rng = np.random.default_rng(3)
    folder.mkdir()
    out = {}
    for cls, centre in (("1", 350.0), ("2", 600.0)):
        out[cls] = folder / f"{cls}.parquet"
        pq.write_table(towers_table(cls, 60, rng, centre, f"events/{cls}.root"), out[cls])
    return out


@pytest.fixture
def towers_files(tmp_path) -> dict[str, Path]:
    return write_towers_files(tmp_path / "towers")


@pytest.fixture(scope="module")
def towers_files_module(tmp_path_factory) -> dict[str, Path]:
    """``towers_files``, shared by the tests of a module."""
    return write_towers_files(tmp_path_factory.mktemp("towers_module") / "towers")


def dataset_args(towers: list[Path], out: Path, classes=("1", "2"), *extra) -> list[str]:
    """``attnphys jets dataset`` on ``towers`` writing into folder ``out``."""
    outs = [f for s in ("train", "val", "test") for f in (f"--out-{s}", out / f"{s}.parquet")]
    return ["jets", "dataset", *towers, *outs, "--out-summary", out / "summary.json", "--classes", *classes,
            "--jets-per-class", 60, "--flatten-bins", 1, 1, "--seed", 1, *extra]


def valid_events(n: int = 40, j: int = 8, seed: int = 2) -> MatchingData:
    """``n`` all-hadronic ttbar events in SPANet's layout, 6 to ``j`` jets, every parton matched."""
    rng = np.random.default_rng(seed)
    njets = rng.integers(6, j + 1, size=n)
    mask = np.arange(j)[None] < njets[:, None]
    fields = {name: np.where(mask, rng.uniform(lo, hi, (n, j)), 0).astype(np.float32)
              for name, lo, hi in (("pt", 25, 200), ("eta", -2.5, 2.5), ("phi", -3, 3), ("mass", 2, 20),
                                   ("btag", 0, 1))}
    fields["btag"] = np.round(fields["btag"])  # b-tags are 0 or 1
    targets = np.stack([rng.permutation(k)[:6] for k in njets]).reshape(n, 2, 3).astype(np.int64)
    return MatchingData(mask, **fields, targets=targets)


@pytest.fixture
def spanet_events():
    return valid_events


N, PRONGS = 12, 3


def valid_maps(rng=None) -> tuple[dict[str, np.ndarray], dict]:
    """A valid neutrino pixel-map dataset of N events (arrays, attributes)."""
    rng = rng or np.random.default_rng(5)
    maps = np.where(rng.random((N, 2, PLANES, CELLS)) < 0.02, rng.uniform(1, 50, (N, 2, PLANES, CELLS)), 0)
    index = np.where(maps > 0, rng.integers(0, PRONGS, maps.shape), -1).astype(np.int8)
    labels = rng.integers(-1, len(PRONG_CLASSES), (N, PRONGS)).astype(np.int8)
    arrays = {"pixel_maps": maps.astype(np.float16), "truth_prong_index": index, "reco_prong_index": index.copy(),
              "truth_prong_label": labels, "reco_prong_label": labels.copy(),
              "event_label": (np.arange(N) % len(EVENT_CLASSES)).astype(np.int8),
              "split": (np.arange(N) % 3).astype(np.int8), "event": np.arange(N, dtype=np.int64),
              "e_nu": rng.uniform(0.5, 5, N).astype(np.float32)}
    attrs = {"classes": list(EVENT_CLASSES), "prong_classes": list(PRONG_CLASSES), "max_prongs": PRONGS}
    return arrays, attrs


@pytest.fixture
def neutrino_maps():
    return valid_maps
