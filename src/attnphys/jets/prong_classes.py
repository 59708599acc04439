"""The seven prong classes of extreme-jet tagging and the Pythia 8 settings that make them.

Classes (label = position in ``CLASS_NAMES``): ``"1", "2", "3", "4b", "4q", "6", "8"``.
All run at 13 TeV with Pythia's default tune, ISR, FSR, MPI and hadronisation on, and a
hard-scattering window ``pTHat`` in [900, 1400] GeV so that the leading large-R jet falls
in the 1000-1200 GeV pT window with margin for out-of-cone radiation.

Signal classes: a resonance X recoils against a hard parton (``HiggsBSM:gg2H2g(l:t)``,
``qg2H2q(l:t)``, ``qqbar2H2g(l:t)``, X = ``H2``, pid 35), or, for class 3, X = a heavy
top-like quark (pid 6) from ``Top:gg2ttbar``/``qqbar2ttbar`` (two candidates per event).
The mass of X is drawn event by event from a forced, very wide Breit-Wigner cut to
``mMin = 300``, ``mMax = 700`` (no re-initialisation per event). Measured at parton level
(3000 events, 50 GeV bins): H2 with ``m0 = 1200``, ``mWidth = 1000`` is flat within
about 20 % (smallest/largest bin 0.80-0.84 for every H2 class); the top-like class 3
with ``m0 = 600``, ``mWidth = 800`` is a broad hump (smallest/largest bin about 0.5,
lowest at 300 GeV: with two heavy tops no single Breit-Wigner is flatter). The dataset
stage flattens mass and pT exactly by accept-reject.

Decay chains. The paper (arXiv:2202.00723) names the final states but its text was not
retrievable here, so intermediate states take their Standard-Model masses (the most standard
choice; docs/jets_study.md measures the effect). Below
a chain's on-shell threshold (X -> t tbar needs m_X > 345 GeV, h -> W W needs 161 GeV)
Pythia's resonance decays sample off-shell intermediate masses from their Breit-Wigner
shapes, as it does for the SM Higgs boson's h -> W W*:

- ``1``: QCD dijets (``HardQCD:all``); the hard partons are the two outgoing partons.
- ``2``: X -> q qbar, q = d, u, s, c, b with equal branching ratios (fixed, ``meMode
  100``; Pythia's own H2 ratios would give nearly only b, whose semileptonic decays cost
  jet pT).
- ``3``: t -> b W, W -> q qbar' (light), with the top mass itself spread over 300-700 GeV.
- ``4b``: X -> h h, h -> b bbar (m_h = 125 GeV).
- ``4q``: X -> W+ W-, W -> q qbar' (light; m_W = 80.4 GeV).
- ``6``: X -> t tbar, t -> b W, W -> q qbar' (m_t = 172.5 GeV).
- ``8``: X -> h h, h -> W W*, W -> q qbar' (m_h = 125 GeV, m_W = 80.385 GeV).

Until this choice the pipeline lowered the masses so every chain was on shell at 300 GeV
(6: m_t = 140; 8: m_h = 145, m_W = 65): the study variant ``pipeline`` of
``attnphys.jets.study.physics_study`` keeps those definitions for comparison.

Light W decays are d, u, s, c combinations (Pythia's W -> b channels are off by default).
"""

from __future__ import annotations

from dataclasses import dataclass

CLASS_NAMES: tuple[str, ...] = ("1", "2", "3", "4b", "4q", "6", "8")

COMMON = (
    "Beams:eCM = 13000.",
    "PhaseSpace:pTHatMin = 900.",
    "PhaseSpace:pTHatMax = 1400.",
)

# m_X spread: forced wide Breit-Wigner cut to the 300-700 GeV window.
MASS_RANGE = (300.0, 700.0)


def _wide_mass(pid: int, m0: float, width: float) -> tuple[str, ...]:
    lo, hi = MASS_RANGE
    return (f"{pid}:m0 = {m0}", f"{pid}:mWidth = {width}", f"{pid}:doForceWidth = on",
            f"{pid}:mMin = {lo}", f"{pid}:mMax = {hi}")  # fmt: skip


H2_PRODUCTION = (
    "Higgs:useBSM = on",
    "HiggsBSM:gg2H2g(l:t) = on",
    "HiggsBSM:qg2H2q(l:t) = on",
    "HiggsBSM:qqbar2H2g(l:t) = on",
    *_wide_mass(35, 1200.0, 1000.0),
    "35:onMode = off",
)

LIGHT_W = ("24:onMode = off", "24:onIfAny = 1 2 3 4")


@dataclass(frozen=True)
class ProngClass:
    """One prong class: its label, hard-parton count, resonance pid and Pythia settings."""

    name: str
    label: int
    n_partons: int
    resonance: int | None  # pid of X (None for QCD: the hard partons are the outgoing ones)
    settings: tuple[str, ...]
    chain: str


_DEFINITIONS = {
    "1": (1, None, ("HardQCD:all = on",), "QCD 2 -> 2 (one hard parton per jet)"),
    "2": (
        2,
        35,
        (
            *H2_PRODUCTION,
            # H2 decay channels 0-4 are d u s c b pairs (gg stays in the table: it sets gg -> H2)
            *(f"35:{ch}:{key}" for ch in range(5) for key in ("onMode = 1", "bRatio = 0.2", "meMode = 100")),
        ),
        "X -> q qbar, q = d u s c b equally",
    ),
    "3": (
        3,
        6,
        (
            "Top:gg2ttbar = on",
            "Top:qqbar2ttbar = on",
            *_wide_mass(6, 600.0, 800.0),
            *LIGHT_W,
        ),
        "t(300-700) -> b W, W -> q q",
    ),
    "4b": (
        4,
        35,
        (*H2_PRODUCTION, "35:onIfMatch = 25 25", "25:onMode = off", "25:onIfMatch = 5 -5"),
        "X -> h h, h -> b bbar",
    ),
    "4q": (4, 35, (*H2_PRODUCTION, "35:onIfMatch = 24 -24", *LIGHT_W), "X -> W W, W -> q q"),
    "6": (
        6,
        35,
        (*H2_PRODUCTION, "35:onIfMatch = 6 -6", "6:m0 = 172.5", *LIGHT_W),
        "X -> t tbar, t -> b W, W -> q q",
    ),
    "8": (
        8,
        35,
        (
            *H2_PRODUCTION,
            "35:onIfMatch = 25 25",
            "25:m0 = 125.",
            "25:onMode = off",
            "25:onIfMatch = 24 -24",
            "24:m0 = 80.385",
            *LIGHT_W,
        ),
        "X -> h h, h -> W W*, W -> q q",
    ),
}

PRONG_CLASSES: dict[str, ProngClass] = {
    name: ProngClass(name, label, n, pid, COMMON + settings, chain)
    for label, (name, (n, pid, settings, chain)) in enumerate(_DEFINITIONS.items())
}


def prong_class(name: str) -> ProngClass:
    """The class called ``name``; ValueError naming the valid classes otherwise."""
    try:
        return PRONG_CLASSES[name]
    except KeyError:
        raise ValueError(f"unknown prong class {name!r}; expected one of {list(CLASS_NAMES)}") from None
