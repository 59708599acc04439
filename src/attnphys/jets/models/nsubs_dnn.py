"""Dense network on the jet mass and 135 N-subjettiness values: the paper's final HL network.

Lu, Romero, Fenton, Whiteson, Baldi, arXiv:2202.00723 v2: "mass + 135 N-subjettiness
observables" (tau_N, N = 1..45, at beta 0.5, 1 and 2) reach 86.90 %, against 84.14 % for the
talk's 17 inputs. The 135 values exist only where the source holds them: the published N-prong
file (``attnphys.jets.paper_dataset``; columns ``split.NSUBS135_COLUMNS``), computed by the
authors' ``alexxromero/Nprong`` dataset_generation/src/calculate_nsubs.cpp.

The architecture is the talk's Mass+HL DNN (``hl_dnn``) on 136 inputs instead of 17:
136 -> 6 x 800 ReLU -> 64 ReLU -> 7 = 3,365,319 parameters. The paper does not state this
network's size; keeping the talk's layers isolates the effect of the 119 extra inputs.
"""

from __future__ import annotations

from attnphys.jets.models.hl_dnn import HLDNN
from attnphys.jets.split import NSUBS135_COLUMNS


class NsubsDNN(HLDNN):
    """``HLDNN`` whose ``hl`` input is the mass and the file's 135 tau_N (``hl_columns``)."""

    hl_columns = NSUBS135_COLUMNS

    def __init__(self, n_features: int, n_classes: int, width: int = 800, depth: int = 6, bottleneck: int = 64) -> None:
        super().__init__(n_features, n_classes, width=width, depth=depth, bottleneck=bottleneck)
