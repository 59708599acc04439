"""Beam spectrum, three-flavour oscillation and the energy spectrum of each event class.

The NuMI off-axis nu_mu flux (NOvA, 14 mrad) is described by a log-normal peak at
``peak`` GeV plus an exponential high-energy tail; the far-detector spectra follow from
vacuum oscillation at baseline L (the dominant atmospheric-scale terms; matter effects and
CP violation are left out):

    P(mu->e)   = sin^2(theta23) sin^2(2 theta13) sin^2(Delta),
    P(mu->tau) = cos^4(theta13) sin^2(2 theta23) sin^2(Delta),   Delta = 1.267 dm2 L / E

(dm2 in eV^2, L in km, E in GeV). Each class is sampled from its flux times its
cross-section (:mod:`attnphys.neutrino.cross_sections`); classes are generated in equal
numbers, as classifiers are trained on balanced samples (NOvA trains CVN on them too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attnphys.neutrino import cross_sections

EVENT_CLASSES = ("numu_cc", "nue_cc", "nutau_cc", "nc")
FLAVOUR = {"numu_cc": 14, "nue_cc": 12, "nutau_cc": 16, "nc": 14}


@dataclass(frozen=True)
class Beam:
    """Flux shape and oscillation parameters (config ``neutrino.beam``)."""

    peak: float = 2.0  # GeV
    width: float = 0.25  # log-normal sigma of ln E
    tail_fraction: float = 0.05
    tail_scale: float = 3.0  # GeV
    beam_nue_fraction: float = 0.01
    baseline_km: float = 810.0
    dm2_32: float = 2.45e-3  # eV^2
    sin2_theta23: float = 0.55
    sin2_2theta13: float = 0.085

    def flux(self, energy: np.ndarray) -> np.ndarray:
        """Unoscillated nu_mu flux shape (arbitrary units) at ``energy`` GeV."""
        e = np.asarray(energy, dtype=float)
        mu = np.log(self.peak) + self.width**2  # mode of the log-normal at `peak`
        peak = np.exp(-((np.log(e) - mu) ** 2) / (2 * self.width**2)) / e
        tail = np.exp(-e / self.tail_scale) / self.tail_scale
        return (1 - self.tail_fraction) * peak / (self.width * np.sqrt(2 * np.pi)) + self.tail_fraction * tail

    def oscillation(self, energy: np.ndarray) -> dict[str, np.ndarray]:
        """P(mu->mu), P(mu->e), P(mu->tau) at ``energy`` GeV."""
        phase = np.sin(1.267 * self.dm2_32 * self.baseline_km / np.asarray(energy)) ** 2
        s13 = self.sin2_2theta13
        cos4_13 = ((1 + np.sqrt(1 - s13)) / 2) ** 2
        p_e = self.sin2_theta23 * s13 * phase
        p_tau = cos4_13 * 4 * self.sin2_theta23 * (1 - self.sin2_theta23) * phase
        return {"mumu": 1 - p_e - p_tau, "mue": p_e, "mutau": p_tau}

    def class_spectrum(self, event_class: str, energy: np.ndarray) -> np.ndarray:
        """Rate shape (flux x oscillation x cross-section) of ``event_class`` at ``energy``."""
        prob = self.oscillation(energy)
        phi = self.flux(energy)
        if event_class == "numu_cc":
            return phi * prob["mumu"] * cross_sections.total(energy, 0.10566, cc=True)
        if event_class == "nue_cc":
            return phi * (prob["mue"] + self.beam_nue_fraction) * cross_sections.total(energy, 0.000511, cc=True)
        if event_class == "nutau_cc":
            return phi * prob["mutau"] * cross_sections.total(energy, 1.77686, cc=True)
        if event_class == "nc":
            return phi * cross_sections.total(energy, 0.0, cc=False)
        raise ValueError(f"unknown event class {event_class!r} (known: {EVENT_CLASSES})")

    def sample(self, event_class: str, n: int, rng: np.random.Generator, e_max: float = 20.0) -> np.ndarray:
        """``n`` neutrino energies (GeV) of ``event_class`` by inverse transform on a fine grid."""
        grid = np.linspace(0.05, e_max, 8000)
        pdf = self.class_spectrum(event_class, grid)
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(grid))])
        if cdf[-1] <= 0:
            raise ValueError(f"beam: no {event_class} events below {e_max} GeV")
        return np.interp(rng.random(n) * cdf[-1], cdf, grid)
