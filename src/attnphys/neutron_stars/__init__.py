"""Neutron-star equation of state from a few stars' masses and radii.

eos (spectral and piecewise-polytrope EOS tables), tov (TOV solver, M-R curves), units;
the stages (``attnphys neutron-stars <stage>``, one module each): dataset (simulated stars),
train (the set model of models.py), predict, fit (classical least-squares inversion),
report (summary.csv, report.md); cli registers them.
"""
