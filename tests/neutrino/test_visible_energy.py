"""nu_e CC: visible charge proportional to the neutrino energy within the resolution."""

import numpy as np

from attnphys.neutrino.beam import Beam
from attnphys.neutrino.detector import Detector
from attnphys.neutrino.simulate import simulate_chunk

RESOLUTION = 0.25  # relative spread of PE / E_nu for nu_e CC (electron shower + hadrons)


def test_nue_visible_energy_is_proportional():
    events, _ = simulate_chunk(60, Beam(), 1.0, Detector(), seed=9, chunk=0)
    nue = events[events["event_class"] == 1]
    ratio = nue["pe_total"].to_numpy() / nue["e_nu"].to_numpy()
    spread = ratio.std() / ratio.mean()
    assert spread < RESOLUTION
    low = ratio[nue["e_nu"].to_numpy() < np.median(nue["e_nu"])]
    high = ratio[nue["e_nu"].to_numpy() >= np.median(nue["e_nu"])]
    # Same scale below and above the median energy, within three standard errors.
    err = np.hypot(low.std() / np.sqrt(len(low)), high.std() / np.sqrt(len(high)))
    assert abs(low.mean() - high.mean()) < 3 * err + 0.05 * ratio.mean()
