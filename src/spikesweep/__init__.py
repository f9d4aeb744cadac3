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
"""

from importlib.metadata import version

__version__ = version("spikesweep")
__all__ = ["__version__"]
