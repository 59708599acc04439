"""ATLAS-like calorimeter towers, modelled on the Delphes ATLAS card (``delphes_card_ATLAS.tcl``).

``make_towers(particles, n_events, rng) -> ak.Array`` turns the final-state particles of
a whole batch of events into calorimeter towers in one vectorised pass (numpy sorting and
bin counting; no Python loop over particles or events). Generic: any caller with
final-state four-momenta (jets area: large-R jets; SPANet area: R = 0.4 jets) uses it.

Input ``particles``: a dict of equally long flat numpy arrays ``event`` (the event's
position, 0..n_events-1), ``pid``, ``px``, ``py``, ``pz``, ``e`` (GeV), as returned by
``attnphys.event_record.final_state``.
Output: ``n_events`` lists (empty where nothing passed) of records with float32 fields
``ET, Eta, Phi, E, Eem, Ehad``, ECAL towers (``Eem = E``, ``Ehad = 0``) and HCAL towers
(``Eem = 0``, ``Ehad = E``) together, as in the Delphes ``Tower`` branch; within an event
ordered by calorimeter (ECAL first), then cell.

Model (Delphes SimpleCalorimeter ECal + HCal, FACTS section 2):

- Energy fractions by |pid|: ECAL takes e, gamma, pi0 fully and K0S, Lambda 30 %; HCAL
  takes every other hadron fully and K0S, Lambda 70 %; muons and neutrinos leave nothing.
- Cells: ECAL 0.0174 in eta x 1 degree in phi for |eta| < 2.958, then 0.175-wide (last
  0.3) x 10 degree cells to |eta| 5; HCAL 0.1 x 10 degrees for |eta| < 2.5, then
  0.2 x 20 degrees to |eta| 4.9 (the card's forward HCAL binning, simplified).
  A particle deposits in the cell its momentum direction points at (the magnetic-field
  bending of charged tracks is not modelled).
- Each tower's summed energy is smeared with a log-normal of width sigma(E, eta at the
  cell centre): ECAL sqrt((0.0017 E)^2 + 0.101^2 E) for |eta| <= 3.2,
  sqrt((0.035 E)^2 + 0.285^2 E) to 4.9; HCAL sqrt((0.0302 E)^2 + 0.5205^2 E + 1.59^2)
  for |eta| <= 1.7, sqrt((0.05 E)^2 + 0.706^2 E) to 3.2, sqrt((0.0942 E)^2 + 1.0^2 E)
  to 4.9 (sigma = 0 beyond).
- A tower survives if its smeared energy is at least EnergyMin (ECAL 0.5 GeV, HCAL 1 GeV)
  and at least EnergySignificanceMin = 2 times sigma at the smeared energy.
- The tower direction is drawn uniformly inside its cell (SmearTowerCenter = true, the
  stock card), or is the cell centre (``smear_centres=False``: SmearTowerCenter = false, where a
  cell reports its own position, as in the ATLAS card for 1 TeV jets of the extreme-jet
  authors' group, github.com/alexxromero/MGPythiaDelphes_gpatlas,
  ``cards/delphes_card_ATLAS_1000GeV.tcl``);
  ``ET = E / cosh(Eta)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np

from attnphys.kinematics import pt_eta_phi


@dataclass(frozen=True)
class CellGrid:
    """Eta bin edges and the number of equal phi bins in each eta bin."""

    eta_edges: np.ndarray
    n_phi: np.ndarray

    @classmethod
    def from_regions(cls, regions: list[tuple[np.ndarray, int]]) -> CellGrid:
        """Regions of (ascending eta edges, phi bins), each sharing its end edge with the next."""
        edges = [regions[0][0][:1]]
        n_phi = []
        for region_edges, phi_bins in regions:
            edges.append(region_edges[1:])
            n_phi.append(np.full(len(region_edges) - 1, phi_bins))
        return cls(np.concatenate(edges), np.concatenate(n_phi))


_ECAL_FINE = np.round(np.arange(-170, 171) * 0.0174, 6)
_ECAL_FORWARD = np.array([2.958, 3.125, 3.3, 3.475, 3.65, 3.825, 4.0, 4.175, 4.35, 4.525, 4.7, 5.0])
_HCAL_FINE = np.round(np.arange(-25, 26) * 0.1, 6)
_HCAL_FORWARD = np.round(np.arange(2.5, 4.95, 0.2), 6)

ECAL_GRID = CellGrid.from_regions(
    [(-_ECAL_FORWARD[::-1], 36), (_ECAL_FINE, 360), (_ECAL_FORWARD, 36)]
)
HCAL_GRID = CellGrid.from_regions(
    [(-_HCAL_FORWARD[::-1], 18), (_HCAL_FINE, 36), (_HCAL_FORWARD, 18)]
)


@dataclass(frozen=True)
class Calorimeter:
    """One calorimeter: its cells, energy fractions, thresholds and resolution."""

    name: str
    grid: CellGrid
    default_fraction: float
    fractions: dict[int, float]
    energy_min: float
    significance_min: float

    def fraction(self, pid: np.ndarray) -> np.ndarray:
        apid = np.abs(pid)
        out = np.full(len(pid), self.default_fraction)
        for code, frac in self.fractions.items():
            out[apid == code] = frac
        return out

    def sigma(self, energy: np.ndarray, abs_eta: np.ndarray) -> np.ndarray:
        if self.name == "ECAL":
            return np.select(
                [abs_eta <= 3.2, abs_eta <= 4.9],
                [
                    np.sqrt((0.0017 * energy) ** 2 + 0.101**2 * energy),
                    np.sqrt((0.035 * energy) ** 2 + 0.285**2 * energy),
                ],
                0.0,
            )
        return np.select(
            [abs_eta <= 1.7, abs_eta <= 3.2, abs_eta <= 4.9],
            [
                np.sqrt((0.0302 * energy) ** 2 + 0.5205**2 * energy + 1.59**2),
                np.sqrt((0.05 * energy) ** 2 + 0.706**2 * energy),
                np.sqrt((0.0942 * energy) ** 2 + 1.0**2 * energy),
            ],
            0.0,
        )


_INVISIBLE = {12: 0.0, 13: 0.0, 14: 0.0, 16: 0.0, 1000022: 0.0}
ECAL = Calorimeter(
    "ECAL", ECAL_GRID, 0.0, {11: 1.0, 22: 1.0, 111: 1.0, 310: 0.3, 3122: 0.3, **_INVISIBLE}, 0.5, 2.0
)
HCAL = Calorimeter(
    "HCAL", HCAL_GRID, 1.0, {11: 0.0, 22: 0.0, 111: 0.0, 310: 0.7, 3122: 0.7, **_INVISIBLE}, 1.0, 2.0
)
CALORIMETERS = (ECAL, HCAL)
# Granularity study: the HCAL read out with the ECAL's cells (0.0174 x 1 degree), same
# energy fractions, thresholds and resolution.
FINE_CALORIMETERS = (ECAL, Calorimeter("HCAL", ECAL_GRID, HCAL.default_fraction, HCAL.fractions,
                                       HCAL.energy_min, HCAL.significance_min))
_MAX_PHI = 360  # phi bins in the finest region; cell id = eta bin * _MAX_PHI + phi bin
TOWER_FIELDS = ("ET", "Eta", "Phi", "E", "Eem", "Ehad")


def _log_normal(mean: np.ndarray, sigma: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Log-normal draws with the given mean and standard deviation (sigma = 0: no smearing)."""
    b = np.sqrt(np.log1p((sigma / mean) ** 2))
    return mean * np.exp(b * rng.standard_normal(len(mean)) - 0.5 * b**2)


def make_towers(particles: dict[str, np.ndarray], n_events: int, rng: np.random.Generator,
                calorimeters: tuple[Calorimeter, ...] = CALORIMETERS,
                smear_centres: bool = True) -> ak.Array:
    """ECAL and HCAL towers of every event from its final-state particles (see module doc).

    ``smear_centres=False`` puts every tower at its cell's centre (Delphes' SmearTowerCenter
    = false) and draws no random numbers for the directions.

    ``calorimeters`` replaces the ATLAS-like pair, e.g. by ``FINE_CALORIMETERS`` (an HCAL with
    the ECAL's cells, for granularity studies); every grid must have at most the ECAL's
    number of eta bins and ``_MAX_PHI`` phi bins.
    """
    event = np.asarray(particles["event"], dtype=np.int64)
    if len(event) and (event.min() < 0 or event.max() >= n_events):
        raise ValueError(f"particles['event'] must lie in 0..{n_events - 1}")
    px, py, pz, e = (np.asarray(particles[k], dtype=np.float64) for k in ("px", "py", "pz", "e"))
    pt, eta, phi = pt_eta_phi(px, py, pz)
    moving = pt > 0

    keys, energies = [], []
    n_cells = len(ECAL_GRID.n_phi) * _MAX_PHI
    for index, calo in enumerate(calorimeters):
        deposit = e * calo.fraction(particles["pid"])
        grid = calo.grid
        eta_bin = np.searchsorted(grid.eta_edges, eta, side="right") - 1
        inside = moving & (deposit > 0) & (eta_bin >= 0) & (eta_bin < len(grid.n_phi))
        eta_bin = eta_bin[inside]
        n_phi = grid.n_phi[eta_bin]
        phi_bin = np.minimum(((phi[inside] + np.pi) / (2 * np.pi) * n_phi).astype(np.int64), n_phi - 1)
        keys.append(((event[inside] * 2 + index) * n_cells) + eta_bin * _MAX_PHI + phi_bin)
        energies.append(deposit[inside])
    towers, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    energy = np.bincount(inverse, weights=np.concatenate(energies), minlength=len(towers))

    tower_event, rest = np.divmod(towers, 2 * n_cells)
    which, cell = np.divmod(rest, n_cells)
    eta_bin, phi_bin = np.divmod(cell, _MAX_PHI)

    tower_e, tower_eta, tower_phi = (np.zeros(len(towers)) for _ in range(3))
    passed = np.zeros(len(towers), dtype=bool)
    for index, calo in enumerate(calorimeters):
        sel = which == index
        grid = calo.grid
        lo, hi = grid.eta_edges[eta_bin[sel]], grid.eta_edges[eta_bin[sel] + 1]
        centre = np.abs(0.5 * (lo + hi))
        true_e = energy[sel]
        smeared = _log_normal(true_e, calo.sigma(true_e, centre), rng)
        tower_e[sel] = smeared
        passed[sel] = (smeared >= calo.energy_min) & (
            smeared >= calo.significance_min * calo.sigma(smeared, centre)
        )
        width = 2 * np.pi / grid.n_phi[eta_bin[sel]]
        if smear_centres:
            tower_eta[sel] = rng.uniform(lo, hi)
            tower_phi[sel] = -np.pi + width * (phi_bin[sel] + rng.uniform(0.0, 1.0, sel.sum()))
        else:
            tower_eta[sel] = 0.5 * (lo + hi)
            tower_phi[sel] = -np.pi + width * (phi_bin[sel] + 0.5)

    e_t = tower_e[passed]
    eta_t = tower_eta[passed]
    is_ecal = which[passed] == 0
    f4 = np.float32
    record = ak.zip(
        {
            "ET": (e_t / np.cosh(eta_t)).astype(f4),
            "Eta": eta_t.astype(f4),
            "Phi": tower_phi[passed].astype(f4),
            "E": e_t.astype(f4),
            "Eem": np.where(is_ecal, e_t, 0.0).astype(f4),
            "Ehad": np.where(is_ecal, 0.0, e_t).astype(f4),
        }
    )
    return ak.unflatten(record, np.bincount(tower_event[passed], minlength=n_events))
