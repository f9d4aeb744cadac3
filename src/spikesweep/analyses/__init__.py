"""Analyses that turn a study's datasets into statistical verdicts.

Each module computes one analysis of the contract (section 6) and returns its
numbers as an :class:`xarray.Dataset` and its verdict as a JSON-able dict with
at least ``analysis``, ``verdict``, ``test``, ``statistic``, ``p_value``,
``alpha``, ``effect_size``, ``controls`` and ``points`` (per grid point).
:func:`run_analysis` reads a rule's input files and runs the analysis it names.
"""

import contextlib
import functools
from pathlib import Path

import xarray as xr

from spikesweep.analyses.equivalence import equivalence, read_costs
from spikesweep.analyses.independence import independence
from spikesweep.analyses.inhibition import inhibition
from spikesweep.analyses.input_scaling import input_scaling
from spikesweep.analyses.propagation import propagation
from spikesweep.networks import load_network
from spikesweep.storage import driven_neurons

__all__ = ["ANALYSES", "run_analysis"]


class _Inputs:
    """A rule's input files, opened on first use (closed with ``stack``)."""

    def __init__(self, files, params, stack: contextlib.ExitStack):
        self._files, self._params, self._stack = files, params, stack

    @functools.cached_property
    def spikes(self) -> xr.Dataset:
        return self._stack.enter_context(xr.open_dataset(self._files.spikes))

    @functools.cached_property
    def driven(self) -> dict:
        return driven_neurons(self.spikes)

    @functools.cached_property
    def rates(self) -> xr.DataTree:
        with xr.open_datatree(self._files.rates) as rates:
            return rates.load()

    @functools.cached_property
    def networks(self) -> dict:
        return {Path(path).stem: load_network(path) for path in self._files.networks}

    @functools.cached_property
    def runs(self) -> list[xr.Dataset]:
        return [xr.load_dataset(path) for path in self._files.runs]

    @functools.cached_property
    def costs(self):
        return read_costs(self._files.costs, self._params.points)


def _independence(data: _Inputs, params) -> tuple:
    return independence(
        data.spikes, data.networks, params.bin_ms, params.alpha, params.transient_ms
    )


def _equivalence(data: _Inputs, params) -> tuple:
    return equivalence(data.rates, data.driven, data.costs, params.alpha)


def _input_scaling(data: _Inputs, params) -> tuple:
    return input_scaling(data.rates, data.driven, params.model, params.dt_ms, params.alpha)


def _propagation(data: _Inputs, params) -> tuple:
    return propagation(data.runs, data.networks, params.delay_ms, params.window_ms, params.alpha)


def _inhibition(data: _Inputs, params) -> tuple:
    return inhibition(data.rates, data.networks, params.alpha)


#: Analysis name -> function of (inputs, params) returning (numbers, summary).
ANALYSES = {
    "independence": _independence,
    "equivalence": _equivalence,
    "input_scaling": _input_scaling,
    "propagation": _propagation,
    "inhibition": _inhibition,
}


def run_analysis(name: str, files, params) -> tuple[xr.Dataset, dict]:
    """Run analysis ``name`` on a rule's named input ``files`` and ``params``.

    ``files`` and ``params`` are attribute containers such as Snakemake's
    ``snakemake.input`` and ``snakemake.params``: inputs are named ``spikes``,
    ``rates``, ``networks``, ``runs`` or ``costs``; parameters as the analysis
    function expects them.
    """
    if name not in ANALYSES:
        raise KeyError(f"Unknown analysis {name!r}; expected one of {sorted(ANALYSES)}.")
    with contextlib.ExitStack() as stack:
        return ANALYSES[name](_Inputs(files, params, stack), params)
