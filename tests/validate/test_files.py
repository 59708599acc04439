"""No litter, one line per error, one resume policy.

A stage removes the temporary files (``.NAME.PID.tmp.*``) of its outputs left by dead
processes and keeps those of running ones; an error or SIGTERM removes its own. Every error
is one line with exit status 2; ``--debug`` or ``ATTNPHYS_DEBUG=1`` shows the traceback. A
checkpoint written for other settings is an error in every area unless a restart is asked.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from attnphys.cli import one_line

SPANET_PARAMS = {"dim": 8, "heads": 2, "layers": 1, "tensor_dim": 4}


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stage_removes_temporaries_of_dead_processes_only(delphes_file, tmp_path, run_stage):
    out = tmp_path / "towers.parquet"
    dead = tmp_path / f".towers.{dead_pid()}.tmp.parquet"
    alive = tmp_path / f".towers.{os.getppid()}.tmp.parquet"
    other = tmp_path / f".other.{dead_pid()}.tmp.parquet"
    for path in (dead, alive, other):
        path.write_bytes(b"half a file")
    assert run_stage("jets", "ingest", "--input", delphes_file, "--class", "2", "--out", out).status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([out.name, alive.name, other.name])


def test_sigterm_removes_the_temporary_file(tmp_path):
    target = tmp_path / "out.parquet"
    script = ("import signal, sys, time; from attnphys.cli import _terminated; from attnphys.files import atomic_path\n"
              "signal.signal(signal.SIGTERM, _terminated)\n"
              f"with atomic_path({str(target)!r}) as tmp:\n"
              "    tmp.write_bytes(b'partial'); print('ready', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")})
    assert proc.stdout.readline().strip() == "ready"
    assert len(list(tmp_path.iterdir())) == 1
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_output_path_that_is_a_folder(delphes_file, tmp_path, run_stage, faults):
    folder = tmp_path / "towers.parquet"
    folder.mkdir()
    faults.refused(run_stage("jets", "ingest", "--input", delphes_file, "--class", "2", "--out", folder),
                   folder, "is a folder")
    assert faults.leftovers(tmp_path) == []


def test_debug_flag_and_variable_show_the_traceback(tmp_path, run_stage, monkeypatch):
    args = ["jets", "ingest", "--input", tmp_path / "absent.root", "--class", "2", "--out", tmp_path / "o.parquet"]
    assert run_stage(*args).status == 2
    with pytest.raises(FileNotFoundError, match="absent.root"):
        run_stage("--debug", *args)
    monkeypatch.setenv("ATTNPHYS_DEBUG", "1")
    with pytest.raises(FileNotFoundError):
        run_stage(*args)


def test_unexpected_errors_are_one_line_with_their_type():
    full = OSError(errno.ENOSPC, "No space left on device", "/data/out.parquet")
    assert one_line(full) == "OSError: [Errno 28] No space left on device: '/data/out.parquet'"
    assert one_line(TypeError("bad\noperand")) == "TypeError: bad operand"
    assert one_line(ValueError("f.root: leaf Tower.ET: NaN")) == "f.root: leaf Tower.ET: NaN"


def test_spanet_refuses_a_stale_checkpoint_unless_asked(tmp_path, run_stage, faults, spanet_events):
    from attnphys.spanet.h5layout import write_h5

    write_h5(tmp_path / "train.h5", spanet_events(40, seed=1))
    write_h5(tmp_path / "val.h5", spanet_events(10, seed=2))

    def train(params, *extra):
        return run_stage("spanet", "train", "--train", tmp_path / "train.h5", "--val", tmp_path / "val.h5",
                         "--out-model", tmp_path / "model" / "model.pt", "--out-history", tmp_path / "history.csv",
                         "--epochs", 1, "--batch-size", 20, "--device", "cpu", "--threads", 1,
                         "--params", json.dumps(params), *extra)

    assert train(SPANET_PARAMS).status == 0
    faults.refused(train({**SPANET_PARAMS, "dim": 12}), "checkpoint_last.pt", "model.dim")
    assert train({**SPANET_PARAMS, "dim": 12}, "--restart-stale").status == 0
