"""attnphys: physics results of attention-based deep learning as a reproducible pipeline.

Areas: extreme-jet tagging (:mod:`attnphys.jets`), jet-parton matching with SPA-NET
(:mod:`attnphys.spanet`), attention as gating (:mod:`attnphys.gating`) and the neutron-star
equation of state (:mod:`attnphys.neutron_stars`). Shared parts: the detector simulation
(:mod:`attnphys.detector`) and the training engine (:mod:`attnphys.train`).
"""

__version__ = "0.1.0"
