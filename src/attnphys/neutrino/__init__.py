"""Neutrino event and particle classification in a NOvA-like detector (CVN, TransformerCVN).

Stages: beam + interactions (generate; Pythia for DIS hadrons and tau decays) ->
detector (hits) -> prongs and pixel maps (dataset.h5) -> models (train, evaluate) ->
report. Papers: Shmakov et al., arXiv:2303.06201 (TransformerCVN); Aurisano et al.,
arXiv:1604.01444 (CVN).
"""
