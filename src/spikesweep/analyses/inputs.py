"""The datasets an analysis reads, opened on demand, and :func:`run_analysis`."""

import contextlib
import functools
from pathlib import Path

import pandas as pd
import xarray as xr

from spikesweep.analyses import ANALYSES
from spikesweep.analyses.result import AnalysisResult
from spikesweep.engine.batches import COST_COLUMNS
from spikesweep.networks.connectivity import load_network
from spikesweep.spikes import SpikeDataset
from spikesweep.storage import driven_neurons
from spikesweep.study.axes import GRID_AXES

__all__ = ["AnalysisInputs", "read_costs", "run_analysis"]


def read_costs(paths) -> pd.DataFrame:
    """Per-run cost from the batches' cost tables: the run's coordinates, wall time
    (``wall_s``), of it Brian2's run loop (``simulation_s``), and peak RSS
    (``max_rss_mb``)."""
    names = ["network", "mode", *(axis.name for axis in GRID_AXES if axis.dtype is str)]
    tables = [pd.read_csv(path, sep="\t", dtype=dict.fromkeys(names, str)) for path in paths]
    costs = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=COST_COLUMNS)
    return costs.rename(columns={"s": "wall_s", "max_rss": "max_rss_mb"})


class AnalysisInputs:
    """A rule's input files, opened on first use (closed with ``stack``).

    ``files`` has attributes named as the keys of
    :data:`~spikesweep.analyses.INPUTS` that an analysis reads (Snakemake's
    ``snakemake.input``): paths for ``spikes``, and ``driven`` and ``rates``
    (of ``rates.nc``); lists of paths for ``networks``, ``state_runs`` and
    ``costs`` (the batches' cost tables).
    """

    def __init__(self, files, stack: contextlib.ExitStack):
        self._files, self._stack = files, stack

    @functools.cached_property
    def spikes(self) -> SpikeDataset:
        return SpikeDataset.from_xarray(
            self._stack.enter_context(xr.open_dataset(self._files.spikes))
        )

    @functools.cached_property
    def driven(self) -> dict:
        with xr.open_datatree(self._files.driven) as rates:
            return driven_neurons(rates)

    @functools.cached_property
    def rates(self) -> xr.DataTree:
        # read on access: a screen's analyses hold one experiment at a time, not the study
        return self._stack.enter_context(xr.open_datatree(self._files.rates))

    @functools.cached_property
    def networks(self) -> dict:
        return {Path(path).stem: load_network(path) for path in self._files.networks}

    @functools.cached_property
    def state_runs(self) -> list:
        runs = []
        for path in self._files.state_runs:
            with xr.open_dataset(path) as run:
                runs.extend(SpikeDataset.from_xarray(run.load()))
        return runs

    @functools.cached_property
    def costs(self) -> pd.DataFrame:
        return read_costs(self._files.costs)


def run_analysis(name: str, files, parameters: dict) -> AnalysisResult:
    """Run analysis ``name`` on a rule's named input ``files`` with its ``parameters``.

    ``parameters`` holds the keywords of the analysis' function (its registry
    entry's ``parameters``, with their config values).
    """
    if name not in ANALYSES:
        raise KeyError(f"Unknown analysis {name!r}; expected one of {sorted(ANALYSES)}.")
    entry = ANALYSES[name]
    with contextlib.ExitStack() as stack:
        data = AnalysisInputs(files, stack)
        return entry.function(*(getattr(data, key) for key in entry.inputs), **parameters)
