"""Fault suite of the towers Parquet input of ``jets dataset``: bad files built from two valid
ones are refused with exit status 2 and one line naming the file, the column and the row;
no split, summary or temporary file is left. Inputs must be unique: a file given twice, a
symlink to it, a copy, or one jet in two files are errors naming both files."""

from __future__ import annotations

import shutil

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest


def _replace(table: pa.Table, name: str, values) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


def _set_scalar(table, name, row, value):
    values = table[name].to_numpy().astype(np.float32).copy()
    values[row] = value
    return _replace(table, name, pa.array(values, pa.float32()))


def _set_tower(table, name, row, value):
    lists = table[name].to_pylist()
    lists[row][0] = value
    return _replace(table, name, pa.array(lists, pa.list_(pa.float32())))


FAULTS = {
    "nan jet mass": (lambda t: _set_scalar(t, "jet_mass", 7, np.nan), "column jet_mass", "NaN in row 7"),
    "inf jet pt": (lambda t: _set_scalar(t, "jet_pt", 2, np.inf), "column jet_pt", "row 2"),
    "negative jet mass": (lambda t: _set_scalar(t, "jet_mass", 4, -10.0), "column jet_mass", "negative"),
    "null jet mass": (lambda t: _replace(t, "jet_mass", pa.array(
        [None if i == 5 else v for i, v in enumerate(t["jet_mass"].to_pylist())], pa.float32())),
        "column jet_mass", "null in row 5"),
    "negative tower pt": (lambda t: _set_tower(t, "tower_pt", 9, -1.0), "column tower_pt", "negative value -1.0 in row 9"),
    "nan tower phi": (lambda t: _set_tower(t, "tower_phi", 3, np.nan), "column tower_phi", "row 3"),
    "tower eta 50": (lambda t: _set_tower(t, "tower_eta", 4, 50.0), "column tower_eta",
                     "unphysical value 50.0 in row 4"),
    "tower eta 1e30": (lambda t: _set_tower(t, "tower_eta", 1, 1e30), "column tower_eta", "row 1"),
    "tower phi 1e30": (lambda t: _set_tower(t, "tower_phi", 2, 1e30), "column tower_phi", "[-3.14169, 3.14169]"),
    "tower dphi 4": (lambda t: _set_tower(t, "tower_dphi", 2, 4.0), "column tower_dphi", "row 2"),
    "tower pt 1e30": (lambda t: _set_tower(t, "tower_pt", 8, 1e30), "column tower_pt", "[0, 7000]"),
    "jet pt above the beam": (lambda t: _set_scalar(t, "jet_pt", 3, 7500.0), "column jet_pt", "row 3"),
    "jet eta 6": (lambda t: _set_scalar(t, "jet_eta", 0, -6.0), "column jet_eta", "unphysical value -6.0"),
    "n_towers disagrees": (lambda t: _replace(t, "n_towers", pc.add(t["n_towers"], pa.scalar(1, pa.int32()))),
                           "column n_towers", "row 0"),
    "unequal tower lists": (lambda t: _replace(t, "tower_eta", pa.array(
        [v[:-1] if i == 6 else v for i, v in enumerate(t["tower_eta"].to_pylist())], pa.list_(pa.float32()))),
        "column tower_eta", "row 6"),
    "renamed column": (lambda t: t.rename_columns(["jet_m" if c == "jet_mass" else c for c in t.column_names]),
                       "lacks column(s) ['jet_mass']", ""),
    "retyped n_towers": (lambda t: _replace(t, "n_towers", pc.cast(t["n_towers"], pa.float64())),
                         "column n_towers", "expected integers"),
    "retyped tower_pt": (lambda t: _replace(t, "tower_pt", pa.array([str(v) for v in t["tower_pt"].to_pylist()])),
                         "column tower_pt", "lists of numbers"),
    "unknown class": (lambda t: _replace(t, "class", pa.array(["3"] * t.num_rows)), "column class", "['3']"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_bad_towers_file_is_refused_and_nothing_is_written(towers_files, tmp_path, run_stage, faults, fault):
    make, field, detail = FAULTS[fault]
    bad = tmp_path / "bad.parquet"
    pq.write_table(make(pq.read_table(towers_files["2"])), bad)
    out = tmp_path / "dataset"
    faults.refused(run_stage(*faults.dataset_args([towers_files["1"], bad], out)), bad, field, detail)
    assert not out.exists() or faults.leftovers(out) == []


def test_the_valid_files_make_a_dataset(towers_files, tmp_path, run_stage, faults):
    out = tmp_path / "dataset"
    assert run_stage(*faults.dataset_args(list(towers_files.values()), out)).status == 0
    assert faults.leftovers(out) == ["summary.json", "test.parquet", "train.parquet", "val.parquet"]


@pytest.mark.parametrize("keep", [0, 4, 100, 0.5, -9, -1])
def test_cut_parquet_file_names_the_file(towers_files, tmp_path, run_stage, faults, keep):
    data = towers_files["2"].read_bytes()
    keep = int(len(data) * keep) if isinstance(keep, float) else keep % len(data) if keep < 0 else keep
    bad = tmp_path / "cut.parquet"
    bad.write_bytes(data[:keep])
    out = tmp_path / "dataset"
    faults.refused(run_stage(*faults.dataset_args([towers_files["1"], bad], out)), bad, "Parquet")
    assert not out.exists() or faults.leftovers(out) == []


def test_overwritten_parquet_bytes_name_the_file(towers_files, tmp_path, run_stage, faults):
    data = bytearray(towers_files["2"].read_bytes())
    footer = int.from_bytes(data[-8:-4], "little")
    data[len(data) - 8 - footer + 10:len(data) - 8 - footer + 40] = b"\xa5" * 30  # inside the footer
    bad = tmp_path / "overwritten.parquet"
    bad.write_bytes(bytes(data))
    out = tmp_path / "dataset"
    faults.refused(run_stage(*faults.dataset_args([towers_files["1"], bad], out)), bad)
    assert not out.exists() or faults.leftovers(out) == []


def test_duplicated_symlinked_and_copied_files_and_jets(towers_files, tmp_path, run_stage, faults):
    one, two = towers_files["1"], towers_files["2"]
    out = tmp_path / "dataset"
    faults.refused(run_stage(*faults.dataset_args([one, two, two], out)), two, "given twice")
    link = tmp_path / "link.parquet"
    link.symlink_to(two)
    faults.refused(run_stage(*faults.dataset_args([one, two, link], out)), link, two.name, "given twice")
    copy = tmp_path / "copy.parquet"
    shutil.copy(two, copy)
    faults.refused(run_stage(*faults.dataset_args([one, two, copy], out)), copy, two.name, "same content")
    # the same jet in two different files (one jet re-ingested into another file)
    table = pq.read_table(two)
    again = tmp_path / "again.parquet"
    pq.write_table(_replace(table.slice(10, 1), "source_file", pa.array(["events/other.root"])), again)
    faults.refused(run_stage(*faults.dataset_args([one, two, again], out)), again, two.name, "same jet", "row 10")
    assert not out.exists()


@pytest.mark.parametrize(("option", "values"), [("--max-towers", ["0"]), ("--flatten-bins", ["0", "1"]),
                                                ("--jets-per-class", ["-1"]), ("--pt-window", ["1000", "inf"]),
                                                ("--split", ["nan", "0.5", "0.5"])])
def test_bad_arguments_are_usage_errors(towers_files, tmp_path, run_stage, faults, option, values, capsys):
    args = faults.dataset_args(list(towers_files.values()), tmp_path / "dataset")
    with pytest.raises(SystemExit) as exit_info:
        run_stage(*args, option, *values)
    assert exit_info.value.code == 2 and option in capsys.readouterr().err


def test_zero_width_split_is_refused(towers_files, tmp_path, run_stage, faults):
    out = tmp_path / "dataset"
    outcome = run_stage(*faults.dataset_args(list(towers_files.values()), out), "--split", "1", "0", "0")
    faults.refused(outcome, "jets.split", "positive")
    assert not out.exists()
