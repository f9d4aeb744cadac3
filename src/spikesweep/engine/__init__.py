"""The engine: runs of a study, simulated by Brian2, in batches that survive interruption.

Modules
-------
plan
    Batches: the runs of one structure (one compiled program) cut into jobs.
runtime
    Brian2's runtime targets (cython, numpy): a run simulated in process.
standalone
    Brian2's cpp_standalone: compile a structure once, run a batch's runs in one
    process of the program.
batches
    One job's runs, each written as soon as it is done and kept across a kill.
locks
    Resume after a kill: release the locks of a dead Snakemake run.

Both simulators are :data:`Runner` callables: a :class:`~spikesweep.study.runs.Run`
in, its :class:`~spikesweep.spikes.SpikeTrains` and :class:`RunCost` out.
"""

from collections.abc import Callable
from dataclasses import dataclass

from spikesweep.spikes import SpikeTrains
from spikesweep.study.runs import Run

__all__ = ["RunCost", "Runner"]


@dataclass(frozen=True)
class RunCost:
    """What one run cost: its wall time (s; in a compiled program, from its values to
    its written spikes, without the program's start), the peak resident memory (MB)
    of the process that ran it, and of the wall time, the seconds in Brian2's run
    loop (Brian2's last run time: the time steps, without building, loading or
    writing)."""

    wall_s: float
    max_rss_mb: float
    simulation_s: float


#: Simulates one run: its spike trains and what it cost.
Runner = Callable[[Run], tuple[SpikeTrains, RunCost]]
