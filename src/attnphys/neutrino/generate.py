"""Neutrino interactions of each event class: flavour, energy, channel, final state.

For each class (``numu_cc``, ``nue_cc``, ``nutau_cc``, ``nc``) energies come from the
oscillated beam spectrum (:mod:`attnphys.neutrino.beam`), the channel from the
cross-section fractions, the kinematics from :mod:`attnphys.neutrino.kinematics`, the DIS
hadrons and tau decays from Pythia (:mod:`attnphys.neutrino.hadronise`). Targets are free
nucleons at rest (proton or neutron with equal probability; Fermi motion, nuclear
effects and final-state interactions are left out). Returns two tables: one row per event
and one row per final-state particle (``event, pid, e, px, py, pz``), with the outgoing
neutrino of NC events and the tau-decay neutrinos included (they are invisible in the
detector), so the four-momenta of each event sum to (E_nu + M, 0, 0, E_nu).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from tqdm import tqdm

from attnphys.neutrino import cross_sections, kinematics
from attnphys.neutrino.beam import EVENT_CLASSES, FLAVOUR, Beam
from attnphys.neutrino.hadronise import Hadroniser, string_partons
from attnphys.seeding import generator, pythia_and_detector

LEPTON = {12: (11, 0.00051099895), 14: (13, 0.1056583755), 16: (15, 1.77686)}
PROTON, NEUTRON = 2212, 2112
# (target, outgoing nucleon, pion) charge states of Delta decays, with isospin weights.
RES_CC = {PROTON: [((PROTON, 211), 1.0)], NEUTRON: [((PROTON, 111), 2 / 3), ((NEUTRON, 211), 1 / 3)]}
RES_NC = {PROTON: [((PROTON, 111), 2 / 3), ((NEUTRON, 211), 1 / 3)],
          NEUTRON: [((NEUTRON, 111), 2 / 3), ((PROTON, -211), 1 / 3)]}
# DIS string ends: (struck quark after the interaction, remnant diquark) with weights.
DIS_CC = {PROTON: [((2, 2203), 1.0)], NEUTRON: [((2, 2101), 0.75), ((2, 2103), 0.25)]}
DIS_NC = {PROTON: [((2, 2101), 0.5), ((2, 2103), 1 / 6), ((1, 2203), 1 / 3)],
          NEUTRON: [((1, 2101), 0.5), ((1, 2103), 1 / 6), ((2, 1103), 1 / 3)]}


def _pick(options, rng):
    weights = np.array([w for _, w in options])
    return options[rng.choice(len(options), p=weights / weights.sum())][0]


def generate_class(event_class: str, n: int, beam: Beam, axial_mass: float, rng: np.random.Generator,
                   hadroniser: Hadroniser, first_event: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` events of ``event_class``: (events table, particles table)."""
    cc = event_class != "nc"
    flavour = FLAVOUR[event_class]
    lepton_pid, lepton_mass = LEPTON[flavour] if cc else (flavour, 0.0)
    energy = beam.sample(event_class, n, rng)
    chan = cross_sections.choose_channels(energy, lepton_mass, cc, rng)
    target = np.where(rng.random(n) < 0.5, PROTON, NEUTRON)
    if cc:
        # nu p -> l- p is forbidden (charge): QE on protons becomes QE on neutrons.
        target = np.where(chan == 0, NEUTRON, target)
    q2 = np.zeros(n)
    w = np.zeros(n)
    for index, sampler in enumerate((kinematics.sample_qe, kinematics.sample_res, kinematics.sample_dis)):
        rows = np.flatnonzero(chan == index)
        if not len(rows):
            continue
        args = (energy[rows], lepton_mass) + ((axial_mass,) if index < 2 else ()) + (rng,)
        if index == 0:
            out_nucleon = PROTON if cc else None
            masses = np.array([hadroniser.mass(out_nucleon or t) for t in target[rows]])
            out = sampler(*args, nucleon_mass=masses)
        else:
            out = sampler(*args)
        q2[rows], w[rows] = out["q2"], out["w"]
    lepton, hadrons = kinematics.lepton_and_hadrons(energy, lepton_mass, q2, w, rng)
    beam4 = np.stack([energy, 0 * energy, 0 * energy, energy], axis=1)
    transfer = beam4 - lepton

    particles: list[tuple[int, int, np.ndarray]] = []
    for i in tqdm(range(n), desc=f"{event_class} events", mininterval=2.0, disable=n < 200):
        ev = first_event + i
        final: list[tuple[int, np.ndarray]] = []
        pythia_in: list[tuple[int, int, int, np.ndarray]] = []
        if lepton_pid == 15:
            pythia_in.append((15, 0, 0, lepton[i]))
        else:
            final.append((lepton_pid, lepton[i]))
        tgt = int(target[i])
        if chan[i] == 0:
            final.append((tgt if not cc else PROTON, hadrons[i]))
        elif chan[i] == 1:
            n_pid, pi_pid = _pick((RES_CC if cc else RES_NC)[tgt], rng)
            d1, d2 = kinematics.two_body(hadrons[i][None], np.array([hadroniser.mass(n_pid)]),
                                         np.array([hadroniser.mass(abs(pi_pid))]), rng)
            final += [(n_pid, d1[0]), (pi_pid, d2[0])]
        else:
            quark, diquark = _pick((DIS_CC if cc else DIS_NC)[tgt], rng)
            q4, d4 = string_partons(hadrons[i][None], transfer[i][None],
                                    np.array([hadroniser.mass(quark)]), np.array([hadroniser.mass(diquark)]))
            pythia_in += [(quark, 101, 0, q4[0]), (diquark, 0, 101, d4[0])]
        if pythia_in:
            final += hadroniser.run(pythia_in)
        particles += [(ev, pid, p4) for pid, p4 in final]
    events = pd.DataFrame({
        "event": np.arange(first_event, first_event + n), "event_class": EVENT_CLASSES.index(event_class),
        "flavour": flavour, "cc": cc, "channel": chan, "target": target, "e_nu": energy, "q2": q2, "w": w,
        "y": (energy - lepton[:, 0]) / energy,
    })
    table = np.array([p4 for _, _, p4 in particles]).reshape(-1, 4)
    parts = pd.DataFrame({
        "event": np.array([e for e, _, _ in particles], dtype=np.int64),
        "pid": np.array([p for _, p, _ in particles], dtype=np.int64),
        "e": table[:, 0], "px": table[:, 1], "py": table[:, 2], "pz": table[:, 3],
    })
    return events, parts


def generate(n_per_class: int, beam: Beam, axial_mass: float, seed: int,
             classes: tuple[str, ...] = EVENT_CLASSES, chunk: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n_per_class`` events of every class of simulation chunk ``chunk``: interactions from
    the stream ("neutrino", "interactions", chunk), Pythia from ("neutrino", "simulate", chunk)."""
    rng = generator(seed, "neutrino", "interactions", chunk)
    hadroniser = Hadroniser(pythia_and_detector(seed, "neutrino", "simulate", chunk)[0])
    events, particles = [], []
    for k, name in enumerate(classes):
        ev, parts = generate_class(name, n_per_class, beam, axial_mass, rng, hadroniser, first_event=k * n_per_class)
        events.append(ev)
        particles.append(parts)
    return pd.concat(events, ignore_index=True), pd.concat(particles, ignore_index=True)
