"""Every writer on a full disk: a small tmpfs is mounted and filled, then each kind of output
(Parquet, HDF5, ROOT, torch, ONNX, CSV, PNG, JSON) is written onto it. Each ends with one
line (exit status 2 through the command line) naming the file and saying the disk is full;
no temporary file and no folder created for the output is left, and nothing crashes (h5py's
own failure path on a full disk ended in a segmentation fault).

Mounting needs root (CAP_SYS_ADMIN); elsewhere the suite is skipped with the reason."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from attnphys.detector.calorimeter import TOWER_FIELDS
from attnphys.detector.delphes_tree import PARTICLE_FIELDS, read_collection, write_chunk
from attnphys.files import DiskFull, atomic_path
from attnphys.jets.dataset import preprocessing
from attnphys.neutrino.pixelmap import write_dataset
from attnphys.spanet.h5layout import write_h5
from attnphys.train import checkpoint
from attnphys.train.record import model_record

SIZE = "2m"


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory):
    """A 2 MiB tmpfs, unmounted afterwards; skipped where mounting is not permitted."""
    where = tmp_path_factory.mktemp("small_disk")
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {proc.stderr.strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def full_disk(small_disk):
    """The small disk, filled to the last byte; emptied again after the test."""
    filler = small_disk / f"filler-{uuid.uuid4().hex}"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    block = b"\0" * 65536
    with contextlib.suppress(OSError):
        while True:
            os.write(fd, block)
    with contextlib.suppress(OSError):
        while True:
            os.write(fd, b"\0")
    os.close(fd)
    assert os.statvfs(small_disk).f_bavail == 0
    before = sorted(p.name for p in small_disk.iterdir())
    yield small_disk
    after = sorted(p.name for p in small_disk.iterdir())
    filler.unlink()
    assert after == before, f"left on the full disk: {sorted(set(after) - set(before))}"


def refused_as_full(error: BaseException, target: Path) -> None:
    text = str(error)
    assert isinstance(error, DiskFull) and "\n" not in text, text
    assert str(target) in text and "the disk is full" in text, text


def write_and_expect_full(target: Path, write) -> None:
    with pytest.raises(DiskFull) as caught:
        write(target)
    refused_as_full(caught.value, target)
    assert not target.exists() and not target.parent.exists()  # its new folder removed too


def test_parquet_stage(full_disk, delphes_file, run_stage):
    out = full_disk / "towers" / "2.parquet"
    outcome = run_stage("jets", "ingest", "--input", delphes_file, "--class", "2", "--out", out)
    assert outcome.status == 2 and len(outcome.errors) == 1
    assert str(out) in outcome.message and "the disk is full" in outcome.message
    assert not out.parent.exists()


def test_csv_stage(full_disk, run_stage):
    out = full_disk / "gating" / "capacity.csv"
    outcome = run_stage("gating", "capacity", "--max-n", 2, "--out", out)
    assert outcome.status == 2 and str(out) in outcome.message and "the disk is full" in outcome.message
    assert not out.parent.exists()


def test_png_stage(full_disk, tmp_path, run_stage):
    figure = full_disk / "gating" / "xor.png"
    outcome = run_stage("gating", "xor", "--seed", 1, "--seeds", 2, "--epochs", 20, "--lr", 0.05,
                        "--out-json", tmp_path / "xor.json", "--out-figure", figure)
    assert outcome.status == 2 and str(figure) in outcome.message and "the disk is full" in outcome.message
    assert not figure.parent.exists()


def test_hdf5_spanet_and_neutrino(full_disk, spanet_events):
    write_and_expect_full(full_disk / "spanet" / "events.h5", lambda p: write_h5(p, spanet_events()))
    maps = {"pixel_maps": np.random.default_rng(1).random((40, 2, 100, 80)).astype(np.float16),
            "split": np.zeros(40, np.int8)}
    write_and_expect_full(full_disk / "neutrino" / "dataset.h5", lambda p: write_dataset(p, maps, {"max_prongs": 3}))


def test_root(full_disk, delphes_file):
    towers = read_collection(delphes_file, "Tower", TOWER_FIELDS)
    particles = read_collection(delphes_file, "Particle", PARTICLE_FIELDS)
    write_and_expect_full(full_disk / "events" / "chunk.root", lambda p: write_chunk(p, towers, particles))


def tiny_tagger(path: Path) -> None:
    """A model.pt of an hl_dnn as `jets train` records it (untrained weights)."""
    import torch

    from attnphys.jets.models import MODELS

    params, sizes = {"width": 8, "depth": 1, "bottleneck": 4}, {"n_features": 17, "n_classes": 3}
    torch.manual_seed(0)
    model = MODELS["hl_dnn"](**sizes, **params)
    extra = model_record("hl_dnn", params, sizes, classes=["1", "2", "3"], inputs=["hl"], preprocess="none",
                         preprocessing=preprocessing((1000.0, 1200.0), (300.0, 700.0), 20))
    checkpoint.save({"state_dict": model.state_dict(), "extra": extra}, path)


def test_torch_and_onnx(full_disk, tmp_path):
    from attnphys.jets.export import export_model

    model = tmp_path / "model.pt"
    tiny_tagger(model)
    state = checkpoint.load(model)
    write_and_expect_full(full_disk / "models" / "model.pt", lambda p: checkpoint.save(state, p))
    write_and_expect_full(full_disk / "onnx" / "model.onnx", lambda p: export_model(model, p))


def test_text_and_existing_folder_kept(full_disk):
    folder = full_disk / "kept"
    folder.mkdir()
    target = folder / "summary.json"
    with pytest.raises(DiskFull) as caught, atomic_path(target) as tmp:
        tmp.write_text("x" * 100000)
    refused_as_full(caught.value, target)
    assert folder.is_dir() and list(folder.iterdir()) == []
    folder.rmdir()


def test_awkward_records_unchanged(delphes_file):
    """The fixture file itself is intact (the suite wrote nothing beside it)."""
    towers = read_collection(delphes_file, "Tower", TOWER_FIELDS)
    assert len(towers) > 0 and ak.all(towers.ET >= 0)
