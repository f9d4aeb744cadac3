"""spikesweep: parameter studies of Poisson-driven spiking networks in Brian2.

Modules
-------
config
    Semantic checks of a study's config, units, and the runs its sweeps imply.
networks
    Connectivity matrices from inline, random or file sources.
simulate
    One Brian2 simulation of a grid point.
storage
    NetCDF spike trains and rates: writing, collecting, reading back.
theory
    Analytic predictions (the dead-time rate of suprathreshold drive).
analyses
    The five analyses of the contract, each a verdict with controls.
answers
    answers.md: the forum's questions answered from the verdicts.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
