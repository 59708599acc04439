"""Neutron-star equation of state from a few stars' masses and radii.

eos (spectral and piecewise-polytrope EOS tables), tov (TOV solver, M-R curves),
dataset (simulated stars), model and network (set model, training), fit (classical
least-squares inversion), report (summary.csv, report.md), cli (``attnphys neutron-stars``).
"""
