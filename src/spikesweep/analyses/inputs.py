"""The datasets an analysis reads, opened on demand, and :func:`run_analysis`."""

import contextlib
import functools
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from spikesweep.analyses import ANALYSES
from spikesweep.analyses.result import AnalysisResult
from spikesweep.networks.connectivity import load_network
from spikesweep.spikes import SpikeDataset, driven_neurons

__all__ = ["AnalysisInputs", "read_costs", "run_analysis"]


def read_costs(paths, coords: list[dict]) -> pd.DataFrame:
    """Per-run cost from the runs' cost records: wall time (s), of it Brian2's
    run loop (s), and peak RSS (MB).

    ``coords[k]`` holds the coordinates of the run measured in ``paths[k]``.
    """
    rows = []
    for path, run in zip(paths, coords, strict=True):
        record = pd.read_csv(path, sep="\t").iloc[0]
        rows.append(
            {
                **run,
                "wall_s": float(record["s"]),
                # NaN in records written before spikesweep kept the run-loop time
                "simulation_s": float(record.get("simulation_s", np.nan)),
                "max_rss_mb": float(record["max_rss"]),
            }
        )
    return pd.DataFrame(rows)


class AnalysisInputs:
    """A rule's input files, opened on first use (closed with ``stack``).

    ``files`` has attributes named as the keys of
    :data:`~spikesweep.analyses.INPUTS` that an analysis reads (Snakemake's
    ``snakemake.input``): paths for ``spikes``, ``driven`` (of ``spikes.nc``)
    and ``rates``; lists of paths for ``networks``, ``state_runs`` and
    ``costs``. ``cost_coords`` lists the coordinates of the runs of ``costs``.
    """

    def __init__(self, files, cost_coords: list[dict], stack: contextlib.ExitStack):
        self._files, self._cost_coords, self._stack = files, cost_coords, stack

    @functools.cached_property
    def spikes(self) -> SpikeDataset:
        return SpikeDataset.from_xarray(
            self._stack.enter_context(xr.open_dataset(self._files.spikes))
        )

    @functools.cached_property
    def driven(self) -> dict:
        with xr.open_dataset(self._files.driven) as spikes:
            return driven_neurons(spikes)

    @functools.cached_property
    def rates(self) -> xr.DataTree:
        with xr.open_datatree(self._files.rates) as rates:
            return rates.load()

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
        return read_costs(self._files.costs, self._cost_coords)


def run_analysis(name: str, files, parameters: dict, cost_coords=()) -> AnalysisResult:
    """Run analysis ``name`` on a rule's named input ``files`` with its ``parameters``.

    ``parameters`` holds the keywords of the analysis' function (its registry
    entry's ``parameters``, with their config values).
    """
    if name not in ANALYSES:
        raise KeyError(f"Unknown analysis {name!r}; expected one of {sorted(ANALYSES)}.")
    entry = ANALYSES[name]
    with contextlib.ExitStack() as stack:
        data = AnalysisInputs(files, list(cost_coords), stack)
        return entry.function(*(getattr(data, key) for key in entry.inputs), **parameters)
