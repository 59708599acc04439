"""Hard partons of each event from a Delphes-layout ``Particle`` record (ours or real Delphes).

``hard_partons(particles, resonance) -> ak.Array`` with ``particles`` per-event records with
fields ``PID, Status, D1, D2, PT, Eta, Phi, Mass`` (as ``attnphys.detector.delphes_tree.
read_collection(path, "Particle", ...)`` returns them; D1, D2 are 0-based indices within
the event, -1 for none). Vectorised over all events: each step of the descent below is
one numpy operation on the whole batch.

Returns, per event, a list of *candidates* (records ``pid, pt, eta, phi, mass`` of the
candidate itself and ``partons``: a list of records ``pid, pt, eta, phi, mass``):

- ``resonance`` = a pid (35 for X, 6 for the top-like class 3): one candidate per first
  copy of a particle with that |pid| (a copy is a particle whose mother has the same pid;
  in a full record X appears many times as it recoils against radiation). Its partons
  are found by following daughters through same-pid copies and through intermediate
  resonances (t, W, Z, h, ...) until quarks or gluons: the decay partons before showering.
  Leptons, photons and neutrinos met on the way are not partons and are dropped.
- ``resonance`` = None (QCD): one candidate per outgoing parton of the hardest process
  (Status 23, quark or gluon, whose mother is not a resonance), its only parton itself.

A jet is truth-matched to a candidate when all its partons lie within dR of the jet axis;
class 3 has two candidates per event (t and tbar), class 1 two (the outgoing partons).
``len(partons)`` of a signal candidate is the class's prong count (see prong_classes).
"""

from __future__ import annotations

import awkward as ak
import numpy as np

PARTON_PIDS = (1, 2, 3, 4, 5, 21)  # quarks below the top, and gluons
NOT_RESONANCES = (11, 12, 13, 14, 15, 16, 21, 22)  # leptons, gluon, photon: never followed
HARD_OUTGOING = 23  # status of outgoing hard partons and of resonance decay products
_MAX_DEPTH = 1000


def _flat(particles: ak.Array, field: str) -> np.ndarray:
    return ak.to_numpy(ak.flatten(particles[field]))


def _children(parent: np.ndarray, d1: np.ndarray, d2: np.ndarray):
    """(parent position, child flat index) for every daughter of each ``parent``.

    D1..D2 is a range when D2 >= D1, the pair {D1, D2} when 0 <= D2 < D1, D1 alone otherwise.
    """
    lo, hi = d1[parent], d2[parent]
    valid = lo >= 0
    is_range = valid & (hi >= lo)
    is_pair = valid & (hi >= 0) & (hi < lo)
    n = np.where(is_range, hi - lo + 1, np.where(is_pair, 2, valid.astype(np.int64)))
    owner = np.repeat(np.arange(len(parent)), n)
    first = np.repeat(np.cumsum(n) - n, n)
    rank = np.arange(n.sum()) - first
    child = np.where(is_pair[owner], np.where(rank == 0, lo[owner], hi[owner]), lo[owner] + rank)
    return owner, child


def hard_partons(particles: ak.Array, resonance: int | None) -> ak.Array:
    """Candidates and their hard partons per event (see module doc)."""
    counts = ak.to_numpy(ak.num(particles))
    start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    event = np.repeat(np.arange(len(counts)), counts)
    pid = _flat(particles, "PID").astype(np.int64)
    apid = np.abs(pid)
    offset = start[event]
    d1 = np.where(_flat(particles, "D1") >= 0, _flat(particles, "D1") + offset, -1)
    d2 = np.where(_flat(particles, "D2") >= 0, _flat(particles, "D2") + offset, -1)
    is_parton = np.isin(apid, PARTON_PIDS)

    status = np.abs(_flat(particles, "Status"))

    # Mother of each particle: the first particle naming it as a daughter.
    owner, child = _children(np.arange(len(pid)), d1, d2)
    inside = (child >= 0) & (child < len(pid))
    first_mother = np.full(len(pid), len(pid))
    np.minimum.at(first_mother, child[inside], owner[inside])
    mother_pid = np.where(first_mother < len(pid), pid[np.minimum(first_mother, len(pid) - 1)], 0)

    if resonance is None:
        from_partons = (mother_pid == 0) | np.isin(np.abs(mother_pid), PARTON_PIDS)
        roots = np.flatnonzero((status == HARD_OUTGOING) & is_parton & from_partons)
        parton_root, partons = np.arange(len(roots)), roots
    else:
        roots = np.flatnonzero((apid == resonance) & (mother_pid != pid))
        decay_parton = is_parton & (status == HARD_OUTGOING)
        parton_root, partons = _descend(roots, pid, decay_parton, d1, d2)

    return _assemble(particles, counts, event, roots, parton_root, partons)


def _descend(roots, pid, decay_parton, d1, d2):
    """Follow daughters from ``roots`` to decay partons; returns (root position, parton index).

    The descent passes through same-pid copies and through resonances (|pid| > 5 that are
    not leptons, gluons or photons); shower emissions (partons without status 23) end it.
    """
    found_root, found = [], []
    frontier_root, frontier = np.arange(len(roots)), roots
    for _ in range(_MAX_DEPTH):
        if len(frontier) == 0:
            break
        owner, child = _children(frontier, d1, d2)
        child_root = frontier_root[owner]
        inside = (child >= 0) & (child < len(pid))
        child, child_root, parent = child[inside], child_root[inside], frontier[owner[inside]]
        copy = pid[child] == pid[parent]
        hit = decay_parton[child] & ~copy
        found_root.append(child_root[hit])
        found.append(child[hit])
        achild = np.abs(pid[child])
        onward = ~hit & (copy | (achild > 5) & ~np.isin(achild, NOT_RESONANCES))
        frontier_root, frontier = child_root[onward], child[onward]
    else:
        raise ValueError("Particle record: daughter links do not terminate")
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    root = np.concatenate(found_root)
    index = np.concatenate(found)
    order = np.lexsort((index, root))
    return root[order], index[order]


def _kinematics(particles: ak.Array, index: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "pid": _flat(particles, "PID")[index],
        "pt": _flat(particles, "PT")[index],
        "eta": _flat(particles, "Eta")[index],
        "phi": _flat(particles, "Phi")[index],
        "mass": _flat(particles, "Mass")[index],
    }


def _assemble(particles, counts, event, roots, parton_root, partons) -> ak.Array:
    partons_per_root = np.bincount(parton_root, minlength=len(roots))
    parton_lists = ak.unflatten(ak.zip(_kinematics(particles, partons)), partons_per_root)
    candidates = ak.zip({**_kinematics(particles, roots), "partons": parton_lists}, depth_limit=1)
    return ak.unflatten(candidates, np.bincount(event[roots], minlength=len(counts)))
