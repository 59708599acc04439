"""Pythia 8 hadronisation of the DIS hadronic system and tau decays.

The struck quark and the nucleon remnant (a diquark) form a colour-singlet string of
invariant mass W, laid along the momentum transfer in the hadronic rest frame and boosted
to the lab; Pythia's Lund string fragmentation (``ProcessLevel:all = off``, hadron level
only, as in Pythia's example main21) turns it into hadrons, so multiplicities and spectra
are Pythia's. A tau lepton of a nu_tau CC event is added to the same record and decayed by
Pythia's tau decays. pi0 are kept undecayed (the detector simulates pi0 -> gamma gamma
with the photons' conversion gaps); other unstable hadrons decay with Pythia's defaults.
"""

from __future__ import annotations

import numpy as np

from attnphys.event_record import start_pythia
from attnphys.kinematics import invariant_mass
from attnphys.neutrino.kinematics import boost

SETTINGS = ("ProcessLevel:all = off", "111:mayDecay = off", "Next:numberCount = 0")


def string_partons(hadrons: np.ndarray, momentum_transfer: np.ndarray, m_quark: np.ndarray,
                   m_diquark: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lab four-momenta of quark and diquark: back to back along q in the hadronic rest frame."""
    w = np.sqrt(np.clip(hadrons[:, 0] ** 2 - (hadrons[:, 1:] ** 2).sum(1), 0, None))
    to_rest = hadrons * np.array([1, -1, -1, -1])
    q_rest = boost(momentum_transfer, to_rest)[:, 1:]
    axis = q_rest / np.linalg.norm(q_rest, axis=1, keepdims=True)
    p = np.sqrt((w**2 - (m_quark + m_diquark) ** 2) * (w**2 - (m_quark - m_diquark) ** 2)) / (2 * w)
    q4 = np.concatenate([np.sqrt(p**2 + m_quark**2)[:, None], p[:, None] * axis], axis=1)
    d4 = np.concatenate([np.sqrt(p**2 + m_diquark**2)[:, None], -p[:, None] * axis], axis=1)
    return boost(q4, hadrons), boost(d4, hadrons)


class Hadroniser:
    """One seeded Pythia instance at hadron level only."""

    def __init__(self, seed: int) -> None:
        self.pythia = start_pythia(SETTINGS, seed)

    def mass(self, pid: int) -> float:
        return self.pythia.particleData.m0(int(pid))

    def run(self, entries: list[tuple[int, int, int, np.ndarray]]) -> list[tuple[int, np.ndarray]]:
        """Hadronise/decay ``entries`` (pid, colour, anticolour, four-momentum E,px,py,pz);
        return the final-state (pid, four-momentum) list."""
        event = self.pythia.event
        for _ in range(10):
            event.reset()
            for pid, col, acol, p4 in entries:
                mass = float(invariant_mass(*p4))
                event.append(int(pid), 23, col, acol, float(p4[1]), float(p4[2]), float(p4[3]), float(p4[0]), mass)
            if self.pythia.next():
                out = []
                for i in range(event.size()):
                    prt = event[i]
                    if prt.isFinal():
                        out.append((prt.id(), np.array([prt.e(), prt.px(), prt.py(), prt.pz()])))
                return out
        raise ValueError(f"Pythia failed 10 times to hadronise {[e[0] for e in entries]}")
