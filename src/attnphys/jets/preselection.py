"""Pre-selection of generated signal events before the parton shower: can X's decay partons share one jet?

A generated signal jet is kept only when it contains every decay parton of its candidate (X,
or a top for class 3) within ``MATCH_RADIUS`` = 1.2 of its axis (``attnphys.jets.ingest``).
The decay partons are known once Pythia has made the hard process and its resonance decays,
before the costly part of an event (ISR, FSR, MPI, hadronisation, the calorimeter). If the
smallest circle in (eta, phi) enclosing them has a radius above 1.2, no jet axis lies within
1.2 of all of them and the event can give no jet: ``UserHooks::doVetoProcessLevel`` vetoes
it and Pythia makes the next one. The shower's recoil moves the decay partons a little, so
the veto uses 1.2 plus ``CONTAINMENT_MARGIN``; no accepted jet came from an event beyond
1.3 in the measurement (``python benchmarks/bench_jet_yield.py``, benchmarks/README.md "Generation cost").
QCD (class 1) has no decay to test and is never vetoed. The kept events need no weight: a
vetoed event could not have given a jet.

A second check before hadronisation, on the anti-kT R = 1.2 jets of the final partons, was
measured and is not applied: hadronisation and the calorimeter move an R = 1.2 jet's mass by
hundreds of GeV often enough that a window losing at most 1.5 % of the accepted jets (pT
880-1400, mass 180-900 GeV) still keeps 67-92 % of the events, and clustering the partons in
the hook costs about what the vetoed events save. The record mode keeps those parton jets so
that the benchmark can show it.

Pythia's user hooks: Bierlich et al., "A comprehensive guide to the physics and usage of
PYTHIA 8.3", SciPost Phys. Codebases 8 (2022), arXiv:2203.11601. Truth matching as in the
extreme-jet study, arXiv:2202.00723.

``smallest_enclosing_radius(eta, phi) -> float``
    Radius of the smallest circle containing the points in (eta, phi), phi wrapped.
``Preselection(resonance, record=False)``
    The Pythia user hook; counts ``hard_processes`` made and ``showered`` (kept). With
    ``record`` it vetoes nothing and keeps per event the hard process's pT (a key to match
    the batch's ``pT2Hat``), the containment radius and the (pT, mass) of the two leading
    parton-level jets.
"""

from __future__ import annotations

from itertools import combinations

import fastjet
import numpy as np
import pythia8mc

from attnphys.detector.azimuth import wrap_phi
from attnphys.jets.ingest import JET_RADIUS, MATCH_RADIUS
from attnphys.jets.truth import PARTON_PIDS

CONTAINMENT_MARGIN = 0.15  # shower recoil of the decay partons (measured: none beyond 0.1)


def smallest_enclosing_radius(eta, phi) -> float:
    """Radius of the smallest circle in (eta, phi) containing every point.

    The circle is fixed by two points (a diameter) or three (a circumcircle), so the smallest
    over those centres (and the points themselves) of the largest distance is exact. Azimuths
    are unwrapped around the first point: exact whenever the radius is below pi / 2 (larger
    sets, spread around the cylinder, get a radius at least that large: still vetoed).
    """
    eta = np.asarray(eta, dtype=np.float64)
    phi = np.asarray(phi, dtype=np.float64)
    points = np.stack([eta, wrap_phi(phi - phi[0])], axis=1)
    if len(points) == 1:
        return 0.0
    centres = [points]
    pairs = np.array(list(combinations(range(len(points)), 2)))
    centres.append(0.5 * (points[pairs[:, 0]] + points[pairs[:, 1]]))
    if len(points) >= 3:
        triples = np.array(list(combinations(range(len(points)), 3)))
        (ax, ay), (bx, by), (cx, cy) = (points[triples[:, k]].T for k in range(3))
        d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
        ok = np.abs(d) > 1e-12
        sa, sb, sc = ax**2 + ay**2, bx**2 + by**2, cx**2 + cy**2
        ux = (sa * (by - cy) + sb * (cy - ay) + sc * (ay - by))[ok] / d[ok]
        uy = (sa * (cx - bx) + sb * (ax - cx) + sc * (bx - ax))[ok] / d[ok]
        centres.append(np.stack([ux, uy], axis=1))
    centres = np.concatenate(centres)
    distance = np.linalg.norm(centres[:, None, :] - points[None, :, :], axis=2).max(axis=1)
    return float(distance.min())


def _decay_partons(process, root: int) -> list[int]:
    """Final quarks and gluons descending from entry ``root`` of the process record."""
    found, stack = [], [root]
    while stack:
        particle = process[stack.pop()]
        if particle.isFinal():
            if particle.idAbs() in PARTON_PIDS:
                found.append(particle.index())
            continue
        stack.extend(particle.daughterList())
    return found


class Preselection(pythia8mc.UserHooks):
    """Pythia user hook vetoing signal events whose decay partons cannot share a jet (module doc)."""

    def __init__(self, resonance: int | None, record: bool = False):
        pythia8mc.UserHooks.__init__(self)
        self.resonance, self.record = resonance, record
        self.definition = fastjet.JetDefinition(fastjet.antikt_algorithm, JET_RADIUS)
        self.hard_processes = 0
        self.showered = 0
        self.records: list[tuple[float, float, tuple]] = []
        self._radius = 0.0

    def canVetoProcessLevel(self) -> bool:
        return True

    def doVetoProcessLevel(self, process) -> bool:
        self.hard_processes += 1
        self._radius = 0.0 if self.resonance is None else self.containment_radius(process)
        veto = not self.record and self._radius > MATCH_RADIUS + CONTAINMENT_MARGIN
        self.showered += not veto
        return veto

    def canVetoPartonLevel(self) -> bool:
        return self.record

    def doVetoPartonLevel(self, event) -> bool:
        self.records.append((event[5].pT(), self._radius, self.parton_jets(event)))
        return False

    def parton_jets(self, event) -> tuple[tuple[float, float], ...]:
        """(pT, mass) of the two leading anti-kT jets of the final partons (above 500 GeV)."""
        inputs = [fastjet.PseudoJet(p.px(), p.py(), p.pz(), p.e()) for p in event if p.isFinal()]
        sequence = fastjet.ClusterSequence(inputs, self.definition)
        return tuple((jet.pt(), jet.m()) for jet in fastjet.sorted_by_pt(sequence.inclusive_jets(500.0))[:2])

    def containment_radius(self, process) -> float:
        """Smallest enclosing radius of the decay partons, minimised over the candidates."""
        best = np.inf
        for i in range(process.size()):
            particle = process[i]
            if particle.idAbs() != self.resonance or process[particle.mother1()].idAbs() == self.resonance:
                continue
            partons = _decay_partons(process, i)
            if partons:
                best = min(best, smallest_enclosing_radius([process[j].eta() for j in partons],
                                                           [process[j].phi() for j in partons]))
        return best
