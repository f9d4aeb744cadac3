"""spikesweep: parameter studies of Poisson-driven spiking networks in Brian2.

The library is layered; each layer imports only those below it (import-linter
checks it, see ``pyproject.toml``), from the top:

report
    Figures, ``answers.md`` and tables, from stored results only.
analyses
    The registry of analyses and each analysis, a verdict with controls.
engine
    Runs simulated by Brian2 (runtime or compiled once per structure), in
    batches that survive interruption.
model
    The Brian2 objects of a run: the LIF network and its Poisson drive.
storage
    Run files, their collection into ``spikes.nc`` and ``rates.nc``, provenance.
exchange
    Spike trains as Neo objects (for Elephant) and NWB files.
spikes
    :class:`~spikesweep.spikes.SpikeTrains` and their one NetCDF codec.
study
    A config checked and expanded into runs; the swept axes, defined once.
networks
    Connectivity from inline, random, file and FlyWire sources; generators.
errors, files
    The exceptions for bad input; atomic file writes.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
