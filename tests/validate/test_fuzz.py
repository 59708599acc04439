"""Property-based fuzzing of the readers: random bytes overwritten in (or cut from) a valid
ROOT, Parquet and HDF5 file give either the data or the documented error, a ValueError whose
message names the file (FileNotFoundError only for a missing file), never another exception
and never a crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attnphys.detector.delphes_tree import open_delphes
from attnphys.jets.dataset import TOWER_FILE_COLUMNS
from attnphys.jets.ingest import COLLECTIONS
from attnphys.parquet import read_columns
from attnphys.spanet.h5layout import read_h5, write_h5
from attnphys.validate.towers import check_towers_table

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@st.composite
def corruption(draw):
    """Up to 8 overwritten byte runs (offsets as fractions of the size) and maybe a cut."""
    runs = draw(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=16)),
                         min_size=1, max_size=8))
    cut = draw(st.one_of(st.none(), st.floats(0, 1, exclude_max=True)))
    return runs, cut


def corrupt(data: bytes, change) -> bytes:
    runs, cut = change
    out = bytearray(data)
    for where, new in runs:
        start = int(where * len(out))
        out[start:start + len(new)] = new
    return bytes(out[:int(cut * len(out))] if cut is not None else out)


def read_root(path: Path) -> None:
    with open_delphes(path, COLLECTIONS) as events:
        for _ in events.steps():
            pass


def read_towers(path: Path) -> None:
    check_towers_table(path, read_columns(path, TOWER_FILE_COLUMNS, "towers file"))


def only_documented_errors(reader, path: Path) -> None:
    try:
        reader(path)
    except ValueError as err:
        assert str(path) in str(err) and "\n" not in str(err).strip(), str(err)


@given(change=corruption())
@FUZZ
def test_root_reader(delphes_file, tmp_path, change):
    path = tmp_path / "fuzzed.root"
    path.write_bytes(corrupt(delphes_file.read_bytes(), change))
    only_documented_errors(read_root, path)


@given(change=corruption())
@FUZZ
def test_parquet_reader(towers_files, tmp_path, change):
    path = tmp_path / "fuzzed.parquet"
    path.write_bytes(corrupt(towers_files["2"].read_bytes(), change))
    only_documented_errors(read_towers, path)


@given(change=corruption())
@FUZZ
def test_hdf5_reader(spanet_events, tmp_path, change):
    valid = tmp_path / "valid.h5"
    if not valid.exists():
        write_h5(valid, spanet_events())
    path = tmp_path / "fuzzed.h5"
    path.write_bytes(corrupt(valid.read_bytes(), change))
    only_documented_errors(read_h5, path)
