"""Pythia 8 events as columnar arrays: start a seeded generator, take events in batches.

Shared by the jets and SPANet areas. Per-particle attribute access through the
``pythia8mc`` binding costs about as much as generating the event, so events are taken
with ``Pythia.nextBatch`` (Pythia's own Awkward interface: the whole event record of many
events as one awkward array, filled in C++), and everything below works on that array
with no Python loop over particles or events.

API
---
``start_pythia(settings, seed, hooks=None) -> pythia8mc.Pythia``
    A quiet, initialised generator seeded with ``seed`` (1 <= seed <= 900000000, Pythia's
    valid range; 0 would mean "seed from the clock"), with the user hooks ``hooks`` (e.g.
    ``attnphys.jets.preselection.Preselection``) set. ValueError naming the setting or
    the settings list when a setting is unknown or ``init()`` fails.
``generate_events(pythia, n) -> ak.Array``
    ``n`` successful events (``nextBatch`` records: field ``prt`` with ``id, status,
    mother1, mother2, daughter1, daughter2, p{px,py,pz,e}, m``; Pythia's 0-based record
    indices, 0 meaning "none").
``pythia_batches(settings, seed, n_events, batch, desc, progress=True, hooks=None) -> Iterator[ak.Array]``
    The loop of a generation chunk: start Pythia, then ``n_events`` events in batches of at
    most ``batch`` (one detector pass each), with a tqdm bar labelled ``desc``.
``final_state(events) -> dict[str, np.ndarray]``
    Flat arrays ``event, pid, px, py, pz, e`` of every final-state particle (status > 0);
    ``event`` is the event's position in the batch. This is the calorimeter's input.
``hard_process(events) -> ak.Array``
    Per event, the hard-process part of the record as Delphes ``GenParticle`` records
    (fields ``PID, Status, M1, M2, D1, D2, PT, Eta, Phi, Mass, E, Px, Py, Pz, Charge``).
    Kept are the particles of the hardest subprocess, Pythia status 21-23: incoming
    partons (21), resonances of the decay chains (22) and outgoing partons, including the
    resonances' decay products before showering (23). Mothers and daughters are re-linked
    across the dropped shower copies and re-based to 0-based indices into the kept list,
    -1 for none, as Delphes does. ``Status`` is the absolute Pythia status (Delphes /
    HepMC convention for intermediate particles). A resonance takes the momentum of its
    last copy (after recoil from initial-state radiation), so it equals the sum of its
    decay products. ``Charge`` is an integer as in Delphes (quarks therefore 0).
"""

from __future__ import annotations

from collections.abc import Iterator

import awkward as ak
import numpy as np
import pythia8mc
from tqdm import tqdm

from attnphys.kinematics import pt_eta_phi
from attnphys.seeding import SEED_MAX
_MAX_LINK_STEPS = 500

# Integer electric charge by |pid| for particles of a hard process (Delphes truncates
# fractional charges to 0); sign follows the pid.
_CHARGED = {11: -1, 13: -1, 15: -1, 24: 1, 37: 1}


def start_pythia(settings: list[str] | tuple[str, ...], seed: int,
                 hooks: pythia8mc.UserHooks | None = None) -> pythia8mc.Pythia:
    """Quiet Pythia instance with ``settings`` read, ``hooks`` set and ``init()`` checked."""
    if not 1 <= seed <= SEED_MAX:
        raise ValueError(f"Pythia seed {seed} outside its valid range 1..{SEED_MAX}")
    pythia = pythia8mc.Pythia("", False)
    for line in ("Print:quiet = on", *settings, "Random:setSeed = on", f"Random:seed = {seed}"):
        if not pythia.readString(line):
            raise ValueError(f"Pythia rejected the setting {line!r}")
    if hooks is not None:
        pythia.setUserHooksPtr(hooks)
    if not pythia.init():
        raise ValueError(f"Pythia init() failed for the settings {list(settings)}")
    return pythia


def generate_events(pythia: pythia8mc.Pythia, n: int) -> ak.Array:
    """``n`` events from ``pythia``; failed events are skipped and replaced."""
    batches, have = [], 0
    for _ in range(10):
        batch = pythia.nextBatch(n - have, "skip")
        batches.append(batch)
        have += len(batch)
        if have == n:
            return batches[0] if len(batches) == 1 else ak.concatenate(batches)
    raise ValueError(f"Pythia produced only {have} of {n} events; its settings fail too often")


def pythia_batches(settings, seed: int, n_events: int, batch: int, desc: str,
                   progress: bool = True, hooks: pythia8mc.UserHooks | None = None) -> Iterator[ak.Array]:
    """``n_events`` events of a Pythia seeded with ``seed``, in batches of at most ``batch``."""
    pythia = start_pythia(settings, seed, hooks)
    with tqdm(total=n_events, desc=desc, unit="ev", mininterval=2.0, disable=not progress) as bar:
        for done in range(0, n_events, batch):
            events = generate_events(pythia, min(batch, n_events - done))
            yield events
            bar.update(len(events))


def _flat(events: ak.Array):
    """Flat record columns, the event of each row and each event's first row."""
    prt = events.prt
    counts = ak.to_numpy(ak.num(prt))
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    event = np.repeat(np.arange(len(counts)), counts)
    return prt, counts, start, event


def final_state(events: ak.Array) -> dict[str, np.ndarray]:
    """Final-state particles of all events as flat numpy columns with an ``event`` index."""
    prt = events.prt
    final = prt[prt.status > 0]
    counts = ak.to_numpy(ak.num(final))
    p = ak.flatten(final.p)
    return {
        "event": np.repeat(np.arange(len(counts)), counts),
        "pid": ak.to_numpy(ak.flatten(final.id)),
        "px": ak.to_numpy(p.px),
        "py": ak.to_numpy(p.py),
        "pz": ak.to_numpy(p.pz),
        "e": ak.to_numpy(p.e),
    }


def _global(local: np.ndarray, start: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Pythia's per-event index (0 = none) as a flat index into the batch (-1 = none)."""
    return np.where(local > 0, local + start[event], -1)


def _follow(index: np.ndarray, step) -> np.ndarray:
    """Apply ``step`` (returns the next index, or the same one to stop) until stable."""
    for _ in range(_MAX_LINK_STEPS):
        nxt = step(index)
        if np.array_equal(nxt, index):
            return index
        index = nxt
    raise ValueError("Pythia event record: mother/daughter links do not terminate")


def hard_process(events: ak.Array) -> ak.Array:
    """The hard-process record of every event as Delphes GenParticle records."""
    prt, counts, start, event = _flat(events)
    pid = ak.to_numpy(ak.flatten(prt.id)).astype(np.int32)
    status = np.abs(ak.to_numpy(ak.flatten(prt.status)))
    mother1 = _global(ak.to_numpy(ak.flatten(prt.mother1)), start, event)
    mother2 = _global(ak.to_numpy(ak.flatten(prt.mother2)), start, event)
    daughter1 = _global(ak.to_numpy(ak.flatten(prt.daughter1)), start, event)
    daughter2 = _global(ak.to_numpy(ak.flatten(prt.daughter2)), start, event)
    keep = (status >= 21) & (status <= 23)
    kept = np.flatnonzero(keep)

    # Mothers: climb through dropped copies (same pid as their own mother) to a kept one.
    def climb(m):
        at = np.maximum(m, 0)
        parent = mother1[at]
        up = (m >= 0) & ~keep[at] & (parent >= 0) & (pid[np.maximum(parent, 0)] == pid[at])
        return np.where(up, parent, m)

    m1 = _follow(mother1[kept], climb)
    m1 = np.where((m1 >= 0) & keep[np.maximum(m1, 0)], m1, -1)
    m2 = mother2[kept]
    m2 = np.where((m2 >= 0) & (m2 != mother1[kept]) & keep[np.maximum(m2, 0)], m2, -1)

    # Resonances take the momentum of their last copy: follow the same-pid daughter.
    def descend(i):
        d1, d2 = daughter1[i], daughter2[i]
        same1 = (d1 >= 0) & (pid[np.maximum(d1, 0)] == pid[i])
        same2 = (d2 >= 0) & (pid[np.maximum(d2, 0)] == pid[i])
        return np.where(same1, d1, np.where(same2, d2, i))

    source = np.where(status[kept] == 22, _follow(kept, descend), kept)

    # Re-base to 0-based indices into each event's kept list.
    new_index = np.full(len(pid), -1, dtype=np.int64)
    n_kept = np.bincount(event[kept], minlength=len(counts))
    new_start = np.concatenate([[0], np.cumsum(n_kept)[:-1]])
    new_index[kept] = np.arange(len(kept)) - new_start[event[kept]]
    local_m1 = np.where(m1 >= 0, new_index[m1], -1)
    local_m2 = np.where(m2 >= 0, new_index[m2], -1)

    # Daughters: the range of kept particles naming a particle as mother.
    position = np.arange(len(kept))
    d1 = np.full(len(kept), np.iinfo(np.int64).max)
    d2 = np.full(len(kept), -1)
    flat_of = np.full(len(pid), -1, dtype=np.int64)
    flat_of[kept] = position
    for mother in (m1, m2):
        has = mother >= 0
        np.minimum.at(d1, flat_of[mother[has]], position[has])
        np.maximum.at(d2, flat_of[mother[has]], position[has])
    none = d2 < 0
    d1 = np.where(none, -1, d1 - new_start[event[kept]])
    d2 = np.where(none, -1, d2 - new_start[event[kept]])

    p = ak.flatten(prt.p)
    px = ak.to_numpy(p.px)[source]
    py = ak.to_numpy(p.py)[source]
    pz = ak.to_numpy(p.pz)[source]
    e = ak.to_numpy(p.e)[source]
    mass = ak.to_numpy(ak.flatten(prt.m))[source]
    pt, eta, phi = pt_eta_phi(px, py, pz)
    kept_pid = pid[kept]
    charge = np.zeros(len(kept), dtype=np.int32)
    for apid, q in _CHARGED.items():
        charge[np.abs(kept_pid) == apid] = q * np.sign(kept_pid[np.abs(kept_pid) == apid])

    f4 = np.float32
    record = ak.zip(
        {
            "PID": kept_pid,
            "Status": status[kept].astype(np.int32),
            "M1": local_m1.astype(np.int32),
            "M2": local_m2.astype(np.int32),
            "D1": d1.astype(np.int32),
            "D2": d2.astype(np.int32),
            "PT": pt.astype(f4),
            "Eta": eta.astype(f4),
            "Phi": phi.astype(f4),
            "Mass": mass.astype(f4),
            "E": e.astype(f4),
            "Px": px.astype(f4),
            "Py": py.astype(f4),
            "Pz": pz.astype(f4),
            "Charge": charge,
        }
    )
    return ak.unflatten(record, n_kept)
