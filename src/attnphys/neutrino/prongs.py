"""Prongs: groups of hits, one per particle.

- Truth prongs: the hits of each true final-state particle (pi0 photons separately), the
  ``max_prongs`` with most charge and at least ``min_hits`` hits; they define the labels
  and score the classifiers on ideal grouping.
- Reconstructed prongs (no truth; used in training and inference): a vertex from the
  first active planes, then in each view the hits' directions from the vertex clustered in
  angle (single linkage: sorted angles split where neighbours differ by more than ``eps``
  rad, i.e. one-dimensional DBSCAN; clusters of fewer than 2 hits dropped), and the two
  views' clusters paired by rank of charge; what remains is unassigned. Each
  reconstructed prong is labelled by the true particle with most of its charge; purity and
  completeness measure the grouping.

Prong classes (TransformerCVN, arXiv:2303.06201): electron, muon, proton, charged pion,
photon (including pi0 photons), other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from attnphys.neutrino.detector import Detector

# Angles are taken in cm with the default NOvA-like geometry (plane pitch, cell width).
_PLANE_DEPTH, _CELL_WIDTH = Detector().plane_depth, Detector().cell_width

PRONG_CLASSES = ("electron", "muon", "proton", "pion", "photon", "other")
_CLASS_OF_PID = {11: 0, 13: 1, 2212: 2, 211: 3, 22: 4, 111: 4}


def prong_class(pid: np.ndarray) -> np.ndarray:
    """Prong class index of each particle pid (sign ignored)."""
    apid = np.abs(np.asarray(pid))
    out = np.full(apid.shape, 5, dtype=np.int64)
    for p, c in _CLASS_OF_PID.items():
        out[apid == p] = c
    return out


def truth_prongs(hits: pd.DataFrame, max_prongs: int, min_hits: int) -> np.ndarray:
    """Truth prong index (0..max_prongs-1 by decreasing charge, -1 none) of every hit."""
    key = hits["event"].to_numpy() * 1_000_000 + hits["particle"].to_numpy()
    table = pd.DataFrame({"key": key, "event": hits["event"].to_numpy(), "pe": hits["pe"].to_numpy()})
    agg = table.groupby("key").agg(event=("event", "first"), pe=("pe", "sum"), n=("pe", "size")).reset_index()
    agg = agg[agg["n"] >= min_hits].sort_values(["event", "pe"], ascending=[True, False])
    agg["rank"] = agg.groupby("event").cumcount()
    agg = agg[agg["rank"] < max_prongs]
    rank = pd.Series(agg["rank"].to_numpy(), index=agg["key"].to_numpy())
    return rank.reindex(key).fillna(-1).to_numpy().astype(np.int64)


def angular_clusters(angle: np.ndarray, eps: float, min_size: int = 2) -> np.ndarray:
    """Cluster label of each angle (radians, periodic): runs of sorted angles with gaps <= eps;
    clusters smaller than ``min_size`` get -1."""
    if len(angle) == 1:
        return np.array([-1 if min_size > 1 else 0])
    order = np.argsort(angle)
    a = angle[order]
    gaps = np.diff(np.concatenate([a, [a[0] + 2 * np.pi]]))
    start = (int(np.argmax(gaps)) + 1) % len(a)  # cut the circle at its widest gap
    rolled = np.roll(np.arange(len(a)), -start)
    new_cluster = np.concatenate([[False], gaps[rolled[:-1]] > eps])
    labels_sorted = np.cumsum(new_cluster)
    sizes = np.bincount(labels_sorted)
    labels_sorted = np.where(sizes[labels_sorted] >= min_size, labels_sorted, -1)
    out = np.empty(len(a), dtype=np.int64)
    out[order[rolled]] = labels_sorted
    return out


def _event_reco(plane, cell, view, pe, max_prongs: int, eps: float) -> np.ndarray:
    out = np.full(len(pe), -1, dtype=np.int64)
    if len(pe) == 0:
        return out
    first = np.percentile(plane, 2)
    clusters = []
    for v in (0, 1):
        sel = np.flatnonzero(view == v)
        if not len(sel):
            clusters.append([])
            continue
        early = sel[plane[sel] <= first + 6]
        if not len(early):
            early = sel
        vc = np.average(cell[early], weights=pe[early])
        dz = (plane[sel] - first) * _PLANE_DEPTH
        dc = (cell[sel] - vc) * _CELL_WIDTH
        labels = angular_clusters(np.arctan2(dc, dz), eps)
        found = []
        for lab in np.unique(labels[labels >= 0]):
            members = sel[labels == lab]
            found.append((pe[members].sum(), members))
        found.sort(key=lambda item: -item[0])
        clusters.append(found)
    for k in range(max_prongs):
        for v in (0, 1):
            if k < len(clusters[v]):
                out[clusters[v][k][1]] = k
    return out


def reco_prongs(hits: pd.DataFrame, max_prongs: int, eps: float = 0.08) -> np.ndarray:
    """Reconstructed prong index of every hit (-1 unassigned), without truth."""
    out = np.full(len(hits), -1, dtype=np.int64)
    ev = hits["event"].to_numpy()
    cols = [hits[c].to_numpy() for c in ("plane", "cell", "view", "pe")]
    bounds = np.flatnonzero(np.diff(ev)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(ev)]])
    for s, e in zip(starts, ends):
        out[s:e] = _event_reco(*(c[s:e] for c in cols), max_prongs, eps)
    return out


def prong_labels(hits: pd.DataFrame, prong: np.ndarray, events: np.ndarray, max_prongs: int) -> np.ndarray:
    """(n_events, max_prongs) class of each prong's dominant true particle (-1: no prong)."""
    out = np.full((len(events), max_prongs), -1, dtype=np.int64)
    sel = prong >= 0
    frame = pd.DataFrame({"event": hits["event"].to_numpy()[sel], "prong": prong[sel],
                          "cls": prong_class(hits["pid"].to_numpy()[sel]), "pe": hits["pe"].to_numpy()[sel]})
    sums = frame.groupby(["event", "prong", "cls"])["pe"].sum().reset_index()
    best = sums.sort_values("pe", ascending=False).drop_duplicates(["event", "prong"])
    row = pd.Series(np.arange(len(events)), index=events).reindex(best["event"].to_numpy()).to_numpy()
    out[row, best["prong"].to_numpy()] = best["cls"].to_numpy()
    return out


def purity_completeness(hits: pd.DataFrame, reco: np.ndarray) -> tuple[float, float]:
    """Charge-weighted mean purity and completeness of reconstructed prongs.

    Purity: the fraction of a prong's charge from its dominant true particle; completeness:
    the fraction of that particle's charge inside the prong.
    """
    frame = pd.DataFrame({"event": hits["event"].to_numpy(), "particle": hits["particle"].to_numpy(),
                          "reco": reco, "pe": hits["pe"].to_numpy()})
    particle_pe = frame.groupby(["event", "particle"])["pe"].sum()
    assigned = frame[frame["reco"] >= 0]
    if assigned.empty:
        return 0.0, 0.0
    shared = assigned.groupby(["event", "reco", "particle"])["pe"].sum().reset_index()
    prong_pe = shared.groupby(["event", "reco"])["pe"].transform("sum")
    shared["purity"] = shared["pe"] / prong_pe
    best = shared.sort_values("pe", ascending=False).drop_duplicates(["event", "reco"])
    total = particle_pe.reindex(pd.MultiIndex.from_frame(best[["event", "particle"]])).to_numpy()
    completeness = best["pe"].to_numpy() / total
    weights = best["pe"].to_numpy() / best["purity"].to_numpy()
    return float(np.average(best["purity"], weights=weights)), float(np.average(completeness, weights=weights))
