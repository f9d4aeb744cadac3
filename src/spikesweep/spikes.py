"""Spike trains, and their one codec: :class:`SpikeTrains` <-> a CF ragged NetCDF array.

A spike dataset (a run file or ``spikes.nc``) is a CF contiguous ragged array
(CF-1.11, section 9.3.3):

``spike_time (spike)``
    int32 time steps with ``scale_factor`` = dt in seconds and ``units: "s"``;
    xarray decodes them to float64 seconds (``step * dt``, bit for bit).
``spike_count (train)``
    spikes per train, ``sample_dimension: "spike"``: train ``k`` owns the
    ``spike_count[k]`` spikes after those of trains ``0 .. k-1``.
``neuron, driven, network, mode, <grid axes>, seed (train)``
    the coordinates of each train (``driven``: 1 if the neuron gets the drive).
``n_neurons`` (global attribute)
    JSON object: the number of neurons of each network in the file.
``v (train, step)``, ``g (train, step)``
    recorded state in mV, in run files that record it (a train per neuron).

The layout is sparse in neurons: a run has a train for each neuron that fired
or was driven, in neuron order; a neuron without a train never fired (a
whole-brain run has 139,000 neurons of which a few hundred fire: a train per
neuron would cost more bytes than the spikes). A run's trains are contiguous.

:class:`SpikeWriter` encodes; :class:`SpikeDataset` decodes (from xarray, as
users open files, or from netCDF4, as collection streams them) into
:class:`SpikeTrains`, so that no reader needs to know the layout.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from spikesweep.study.axes import GRID_AXES, RUN_COORDS

if TYPE_CHECKING:  # datasets are only passed in
    import netCDF4
    import xarray as xr

__all__ = [
    "COMPRESSION",
    "STATE_VARIABLES",
    "TRAIN_COORDS",
    "SpikeDataset",
    "SpikeTrains",
    "SpikeWriter",
    "iter_runs",
    "spike_trains",
    "string_lengths",
    "train_offsets",
]

#: Recorded state variables (mV), where a run records state.
STATE_VARIABLES = ("v", "g")

#: Per-train coordinates of a spike dataset and their NetCDF types.
TRAIN_COORDS = {
    "neuron": np.int32,
    "driven": np.int8,
    "network": str,
    "mode": str,
    **{axis.name: axis.storage_dtype for axis in GRID_AXES},
    "seed": np.int32,
}
COORD_ATTRS = {
    "neuron": {"long_name": "neuron index in the network"},
    "driven": {"long_name": "1 if the neuron receives the Poisson drive, else 0"},
    "network": {"long_name": "network name"},
    "mode": {"long_name": "Poisson input mode"},
    **{axis.name: axis.attrs for axis in GRID_AXES},
    "seed": {"long_name": "random seed (brian2.seed)"},
}
COMPRESSION = {"zlib": True, "complevel": 4, "shuffle": True}


@dataclass(frozen=True, eq=False)
class SpikeTrains:
    """The spikes of one run, sorted by neuron, then time.

    Attributes
    ----------
    neuron : ndarray of int32, shape (n_spikes,)
        Index of the neuron that fired.
    step : ndarray of int32, shape (n_spikes,)
        Time step of the spike; its time is ``step * dt_s`` seconds.
    n_neurons : int
        Size of the network (neurons that never fired included).
    dt_s : float
        Simulation time step in seconds.
    n_steps : int
        Simulated time steps.
    state : dict of str to ndarray, optional
        Recorded ``v`` and ``g`` in mV, float32, shape (n_neurons, n_steps),
        at the start of each step; ``None`` when not recorded.
    driven : ndarray of bool, shape (n_neurons,), optional
        The neurons that received the drive; ``None`` where not known (a
        simulation's output, before it is stored with its run).
    """

    neuron: np.ndarray
    step: np.ndarray
    n_neurons: int
    dt_s: float
    n_steps: int
    state: dict | None = None
    driven: np.ndarray | None = None

    @classmethod
    def from_monitor(
        cls,
        neuron,
        time_s,
        n_neurons: int,
        dt_s: float,
        n_steps: int,
        state_V: dict | None = None,
    ) -> SpikeTrains:
        """Sort a spike monitor's record (neuron indices, times in s) by neuron, then time.

        ``state_V`` maps recorded variables to arrays in volts, shape
        (n_neurons, n_steps); they are stored as float32 mV.
        """
        steps = np.round(np.asarray(time_s) / dt_s).astype(np.int32)
        neuron = np.asarray(neuron, dtype=np.int32)
        order = np.lexsort((steps, neuron))
        state = (
            None
            if state_V is None
            else {
                name: (np.asarray(values) * 1000).astype(np.float32)
                for name, values in state_V.items()
            }
        )
        return cls(neuron[order], steps[order], n_neurons, dt_s, n_steps, state)

    @property
    def counts(self) -> np.ndarray:
        """Spikes per neuron, shape (n_neurons,)."""
        return np.bincount(self.neuron, minlength=self.n_neurons).astype(np.int32)

    @property
    def duration_s(self) -> float:
        """Simulated time in seconds."""
        return self.n_steps * self.dt_s

    def steps_per_neuron(self) -> list[np.ndarray]:
        """Spike steps of each neuron (int32, sorted; empty for silent neurons)."""
        offsets = train_offsets(self.counts)
        return [self.step[offsets[k] : offsets[k + 1]] for k in range(self.n_neurons)]

    def times(self) -> dict[int, np.ndarray]:
        """Spike times per neuron in seconds (float64, sorted; empty for silent neurons)."""
        return {k: steps * self.dt_s for k, steps in enumerate(self.steps_per_neuron())}

    def __eq__(self, other) -> bool:
        """Equal arrays, sizes and state (for round-trip tests)."""
        if not isinstance(other, SpikeTrains):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return np.array_equal(a, b)


def train_offsets(counts: np.ndarray) -> np.ndarray:
    """Start of each train in the ``spike`` dimension, plus the total: shape (n_trains + 1,)."""
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])


def string_lengths(points: Sequence[dict]) -> dict[str, int]:
    """Width in bytes of each string coordinate: its longest value among ``points``."""
    return {
        name: max(len(point[name].encode()) for point in points)
        for name, dtype in TRAIN_COORDS.items()
        if dtype is str
    }


class SpikeWriter:
    """Append runs of spike trains to a ragged-array NetCDF file.

    String coordinates (``network``, ``mode``) are fixed-width character arrays
    (CF's ``char`` with ``_Encoding``; xarray decodes them to strings), so that
    they compress: a variable-length string costs tens of bytes per train,
    which for a 139,000-neuron network is more than its spikes.
    ``string_lengths`` gives their widths in bytes (the longest value written),
    ``n_neurons`` the size of each network written, ``expected`` the number of
    trains and spikes to come (chunks are no larger: a chunk's fill is stored).
    """

    def __init__(
        self,
        dataset: netCDF4.Dataset,
        dt_s: float,
        duration_s: float,
        attrs: dict,
        string_lengths: dict[str, int],
        n_neurons: dict[str, int],
        expected: tuple[int, int],
    ):
        trains, spikes = (max(1, min(n, 1 << 16)) for n in expected)
        self._ds = dataset
        dataset.setncatts(
            {
                "Conventions": "CF-1.11",
                "featureType": "timeSeries",
                "duration_s": duration_s,
                "n_neurons": json.dumps(n_neurons, sort_keys=True),
            }
        )
        dataset.setncatts(attrs)
        dataset.createDimension("spike", None)
        dataset.createDimension("train", None)
        time_var = dataset.createVariable(
            "spike_time", np.int32, ("spike",), chunksizes=(spikes,), **COMPRESSION
        )
        time_var.setncatts(
            {"long_name": "spike time", "units": "s", "scale_factor": np.float64(dt_s)}
        )
        count = dataset.createVariable(
            "spike_count", np.int32, ("train",), chunksizes=(trains,), **COMPRESSION
        )
        count.setncatts(
            {
                "long_name": "number of spikes in the train",
                "sample_dimension": "spike",
                "coordinates": " ".join(TRAIN_COORDS),
            }
        )
        for name, dtype in TRAIN_COORDS.items():
            if dtype is str:
                width = f"{name}_strlen"
                dataset.createDimension(width, max(string_lengths[name], 1))
                var = dataset.createVariable(
                    name, "S1", ("train", width), chunksizes=(trains, 1), **COMPRESSION
                )
                var.setncatts({**COORD_ATTRS[name], "_Encoding": "utf-8"})
                var.set_auto_chartostring(False)  # we write (train, width) bytes
            else:
                var = dataset.createVariable(
                    name, dtype, ("train",), chunksizes=(trains,), **COMPRESSION
                )
                var.setncatts(COORD_ATTRS[name])
        dataset.set_auto_maskandscale(False)  # we write raw int32 steps

    def append(self, steps: np.ndarray, counts: np.ndarray, coords: dict) -> None:
        """Append trains: ``steps`` (int32, concatenated trains), ``counts`` per train.

        ``coords`` maps each of :data:`TRAIN_COORDS` to one value per train or
        to a scalar shared by all of them.
        """
        ds = self._ds
        first_spike, first_train = len(ds.dimensions["spike"]), len(ds.dimensions["train"])
        n_trains = len(counts)
        ds["spike_time"][first_spike : first_spike + len(steps)] = steps
        ds["spike_count"][first_train : first_train + n_trains] = counts
        for name, dtype in TRAIN_COORDS.items():
            values = np.asarray(coords[name])
            if dtype is str:  # encoded before broadcasting: a run's value once
                width = len(ds.dimensions[f"{name}_strlen"])
                encoded = np.char.encode(values.astype(str)).astype(f"S{width}")
                values = np.ascontiguousarray(np.broadcast_to(encoded, (n_trains,)))
                values = values.view("S1").reshape(n_trains, width)
            else:
                values = np.broadcast_to(values, (n_trains,))
            ds[name][first_train : first_train + n_trains] = values.astype(
                "S1" if dtype is str else dtype
            )

    def append_run(self, trains: SpikeTrains, coords: dict) -> None:
        """Append one run's trains: a train per neuron that fired or was driven, or
        per neuron where state was recorded (then also written, as ``name (train, step)``).

        ``coords`` holds the run's :data:`~spikesweep.study.axes.RUN_COORDS`;
        ``trains.driven`` must be known.
        """
        counts = trains.counts
        recorded = (
            np.arange(trains.n_neurons)
            if trains.state
            else np.flatnonzero((counts > 0) | trains.driven)
        )
        self.append(
            trains.step,
            counts[recorded],
            {**coords, "neuron": recorded, "driven": trains.driven[recorded].astype(np.int8)},
        )
        if trains.state:
            self._ds.createDimension("step", trains.n_steps)
            for name, values in trains.state.items():
                var = self._ds.createVariable(
                    name,
                    np.float32,
                    ("train", "step"),
                    chunksizes=(1, trains.n_steps),
                    **COMPRESSION,
                )
                var.setncatts(
                    {"long_name": f"{name} at the start of each time step", "units": "mV"}
                )
                var[:] = values


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


class SpikeDataset:
    """The decoded view of a spike dataset: its trains' coordinates, runs and spikes.

    Build it with :meth:`from_xarray` (a dataset opened with
    ``xarray.open_dataset``) or :meth:`from_netcdf4` (streaming collection).
    Spikes are read run by run, on demand.

    Attributes
    ----------
    coords : dict of str to ndarray
        Each of :data:`TRAIN_COORDS`, one value per train.
    counts : ndarray of int
        Spikes per train.
    dt_s, duration_s : float
        Time step and simulated time (s).
    n_neurons : dict of str to int
        Size of each network in the dataset.
    """

    def __init__(
        self,
        coords: dict[str, np.ndarray],
        counts: np.ndarray,
        read: Callable[[str, int, int], np.ndarray],
        dt_s: float,
        duration_s: float,
        n_neurons: dict[str, int],
        state_variables: tuple[str, ...] = (),
    ):
        self.coords, self.counts = coords, counts
        self.dt_s, self.duration_s, self.n_neurons = dt_s, duration_s, n_neurons
        self._read, self._state_variables = read, state_variables
        self.offsets = train_offsets(counts)

    def __repr__(self) -> str:
        return f"<SpikeDataset: {len(self.counts)} trains, {self.offsets[-1]} spikes>"

    @classmethod
    def from_xarray(cls, spikes: xr.Dataset) -> SpikeDataset:
        """Decode a dataset opened with xarray (``spike_time`` in seconds)."""
        dt_s = float(spikes["spike_time"].encoding["scale_factor"])

        def read(name, start, stop):
            values = spikes[name][start:stop].values
            return np.rint(values / dt_s).astype(np.int32) if name == "spike_time" else values

        return cls(
            {name: spikes[name].values for name in TRAIN_COORDS},
            spikes["spike_count"].values,
            read,
            dt_s,
            float(spikes.attrs["duration_s"]),
            json.loads(spikes.attrs["n_neurons"]),
            tuple(name for name in STATE_VARIABLES if name in spikes),
        )

    @classmethod
    def from_netcdf4(cls, dataset: netCDF4.Dataset) -> SpikeDataset:
        """Decode an open ``netCDF4.Dataset`` (raw int32 steps)."""
        dataset.set_auto_maskandscale(False)
        return cls(
            {name: dataset[name][:] for name in TRAIN_COORDS},
            dataset["spike_count"][:],
            lambda name, start, stop: dataset[name][start:stop],
            float(dataset["spike_time"].scale_factor),
            float(dataset.duration_s),
            json.loads(dataset.n_neurons),
            tuple(name for name in STATE_VARIABLES if name in dataset.variables),
        )

    def run_rows(self) -> Iterator[tuple[dict, slice]]:
        """Yield ``(coords, rows)`` for each run: its :data:`RUN_COORDS` and its trains."""
        keys = list(zip(*(self.coords[name] for name in RUN_COORDS), strict=True))
        first = 0
        for k in range(1, len(keys) + 1):
            if k < len(keys) and keys[k] == keys[first]:
                continue
            yield (
                {name: _plain(v) for name, v in zip(RUN_COORDS, keys[first], strict=True)},
                (slice(first, k)),
            )
            first = k

    def steps(self, rows: slice) -> np.ndarray:
        """The concatenated spike steps (int32) of trains ``rows``."""
        return np.asarray(
            self._read("spike_time", self.offsets[rows.start], self.offsets[rows.stop])
        )

    def decode(self, rows: slice) -> SpikeTrains:
        """The :class:`SpikeTrains` of the run whose trains are ``rows``."""
        network = str(self.coords["network"][rows.start])
        n_neurons = self.n_neurons[network]
        counts = self.counts[rows]
        neurons = self.coords["neuron"][rows]
        driven = np.zeros(n_neurons, dtype=bool)
        driven[neurons[self.coords["driven"][rows] == 1]] = True
        state = None
        if self._state_variables:
            state = {
                name: np.asarray(self._read(name, rows.start, rows.stop))
                for name in self._state_variables
            }
        return SpikeTrains(
            neuron=np.repeat(neurons, counts).astype(np.int32),
            step=self.steps(rows),
            n_neurons=n_neurons,
            dt_s=self.dt_s,
            n_steps=round(self.duration_s / self.dt_s),
            state=state,
            driven=driven,
        )

    def __iter__(self) -> Iterator[tuple[dict, SpikeTrains]]:
        """Yield ``(coords, trains)`` for each run, in file order."""
        for coords, rows in self.run_rows():
            yield coords, self.decode(rows)

    def matching(self, **selection) -> np.ndarray:
        """Which trains have the coordinates of ``selection``: boolean, shape (n_trains,)."""
        unknown = set(selection) - set(RUN_COORDS)
        if unknown:
            raise TypeError(f"Unknown coordinates {sorted(unknown)}; select by {RUN_COORDS}.")
        mask = np.ones(len(self.counts), dtype=bool)
        for name, value in selection.items():
            mask &= self.coords[name] == value
        return mask

    def select(self, **selection) -> SpikeTrains:
        """The one run whose coordinates match ``selection`` (see :func:`spike_trains`)."""
        mask = self.matching(**selection)
        if not mask.any():
            raise KeyError(f"No run matches {selection}; use iter_runs() to list the runs.")
        picked = {
            name: np.unique(self.coords[name][mask]).tolist()
            for name in RUN_COORDS
            if name not in selection
        }
        ambiguous = {name: values for name, values in picked.items() if len(values) > 1}
        if ambiguous:
            raise ValueError(
                f"{selection} matches several runs; also select {sorted(ambiguous)} "
                f"(values present: {ambiguous})."
            )
        first, last = np.flatnonzero(mask)[[0, -1]]
        return self.decode(slice(first, last + 1))


def iter_runs(spikes: xr.Dataset) -> Iterator[tuple[dict, dict[int, np.ndarray]]]:
    """Yield ``(coords, trains)`` for each run in a spike dataset.

    ``coords`` maps :data:`~spikesweep.study.axes.RUN_COORDS` to the run's
    values; ``trains`` maps each neuron index to its spike times in seconds
    (float64, sorted).
    """
    for coords, trains in SpikeDataset.from_xarray(spikes):
        yield coords, trains.times()


def spike_trains(spikes: xr.Dataset, **selection) -> dict[int, np.ndarray]:
    """Spike times per neuron of the one run that ``selection`` picks.

    Parameters
    ----------
    spikes : xarray.Dataset
        A run file or ``spikes.nc``, opened with ``xarray.open_dataset``.
    **selection
        Run coordinates (``network``, ``mode``, each grid axis, ``seed``);
        those that vary in ``spikes`` are required.

    Returns
    -------
    trains : dict of int to ndarray
        Neuron index to its spike times in seconds (float64, sorted).

    Examples
    --------
    >>> spikes = xr.open_dataset("results/forum/spikes.nc")  # doctest: +SKIP
    >>> trains = spike_trains(spikes, network="forum3", mode="per_neuron",
    ...                       rate_hz=150, n_sources=1, weight_mV=68.75, seed=0)  # doctest: +SKIP
    """
    return SpikeDataset.from_xarray(spikes).select(**selection).times()
