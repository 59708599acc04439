"""attnphys.seeding: named random streams from the master seed."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from attnphys.seeding import MASTER_SEED, SEED_MAX, generator, integer, integers, pythia_and_detector, run_seed, stream


def test_a_stream_is_its_keys_and_nothing_else():
    assert stream(7, "jets", "generate", "4b", 3).entropy == [7, 4, zlib.crc32(b"jets"), zlib.crc32(b"generate"),
                                                              zlib.crc32(b"4b"), 3]
    assert generator(7, "spanet", "split").random() == generator(7, "spanet", "split").random()
    draws = {integer(seed, *keys) for seed in (0, 1) for keys in (("a",), ("b",), ("a", 0), ("a", 1))}
    assert len(draws) == 8


def test_integers_are_prefix_stable():
    assert integers(3, 5, "gating", "xor")[:2] == integers(3, 2, "gating", "xor")
    assert integers(3, 2, "gating", "xor") != integers(4, 2, "gating", "xor")


def test_pythia_seeds_are_in_range_and_chunks_differ():
    seeds = [pythia_and_detector(1, "spanet", "generate", chunk)[0] for chunk in range(50)]
    assert len(set(seeds)) == 50 and all(1 <= s <= SEED_MAX for s in seeds)
    _, a = pythia_and_detector(1, "spanet", "generate", 0)
    _, b = pythia_and_detector(1, "spanet", "generate", 0)
    assert np.array_equal(a.random(4), b.random(4))


@pytest.mark.parametrize("bad", [(-1, "jets"), (0, "jets", -2), (0, 1.5)])
def test_negative_or_non_integer_entropy_is_refused(bad):
    with pytest.raises(ValueError, match="non-negative integers"):
        stream(*bad)


def test_run_seed_keeps_the_keys_every_area_trained_with():
    # The values of the training runs before run_seed existed: jets keyed ("jets", "train",
    # model, replica), SPA-NET ("spanet", "train"), the neutron stars ("neutron_stars", "train", stars).
    assert run_seed(MASTER_SEED, "jets", "pfn", 0) == integer(MASTER_SEED, "jets", "train", "pfn", 0) == 782937030
    assert run_seed(MASTER_SEED, "jets", "pfn", 1) == 4226761941
    assert run_seed(MASTER_SEED, "spanet") == integer(MASTER_SEED, "spanet", "train") == 1116660012
    assert run_seed(7, "neutron_stars", 3) == 2191483195


def test_run_seeds_differ_by_replica_model_area_and_master_seed():
    runs = [(seed, area, *run) for seed in (0, MASTER_SEED) for area, run in
            (("jets", ("pfn", 0)), ("jets", ("pfn", 1)), ("jets", ("hl_dnn", 0)), ("neutrino", ("pfn", 0)),
             ("spanet", ()))]
    seeds = [run_seed(*run) for run in runs]
    assert len(set(seeds)) == len(runs) and all(0 <= s < 2**32 for s in seeds)
