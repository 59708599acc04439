"""No data loss: an output that is an input (the path itself, a symlink or a hard link) is
refused before the stage starts and the input is left byte for byte; an input given twice (a
symlink, a hard link, a copy), or one file as train and validation, is refused in every area,
with exit status 2 and one line naming the file and the option."""

from __future__ import annotations

import os
import shutil

import pytest

from attnphys.validate.paths import check_arguments


def ingest_args(path, out):
    return ["jets", "ingest", "--input", path, "--class", "2", "--out", out]


def test_output_onto_the_input_is_refused_and_the_input_kept(delphes_file, tmp_path, run_stage, faults):
    root = tmp_path / "user.root"
    shutil.copy(delphes_file, root)
    before = root.read_bytes()
    model = tmp_path / "model.pt"
    model.write_bytes(b"not read: the paths are checked first")
    link = tmp_path / "link.root"
    link.symlink_to(root)
    hard = tmp_path / "hard.root"
    os.link(root, hard)
    for out in (root, link, hard):
        faults.refused(run_stage("jets", "predict", "--checkpoint", model, "--input", root, "--out", out),
                       out, "--out", "is the input given as --input", "destroy")
        faults.refused(run_stage(*ingest_args(root, out)), out, "--out", "--input")
    faults.refused(run_stage("jets", "export", "--checkpoint", model, "--out", model), model, "--checkpoint")
    assert root.read_bytes() == before
    assert faults.leftovers(tmp_path) == ["hard.root", "link.root", "model.pt", "user.root"]


def test_an_input_given_twice_is_refused(delphes_file, tmp_path, run_stage, faults):
    model = tmp_path / "model.pt"
    model.write_bytes(b"x")
    link = tmp_path / "link.root"
    link.symlink_to(delphes_file)
    copy = tmp_path / "copy.root"
    shutil.copy(delphes_file, copy)
    out = tmp_path / "out" / "jets.parquet"
    for second, problem in ((delphes_file, "given twice"), (link, "given twice"), (copy, "same content")):
        outcome = run_stage("jets", "predict", "--checkpoint", model, "--input", delphes_file, second, "--out", out)
        faults.refused(outcome, second, "--input", problem, str(delphes_file))
    assert not out.parent.exists()


@pytest.mark.parametrize("area", ["jets", "spanet"])
def test_one_file_as_train_and_validation(tmp_path, run_stage, faults, area):
    split = tmp_path / ("train.parquet" if area == "jets" else "train.h5")
    split.write_bytes(b"training events")
    link = tmp_path / ("val" + split.suffix)
    link.symlink_to(split)
    out = tmp_path / "model"
    model = ["--model", "pfn", "--seed", 0] if area == "jets" else []
    outcome = run_stage(area, "train", *model, "--train", split, "--val", link, "--out-model", out / "model.pt",
                        "--out-history", out / "history.csv")
    faults.refused(outcome, link, "--val", "--train", "given twice")
    assert not out.exists()


def test_empty_files_and_absent_outputs_are_no_duplicates(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_bytes(b"")
    b.write_bytes(b"")
    check_arguments({"metrics": [a, b], "out": tmp_path / "new.csv", "seed": 3, "params": "{}"})
