"""attnphys.splits: exact train / val / test counts, seeded order, SPA-NET's split kept."""

from __future__ import annotations

import numpy as np
import pytest

from attnphys.seeding import generator
from attnphys.splits import assign_splits, check_fractions, split_edges, split_rows


@pytest.mark.parametrize(("n_rows", "fractions", "counts"), [
    (20, (0.75, 0.05, 0.20), [15, 1, 4]),
    (10, (0.7, 0.15, 0.15), [7, 1, 2]),  # edges round(7.0), round(8.5) = 8 (half to even), 10
    (3, (1 / 3, 1 / 3, 1 / 3), [1, 1, 1]),
    (1001, (0.8, 0.1, 0.1), [801, 100, 100]),  # round(800.8), round(900.9)
])
def test_counts_are_the_rounded_edges_not_a_draw(n_rows, fractions, counts):
    assert np.diff(split_edges(n_rows, fractions)).tolist() == counts
    for rng in (None, generator(5, "test", "split")):
        assignment = assign_splits(n_rows, fractions, "where", rng)
        assert assignment.dtype == np.int8 and np.bincount(assignment, minlength=3).tolist() == counts


def test_without_a_generator_the_splits_are_contiguous_blocks():
    assert assign_splits(6, (0.5, 1 / 6, 1 / 3), "where").tolist() == [0, 0, 0, 1, 2, 2]


def test_seeded_order_is_reproducible_and_depends_on_the_seed():
    def draw(seed):
        return assign_splits(200, (0.6, 0.2, 0.2), "where", generator(seed, "spanet", "split"))

    assert np.array_equal(draw(1), draw(1))
    assert not np.array_equal(draw(1), draw(2))
    rows = split_rows(draw(1))
    assert sorted(np.concatenate(list(rows.values())).tolist()) == list(range(200))
    assert all(np.all(np.diff(r) > 0) for r in rows.values())


def test_spanet_split_is_the_one_it_always_made():
    # `attnphys spanet dataset` took the rows order[lo:hi] of one permutation from the stream
    # ("spanet", "split"), edges round(cumsum(fractions) * n): these rows, master seed 20220201.
    rows = split_rows(assign_splits(20, (0.75, 0.05, 0.20), "spanet.split", generator(20220201, "spanet", "split")))
    assert rows["train"].tolist() == [0, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 17, 19]
    assert rows["val"].tolist() == [1]
    assert rows["test"].tolist() == [4, 13, 15, 18]


@pytest.mark.parametrize("fractions", [(0.5, 0.5), (0.5, 0.6, 0.1), (0.9, 0.1, 0.0), (0.5, float("nan"), 0.5),
                                       (1.2, -0.1, -0.1)])
def test_bad_fractions_name_the_config_key(fractions):
    with pytest.raises(ValueError, match=r"^spanet\.split: expected three positive fractions"):
        check_fractions(fractions, "spanet.split")


def test_an_empty_split_names_the_key_and_the_split():
    with pytest.raises(ValueError, match=r"^neutron_stars\.split: the test split is empty \(4 rows"):
        assign_splits(4, (0.8, 0.1, 0.1), "neutron_stars.split")  # edges 0, 3, 4, 4
    with pytest.raises(ValueError, match=r"^spanet\.split: the val split is empty \(4 rows"):
        assign_splits(4, (0.9, 0.05, 0.05), "spanet.split", generator(1, "spanet", "split"))  # edges 0, 4, 4, 4
