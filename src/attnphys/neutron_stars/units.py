"""Geometrised units of the neutron-star code: G = c = 1, lengths in km.

Masses are then lengths (1 Msun = G Msun / c^2 = 1.4766 km), pressures and energy
densities are km^-2. These constants convert from cgs and back.
"""

from __future__ import annotations

G_CGS = 6.67430e-8  # cm^3 g^-1 s^-2 (CODATA 2018)
C_CGS = 2.99792458e10  # cm s^-1
GM_SUN_CGS = 1.3271244e26  # cm^3 s^-2 (IAU 2015 nominal solar mass parameter)
CM_PER_KM = 1.0e5

KM_PER_MSUN = GM_SUN_CGS / C_CGS**2 / CM_PER_KM
"""One solar mass as a length in km (G Msun / c^2)."""

KM2_PER_G_CM3 = G_CGS / C_CGS**2 * CM_PER_KM**2
"""Mass density in g/cm^3 -> energy density rho c^2 in km^-2."""

KM2_PER_DYN_CM2 = G_CGS / C_CGS**4 * CM_PER_KM**2
"""Pressure in dyn/cm^2 -> km^-2."""
