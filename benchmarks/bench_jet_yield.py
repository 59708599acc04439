"""Generated events and CPU seconds per flat-dataset jet, against bare Pythia in the same run.

    OMP_NUM_THREADS=1 python benchmarks/bench_jet_yield.py [--events 1500] [--classes 1 2 ...]

For every class it generates ``--events`` events three ways with the pipeline's settings,
each through the calorimeter and the ingest selection (``attnphys.jets.ingest.select_jets``,
the pipeline's own code, without the ROOT round trip):

- as ``jets generate`` does (the pre-selection of ``attnphys.jets.preselection`` vetoing
  signal events before the shower; a third of the events): the kept fraction and CPU per event;
- without vetoes, the pre-selection hook recording what it sees (containment radius, the two
  leading parton-level jets): the loss of accepted jets a containment threshold or a
  parton-level window would cause, and the events per flat jet without pre-selection;
- without the hook (a third of the events), for the CPU per event without pre-selection.

Then it prints, per class:

- jets per event with the leading jet only and with the two leading jets (``--leading``);
- the flat acceptance: jets per event that survive the dataset's (mass, pT) quota,
  ``n_cells * min over cells of (jets in the cell / events)`` for the default 4 x 2 grid
  (the ``jets.acceptance`` config key is this number, lowered by a safety margin);
- for narrower pTHat windows inside the generated one: the fraction of accepted jets lost
  (jets from events outside the window; the physics of the kept jets is unchanged when it
  is small) and the events per flat jet they would need;
- CPU seconds per event of the generation path and of a bare ``pythia.next()`` loop on the
  same settings, alternated in this run, and so CPU seconds per flat jet, with and without
  the pre-selection;
- the pre-selection: hard processes, showered (= written) events per flat jet, the fraction of
  events kept and the loss of accepted jets for containment thresholds, and for parton-level
  (pT, mass) windows (measured, not applied: see ``attnphys.jets.preselection``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from attnphys.detector.calorimeter import make_towers
from attnphys.event_record import (
    final_state,
    generate_events,
    hard_process,
    pythia_batches,
    start_pythia,
)
from attnphys.jets.generate import BATCH
from attnphys.jets.ingest import MATCH_RADIUS, select_jets
from attnphys.jets.preselection import CONTAINMENT_MARGIN, Preselection
from attnphys.jets.prong_classes import CLASS_NAMES, prong_class
from attnphys.seeding import pythia_and_detector

PT_WINDOW = (1000.0, 1200.0)
MASS_WINDOW = (300.0, 700.0)
GRID = (4, 2)
APPLIED_RADIUS = MATCH_RADIUS + CONTAINMENT_MARGIN  # the threshold jets generate vetoes above
CONTAINMENT_THRESHOLDS = (1.2, 1.25, 1.3, APPLIED_RADIUS, 1.4)
PARTON_WINDOWS = (((950.0, 1280.0), (250.0, 780.0)), ((900.0, 1350.0), (200.0, 850.0)),
                  ((880.0, 1400.0), (180.0, 900.0)))


def settings(cls: str, pthat=None) -> tuple[str, ...]:
    """The class's Pythia settings, with the pTHat window replaced when ``pthat`` is given."""
    lines = prong_class(cls).settings
    if pthat is None:
        return lines
    lines = tuple(s for s in lines if not s.startswith(("PhaseSpace:pTHatMin", "PhaseSpace:pTHatMax")))
    return (*lines, f"PhaseSpace:pTHatMin = {pthat[0]}", f"PhaseSpace:pTHatMax = {pthat[1]}")


def measure(cls: str, n_events: int, seed: int, leading: int, pthat=None, hooks=None):
    """(pthat per event, accepted jets table, seconds of the generation path)."""
    pythia_seed, rng = pythia_and_detector(seed, "jets", "generate", cls, 0)
    began = time.process_time()
    pthat_of_event, tables = [], []
    done = 0
    for events in pythia_batches(settings(cls, pthat), pythia_seed, n_events, BATCH, f"class {cls}",
                                 hooks=hooks):
        towers = make_towers(final_state(events), len(events), rng, smear_centres=False)
        table = select_jets(towers, hard_process(events), cls, 0, PT_WINDOW, MASS_WINDOW,
                            "bench", first_entry=done, leading=leading)
        tables.append(table.select(["jet_pt", "jet_mass", "source_entry", "source_jet"]).to_pandas())
        pthat_of_event.append(np.sqrt(np.asarray(events.info.pT2Hat)))
        done += len(events)
    seconds = time.process_time() - began
    return np.concatenate(pthat_of_event), pd.concat(tables, ignore_index=True), seconds


def recorded(hook: Preselection, pthat_of_event: np.ndarray):
    """Per generated event: containment radius and leading parton jets' pT, mass (4 columns)."""
    keys = {round(pt, 6): i for i, (pt, _, _) in enumerate(hook.records)}
    index = np.array([keys[round(float(p), 6)] for p in pthat_of_event])
    radius = np.array([hook.records[i][1] for i in index])
    jets = np.zeros((len(index), 4))
    for row, i in enumerate(index):
        flat = [x for jet in hook.records[i][2] for x in jet]
        jets[row, : len(flat)] = flat
    return radius, jets


def in_parton_window(jets: np.ndarray, window) -> np.ndarray:
    (pt_lo, pt_hi), (m_lo, m_hi) = window
    return np.any([(jets[:, k] >= pt_lo) & (jets[:, k] <= pt_hi) & (jets[:, k + 1] >= m_lo)
                   & (jets[:, k + 1] <= m_hi) for k in (0, 2)], axis=0)


def bare_seconds(cls: str, n_events: int, seed: int, pthat=None) -> float:
    pythia = start_pythia(settings(cls, pthat), pythia_and_detector(seed, "jets", "generate", cls, 1)[0])
    began = time.process_time()
    for _ in range(n_events):
        pythia.next()
    return time.process_time() - began


def slice_scan(cls: str, edges, n_events: int, seed: int):
    """Accepted-jet cross-section per pTHat slice: (sigma_slice, jets per event, sigma x acc).

    Each slice [edges[i], edges[i+1]] is generated on its own; Pythia's estimate of the
    slice cross-section (``info.sigmaGen``, mb) times the jets per event accepted from the
    slice is the slice's share of the accepted jets in nature, whatever window a sample uses.
    """
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        pythia_seed, rng = pythia_and_detector(seed, "jets", "pthat-scan", cls, int(lo))
        pythia = start_pythia(settings(cls, (lo, hi)), pythia_seed)
        count = 0
        for done in range(0, n_events, BATCH):
            events = generate_events(pythia, min(BATCH, n_events - done))
            towers = make_towers(final_state(events), len(events), rng, smear_centres=False)
            count += select_jets(towers, hard_process(events), cls, 0, PT_WINDOW, MASS_WINDOW,
                                 "bench", leading=2).num_rows
        sigma = pythia.infoPython().sigmaGen()
        rows.append((lo, hi, sigma, count / n_events, sigma * count / n_events))
    return rows


def flat_acceptance(jets, n_events: int) -> float:
    mass_bin = np.clip(((jets["jet_mass"] - MASS_WINDOW[0]) / (MASS_WINDOW[1] - MASS_WINDOW[0])
                        * GRID[0]).astype(int), 0, GRID[0] - 1)
    pt_bin = np.clip(((jets["jet_pt"] - PT_WINDOW[0]) / (PT_WINDOW[1] - PT_WINDOW[0])
                      * GRID[1]).astype(int), 0, GRID[1] - 1)
    counts = np.bincount(mass_bin * GRID[1] + pt_bin, minlength=GRID[0] * GRID[1])
    return GRID[0] * GRID[1] * counts.min() / n_events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1500)
    parser.add_argument("--classes", nargs="+", default=list(CLASS_NAMES))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--windows", nargs="+", default=["950:1300", "1000:1250"],
                        help="narrower pTHat windows LO:HI to evaluate")
    parser.add_argument("--generate-pthat", nargs=2, type=float, default=None, metavar=("LO", "HI"),
                        help="generate with this pTHat window instead of the class's")
    parser.add_argument("--slices", nargs="+", type=float, default=None,
                        help="pTHat slice edges: print each slice's share of the accepted jets and stop")
    args = parser.parse_args()
    pthat = tuple(args.generate_pthat) if args.generate_pthat else None
    if args.slices:
        for cls in args.classes:
            rows = slice_scan(cls, args.slices, args.events, args.seed)
            total = sum(r[4] for r in rows)
            print(f"class {cls}: pTHat slice | sigma (mb) | jets/event | share of accepted jets | cumulative")
            cumulative = 0.0
            for lo, hi, sigma, per_event, accepted in rows:
                cumulative += accepted / total if total else 0.0
                print(f"  {lo:.0f}-{hi:.0f} | {sigma:.3e} | {per_event:.4f} | "
                      f"{100 * accepted / total if total else 0:.2f} % | {100 * cumulative:.2f} %")
        return
    windows = [tuple(float(x) for x in w.split(":")) for w in args.windows]
    print(f"{args.events} events per class; pTHat windows evaluated: {windows}")
    print("Without pre-selection:")
    print("class | jets/ev lead1 | jets/ev lead2 | flat acc lead1 | flat acc lead2 | "
          + " | ".join(f"loss {lo:.0f}-{hi:.0f} | ev/flat jet {lo:.0f}-{hi:.0f}" for lo, hi in windows)
          + " | s/event job | s/event bare | s/flat jet (lead2, generated window)")
    totals = {"lead1": [], "lead2": [], **{w: [] for w in windows}}
    preselected = []
    for cls in args.classes:
        bare = bare_seconds(cls, max(args.events // 5, 50), args.seed, pthat) / max(args.events // 5, 50)
        plain = max(args.events // 3, 100)
        per_event = measure(cls, plain, args.seed + 1, leading=2, pthat=pthat)[2] / plain
        hook = Preselection(prong_class(cls).resonance, record=True)
        pthat_of_event, jets, _ = measure(cls, args.events, args.seed, leading=2, pthat=pthat, hooks=hook)
        lead1 = jets[jets["source_jet"] == 0]
        acc1 = flat_acceptance(lead1, args.events)
        acc2 = flat_acceptance(jets, args.events)
        totals["lead1"].append(1 / acc1 if acc1 else np.inf)
        totals["lead2"].append(1 / acc2 if acc2 else np.inf)
        cells = []
        for lo, hi in windows:
            inside_events = (pthat_of_event >= lo) & (pthat_of_event <= hi)
            jet_pthat = pthat_of_event[jets["source_entry"].to_numpy()]
            inside = (jet_pthat >= lo) & (jet_pthat <= hi)
            loss = 1 - inside.mean() if len(jets) else 0.0
            acc = flat_acceptance(jets[inside], inside_events.sum())
            totals[(lo, hi)].append(1 / acc if acc else np.inf)
            cells.append(f"{100 * loss:5.2f} % | {1 / acc if acc else np.inf:7.1f}")
        print(f"{cls:>5} | {len(lead1) / args.events:.3f} | {len(jets) / args.events:.3f} | "
              f"{acc1:.4f} | {acc2:.4f} | " + " | ".join(cells)
              + f" | {per_event:.4f} | {bare:.4f} | {per_event / acc2 if acc2 else np.inf:.3f}")

        radius, parton_jets = recorded(hook, pthat_of_event)
        source = jets["source_entry"].to_numpy()
        scan = [(np.mean(radius <= t), np.mean(radius[source] > t)) for t in CONTAINMENT_THRESHOLDS]
        parton = [(np.mean(ok), np.mean(~ok[source])) for ok in
                  (in_parton_window(parton_jets, w) & (radius <= APPLIED_RADIUS) for w in PARTON_WINDOWS)]
        # The veto removes only events without an accepted jet (loss above), so the flat
        # acceptance of the recorded run holds per kept event divided by the kept fraction:
        # with and without share the same jets, and their ratio no flattening noise.
        resonance = prong_class(cls).resonance
        veto = Preselection(resonance) if resonance is not None else None  # as jets generate: QCD runs bare
        seconds = measure(cls, plain, args.seed + 2, leading=2, pthat=pthat, hooks=veto)[2]
        shown = veto.showered if veto else plain
        keep = shown / veto.hard_processes if veto else 1.0
        per_flat = 1 / acc2 if acc2 else np.inf
        preselected.append((cls, per_flat, keep * per_flat, acc2 / keep, seconds / shown * keep * per_flat,
                            per_event * per_flat, bare, scan, parton))
    print("generated events per flat jet, mean over classes (no pre-selection):")
    for key, values in totals.items():
        print(f"  {key}: {np.mean(values):.1f}")

    print("\nWith the pre-selection of `jets generate` (containment before the shower; flat yield of the"
          " recorded run, CPU of a run with vetoes on a third of the events):")
    print("class | hard processes/flat jet | showered = written events/flat jet | flat acc per written event"
          " | s/flat jet with | s/flat jet without | ratio | s/event bare")
    for cls, hard, showered, acc, with_, without, bare, _, _ in preselected:
        print(f"{cls:>5} | {hard:.1f} | {showered:.1f} | {acc:.4f} | {with_:.3f} | {without:.3f} | "
              f"{without / with_:.2f} | {bare:.4f}")
    means = np.mean([row[1:6] for row in preselected], axis=0)
    print(f" mean | {means[0]:.1f} | {means[1]:.1f} | - | {means[3]:.3f} | {means[4]:.3f} | {means[4] / means[3]:.2f} | -")
    print("\nContainment radius threshold: events kept / loss of accepted jets (no-veto run)")
    print("class | " + " | ".join(f"R <= {t:.2f}" for t in CONTAINMENT_THRESHOLDS))
    for cls, *_, scan, _ in preselected:
        print(f"{cls:>5} | " + " | ".join(f"{keep:.3f} / {100 * loss:.2f} %" for keep, loss in scan))
    print("\nParton-level window (two leading anti-kT 1.2 parton jets, with containment), not applied:"
          " events kept / loss of accepted jets")
    print("class | " + " | ".join(f"pT {w[0][0]:.0f}-{w[0][1]:.0f}, m {w[1][0]:.0f}-{w[1][1]:.0f}"
                                  for w in PARTON_WINDOWS))
    for cls, *_, parton in preselected:
        print(f"{cls:>5} | " + " | ".join(f"{keep:.3f} / {100 * loss:.2f} %" for keep, loss in parton))


if __name__ == "__main__":
    main()
