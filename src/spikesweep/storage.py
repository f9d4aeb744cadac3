"""NetCDF storage of spike trains and rates, written atomically and streamed.

Spike trains are a CF contiguous ragged array (CF-1.11, section 9.3.3):

``spike_time (spike)``
    int32 time steps with ``scale_factor`` = dt in seconds and ``units: "s"``;
    xarray decodes them to float64 seconds (``step * dt``, bit for bit).
``spike_count (train)``
    spikes per train, ``sample_dimension: "spike"``: train ``k`` owns the
    ``spike_count[k]`` spikes after those of trains ``0 .. k-1``.
``neuron, driven, network, mode, rate_hz, n_sources, weight_mV, seed (train)``
    the coordinates of each train (``driven``: 1 if the neuron gets the drive).
``n_neurons`` (global attribute)
    JSON object: the number of neurons of each network in the file.

The layout is sparse in neurons: a run has a train for each neuron that fired
or was driven, in neuron order; a neuron without a train never fired. (A
whole-brain run has 139,000 neurons of which a few hundred fire; a train per
neuron would cost more bytes than the spikes.) Where state was recorded, a
run file holds every neuron's train and ``v (train, step)`` and
``g (train, step)`` in mV. ``spikes.nc`` is the concatenation of all run
files' spike trains, one run after the other. ``rates.nc`` holds
one NetCDF4 group per network with ``rate_hz_out (mode, rate_hz, n_sources,
weight_mV, seed, neuron)``, NaN where a combination was not run; open it with
``xarray.open_datatree``.

Use :func:`spike_trains` or :func:`iter_runs` to get every neuron's spike
times (empty for silent neurons) without knowing the layout. Writers stream
with ``netCDF4`` (xarray cannot append to NetCDF), so collecting holds one run
in memory at a time.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import importlib.metadata
import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import netCDF4
import numpy as np

import spikesweep
from spikesweep.config import DRIVE_AXES, config_hash

if TYPE_CHECKING:  # xarray is only passed in: writing a run file stays light
    import xarray as xr

__all__ = [
    "GRID_COORDS",
    "atomic_path",
    "collect",
    "driven_mask",
    "driven_neurons",
    "driven_rates",
    "iter_drives",
    "iter_runs",
    "network_sizes",
    "provenance",
    "run_slices",
    "spike_trains",
    "stored_config_hash",
    "train_offsets",
    "write_analysis",
    "write_run",
]

logger = logging.getLogger(__name__)

#: Per-train grid coordinates, in the order of the contract's run paths.
GRID_COORDS = ("network", "mode", "rate_hz", "n_sources", "weight_mV", "seed")
RATE_DIMS = ("mode", "rate_hz", "n_sources", "weight_mV", "seed", "neuron")
_COORD_TYPES = {
    "neuron": np.int32,
    "driven": np.int8,
    "network": str,
    "mode": str,
    "rate_hz": np.float64,
    "n_sources": np.int32,
    "weight_mV": np.float64,
    "seed": np.int32,
}
_COORD_ATTRS = {
    "neuron": {"long_name": "neuron index in the network"},
    "driven": {"long_name": "1 if the neuron receives the Poisson drive, else 0"},
    "network": {"long_name": "network name"},
    "mode": {"long_name": "Poisson input mode"},
    "rate_hz": {"long_name": "rate of each Poisson source", "units": "Hz"},
    "n_sources": {"long_name": "Poisson sources per driven neuron (PoissonInput N)"},
    "weight_mV": {"long_name": "jump in v per input event", "units": "mV"},
    "seed": {"long_name": "random seed (brian2.seed)"},
}
_COMPRESSION = {"zlib": True, "complevel": 4, "shuffle": True}
#: Free space (bytes) below which a failed write is reported as a full device.
_FULL_BYTES = 1 << 20


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched,
    so a reader never sees a half-written file. A failure on a full device
    (which the HDF5 library reports only as "HDF error") is raised as an
    ``OSError`` with ``errno.ENOSPC`` that names the file. Temporary files that
    a killed writer of ``path`` left behind are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        stale.unlink(missing_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except Exception as error:
        if shutil.disk_usage(path.parent).free < _FULL_BYTES:
            raise OSError(
                errno.ENOSPC,
                f"No space left on the device of {path.parent} while writing {path.name}; "
                "nothing was written. Free some space and rerun the same command",
            ) from error
        raise
    finally:
        tmp.unlink(missing_ok=True)


def _git_commit() -> str:
    root = Path(spikesweep.__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "diff", "--quiet", "HEAD", "--", "src"], check=False
        ).returncode
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def provenance(config: dict, command: str, seed) -> dict:
    """Provenance attributes for a dataset (no wall-clock time: bytes must repeat).

    Parameters
    ----------
    config : dict
        The configuration the data depend on; stored as JSON with its hash.
    command : str
        What created the file (for example ``"snakemake rule simulate"``).
    seed : int or list of int
        The seed(s) of the data.
    """
    attrs = {
        "spikesweep_version": spikesweep.__version__,
        "brian2_version": importlib.metadata.version("brian2"),
        "git_commit": _git_commit(),
        "config_hash": config_hash(config),
        "config": json.dumps(config, sort_keys=True),
        "seed": seed,
        "codegen_target": config.get("codegen_target", "unknown"),
        "command": command,
    }
    if "SLURM_JOB_ID" in os.environ:
        attrs["slurm_job_id"] = os.environ["SLURM_JOB_ID"]
    return attrs


class _SpikeWriter:
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
            "spike_time", np.int32, ("spike",), chunksizes=(spikes,), **_COMPRESSION
        )
        time_var.setncatts(
            {"long_name": "spike time", "units": "s", "scale_factor": np.float64(dt_s)}
        )
        count = dataset.createVariable(
            "spike_count", np.int32, ("train",), chunksizes=(trains,), **_COMPRESSION
        )
        count.setncatts(
            {
                "long_name": "number of spikes in the train",
                "sample_dimension": "spike",
                "coordinates": " ".join(_COORD_TYPES),
            }
        )
        for name, dtype in _COORD_TYPES.items():
            if dtype is str:
                width = f"{name}_strlen"
                dataset.createDimension(width, max(string_lengths[name], 1))
                var = dataset.createVariable(
                    name, "S1", ("train", width), chunksizes=(trains, 1), **_COMPRESSION
                )
                var.setncatts({**_COORD_ATTRS[name], "_Encoding": "utf-8"})
                var.set_auto_chartostring(False)  # we write (train, width) bytes
            else:
                var = dataset.createVariable(
                    name, dtype, ("train",), chunksizes=(trains,), **_COMPRESSION
                )
                var.setncatts(_COORD_ATTRS[name])
        dataset.set_auto_maskandscale(False)  # we write raw int32 steps

    def append(self, steps: np.ndarray, counts: np.ndarray, coords: dict) -> None:
        """Append trains: ``steps`` (int32, concatenated trains), ``counts`` per train.

        ``coords`` maps ``neuron``, ``driven`` and each of :data:`GRID_COORDS` to one
        value per train or to a scalar shared by all of them.
        """
        ds = self._ds
        first_spike, first_train = len(ds.dimensions["spike"]), len(ds.dimensions["train"])
        n_trains = len(counts)
        ds["spike_time"][first_spike : first_spike + len(steps)] = steps
        ds["spike_count"][first_train : first_train + n_trains] = counts
        for name, dtype in _COORD_TYPES.items():
            values = np.broadcast_to(np.asarray(coords[name]), (n_trains,))
            if dtype is str:
                width = len(ds.dimensions[f"{name}_strlen"])
                encoded = np.char.encode(values.astype(str)).astype(f"S{width}")
                values = encoded.view("S1").reshape(n_trains, width)
            ds[name][first_train : first_train + n_trains] = values.astype(
                "S1" if dtype is str else dtype
            )


def _write_state(dataset: netCDF4.Dataset, state: dict[str, np.ndarray]) -> None:
    """Recorded variables (mV, shape (n_neurons, n_steps)) as ``name (train, step)``."""
    n_steps = next(iter(state.values())).shape[1]
    dataset.createDimension("step", n_steps)
    for name, values in state.items():
        var = dataset.createVariable(
            name, np.float32, ("train", "step"), chunksizes=(1, n_steps), **_COMPRESSION
        )
        var.setncatts({"long_name": f"{name} at the start of each time step", "units": "mV"})
        var[:] = values


def _train_coords(dataset: netCDF4.Dataset) -> dict[str, np.ndarray]:
    return {name: dataset[name][:] for name in (*_COORD_TYPES, "spike_count")}


def write_run(path: str | Path, trains, run_config: dict, command: str) -> None:
    """Write one run's spike trains (a :class:`~spikesweep.trains.SpikeTrains`).

    The file holds a train for each neuron that fired or was driven (``driven``
    marks the targets), or for every neuron where state was recorded; it is
    written to a temporary file and renamed, so ``path`` is absent or complete.
    """
    point = run_config["point"]
    attrs = provenance(run_config, command, point["seed"])
    targets = run_config["targets"]
    driven = np.zeros(trains.n_neurons, dtype=np.int8)
    driven[slice(None) if targets == "all" else targets] = 1
    counts = trains.counts
    recorded = (
        np.arange(trains.n_neurons) if trains.state else np.flatnonzero((counts > 0) | (driven > 0))
    )
    with atomic_path(path) as tmp, netCDF4.Dataset(tmp, "w") as dataset:
        writer = _SpikeWriter(
            dataset,
            trains.dt_s,
            run_config["duration_ms"] / 1000,
            attrs,
            _string_lengths([point]),
            {point["network"]: trains.n_neurons},
            (len(recorded), len(trains.step)),
        )
        coords = {**point, "neuron": recorded, "driven": driven[recorded]}
        writer.append(trains.step, counts[recorded], coords)
        if trains.state:
            _write_state(dataset, trains.state)


def _string_lengths(points: Sequence[dict]) -> dict[str, int]:
    """Width in bytes of each string coordinate: its longest value among ``points``."""
    return {
        name: max(len(point[name].encode()) for point in points)
        for name, dtype in _COORD_TYPES.items()
        if dtype is str
    }


def stored_config_hash(path: str | Path) -> str | None:
    """The ``config_hash`` provenance attribute of a file; None if it cannot be read."""
    try:
        with netCDF4.Dataset(path) as dataset:
            return dataset.getncattr("config_hash")
    except (OSError, AttributeError):
        return None


def _read_sizes(dataset: netCDF4.Dataset) -> dict[str, int]:
    return json.loads(dataset.n_neurons)


def _read_run(path: Path) -> tuple[dict, np.ndarray, float, float]:
    with netCDF4.Dataset(path) as dataset:
        dataset.set_auto_maskandscale(False)
        return (
            _train_coords(dataset),
            dataset["spike_time"][:],
            float(dataset["spike_time"].scale_factor),
            float(dataset.duration_s),
        )


def _run_key(coords: dict) -> tuple:
    return tuple(coords[name][0] for name in GRID_COORDS)


def _write_rate_groups(
    dataset: netCDF4.Dataset, axes: dict[str, dict[str, list]], flywire_ids: dict
) -> None:
    """Create one group per network with its coordinate axes and a NaN-filled rate.

    Networks in ``flywire_ids`` also get a ``flywire_id (neuron)`` coordinate.
    """
    for network, network_axes in axes.items():
        group = dataset.createGroup(network)
        for dim in RATE_DIMS:
            values = network_axes[dim]
            group.createDimension(dim, len(values))
            dtype = _COORD_TYPES[dim]
            var = group.createVariable(dim, dtype, (dim,))
            var.setncatts(_COORD_ATTRS[dim])
            var[:] = np.asarray(values, dtype=object if dtype is str else dtype)
        rate = group.createVariable(
            "rate_hz_out",
            np.float64,
            RATE_DIMS,
            fill_value=np.nan,
            chunksizes=(1, 1, 1, 1, 1, len(network_axes["neuron"])),
            **_COMPRESSION,
        )
        rate.setncatts({"long_name": "output firing rate of each neuron", "units": "Hz"})
        if network in flywire_ids:
            ids = group.createVariable("flywire_id", np.int64, ("neuron",), **_COMPRESSION)
            ids.setncatts({"long_name": "FlyWire root id of the neuron"})
            ids[:] = np.asarray(flywire_ids[network])[network_axes["neuron"]]
            rate.setncatts({"coordinates": "flywire_id"})


def collect(
    run_paths: Sequence[str | Path],
    spikes_path: str | Path,
    rates_path: str | Path,
    config: dict,
    command: str,
    flywire_ids: dict[str, np.ndarray] | None = None,
) -> None:
    """Concatenate run files into ``spikes.nc`` and tabulate ``rates.nc``.

    Runs are read one at a time (memory is bounded by the largest run) in the
    order given, after sorting by their grid coordinates, so the output does
    not depend on the order Snakemake lists its inputs in. ``flywire_ids``
    maps FlyWire networks to the id of each neuron index (a coordinate of
    their ``rates.nc`` group).
    """
    index, sizes, n_trains, n_spikes = [], {}, 0, 0
    for path in run_paths:
        with netCDF4.Dataset(path) as dataset:
            coords = _train_coords(dataset)
            ((network, n_neurons),) = _read_sizes(dataset).items()
        key = _run_key(coords)
        n_trains += len(coords["neuron"])
        n_spikes += int(coords["spike_count"].sum())
        if sizes.setdefault(network, n_neurons) != n_neurons:
            raise ValueError(
                f"{path}: network {network!r} has {n_neurons} neurons here, "
                f"{sizes[network]} in other runs."
            )
        index.append((key, Path(path)))
    index.sort(key=lambda item: item[0])
    keys = [key for key, _ in index]
    if len(set(keys)) != len(keys):
        raise ValueError("Two run files hold the same grid point; collect each run once.")

    axes: dict[str, dict[str, list]] = {}
    for key in keys:
        point = dict(zip(GRID_COORDS, key, strict=True))
        network_axes = axes.setdefault(point["network"], {dim: set() for dim in RATE_DIMS})
        for dim in RATE_DIMS[:-1]:
            network_axes[dim].add(point[dim])
        network_axes["neuron"] = range(sizes[point["network"]])
    axes = {
        network: {dim: sorted(values) for dim, values in network_axes.items()}
        for network, network_axes in sorted(axes.items())
    }

    seeds = sorted({int(key[GRID_COORDS.index("seed")]) for key in keys})
    attrs = provenance(config, command, seeds)
    started = time.perf_counter()
    with (
        atomic_path(spikes_path) as spikes_tmp,
        atomic_path(rates_path) as rates_tmp,
        netCDF4.Dataset(spikes_tmp, "w") as spikes,
        netCDF4.Dataset(rates_tmp, "w") as rates,
    ):
        rates.setncatts({"Conventions": "CF-1.11", **attrs})
        _write_rate_groups(rates, axes, flywire_ids or {})
        writer = None
        for k, (key, path) in enumerate(index):
            coords, steps, dt_s, duration_s = _read_run(path)
            if writer is None:
                points = [dict(zip(GRID_COORDS, key, strict=True)) for key in keys]
                writer = _SpikeWriter(
                    spikes,
                    dt_s,
                    duration_s,
                    attrs,
                    _string_lengths(points),
                    sizes,
                    (n_trains, n_spikes),
                )
                reference = (dt_s, duration_s)
            elif (dt_s, duration_s) != reference:
                raise ValueError(
                    f"{path}: dt {dt_s} s and duration {duration_s} s differ from the "
                    f"first run's {reference}; a study has one dt and one duration."
                )
            counts = coords.pop("spike_count")
            writer.append(steps, counts, coords)
            point = dict(zip(GRID_COORDS, key, strict=True))
            group = rates[point["network"]]
            location = tuple(
                axes[point["network"]][dim].index(point[dim]) for dim in RATE_DIMS[:-1]
            )
            rate = np.zeros(sizes[point["network"]])
            rate[coords["neuron"]] = counts / duration_s
            group["rate_hz_out"][(*location, slice(None))] = rate
            if (k + 1) % 100 == 0 or k + 1 == len(index):
                logger.info(
                    "collected %d of %d runs (%.1f s)",
                    k + 1,
                    len(index),
                    time.perf_counter() - started,
                )


def train_offsets(counts: np.ndarray) -> np.ndarray:
    """Start of each train in the ``spike`` dimension, plus the total: shape (n_trains + 1,)."""
    return np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])


def network_sizes(spikes: xr.Dataset) -> dict[str, int]:
    """Number of neurons of each network in a spike dataset."""
    return json.loads(spikes.attrs["n_neurons"])


def _trains(spikes: xr.Dataset, offsets: np.ndarray, first: int, stop: int) -> dict:
    """Spike times of every neuron of the run of trains ``first .. stop-1`` (one read)."""
    times = spikes["spike_time"][offsets[first] : offsets[stop]].values
    local = offsets[first : stop + 1] - offsets[first]
    neurons = spikes["neuron"].values[first:stop]
    n_neurons = network_sizes(spikes)[str(spikes["network"].values[first])]
    trains = dict.fromkeys(range(n_neurons), np.empty(0))  # silent neurons have no train
    trains.update({int(neuron): times[local[j] : local[j + 1]] for j, neuron in enumerate(neurons)})
    return trains


def run_slices(spikes: xr.Dataset) -> Iterator[tuple[dict, slice]]:
    """Yield ``(point, rows)`` for each run: its grid coordinates and its slice of trains.

    ``point`` maps :data:`GRID_COORDS` to the run's values; the slice indexes
    the ``train`` dimension (a run's trains are contiguous).
    """
    keys = list(zip(*(spikes[name].values for name in GRID_COORDS), strict=True))
    first = 0
    for k in range(1, len(keys) + 1):
        if k < len(keys) and keys[k] == keys[first]:
            continue
        point = {name: _plain(value) for name, value in zip(GRID_COORDS, keys[first], strict=True)}
        yield point, slice(first, k)
        first = k


def iter_runs(spikes: xr.Dataset) -> Iterator[tuple[dict, dict[int, np.ndarray]]]:
    """Yield ``(point, trains)`` for each run in a spike dataset.

    ``point`` maps :data:`GRID_COORDS` to the run's values; ``trains`` maps each
    neuron index to its spike times in seconds (float64, sorted).
    """
    offsets = train_offsets(spikes["spike_count"].values)
    for point, rows in run_slices(spikes):
        yield point, _trains(spikes, offsets, rows.start, rows.stop)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def spike_trains(spikes: xr.Dataset, **selection) -> dict[int, np.ndarray]:
    """Spike times per neuron of the one run that ``selection`` picks.

    Parameters
    ----------
    spikes : xarray.Dataset
        A run file or ``spikes.nc``, opened with ``xarray.open_dataset``.
    **selection
        Grid coordinates (``network``, ``mode``, ``rate_hz``, ``n_sources``,
        ``weight_mV``, ``seed``); those that vary in ``spikes`` are required.

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
    unknown = set(selection) - set(GRID_COORDS)
    if unknown:
        raise TypeError(f"Unknown coordinates {sorted(unknown)}; select by {GRID_COORDS}.")
    mask = np.ones(spikes.sizes["train"], dtype=bool)
    for name, value in selection.items():
        mask &= spikes[name].values == value
    picked = {
        name: np.unique(spikes[name].values[mask]).tolist()
        for name in GRID_COORDS
        if name not in selection
    }
    ambiguous = {name: values for name, values in picked.items() if len(values) > 1}
    if not mask.any():
        raise KeyError(f"No run matches {selection}; use iter_runs() to list the runs.")
    if ambiguous:
        raise ValueError(
            f"{selection} matches several runs; also select {sorted(ambiguous)} "
            f"(values present: {ambiguous})."
        )
    first, last = np.flatnonzero(mask)[[0, -1]]
    return _trains(spikes, train_offsets(spikes["spike_count"].values), first, last + 1)


def driven_mask(spikes: xr.Dataset, rows: slice) -> np.ndarray:
    """The neurons driven in the run of trains ``rows``: boolean, shape (n_neurons,)."""
    n_neurons = network_sizes(spikes)[str(spikes["network"].values[rows.start])]
    mask = np.zeros(n_neurons, dtype=bool)
    mask[spikes["neuron"].values[rows][spikes["driven"].values[rows] == 1]] = True
    return mask


def driven_neurons(spikes: xr.Dataset) -> dict[str, np.ndarray]:
    """Neurons driven in any run, per network: boolean arrays of shape (n_neurons,)."""
    driven: dict[str, np.ndarray] = {}
    for point, rows in run_slices(spikes):
        mask = driven_mask(spikes, rows)
        previous = driven.get(point["network"])
        driven[point["network"]] = mask if previous is None else previous | mask
    return driven


def iter_drives(rate: xr.DataArray) -> Iterator[dict]:
    """Every combination of ``rate_hz``, ``n_sources`` and ``weight_mV`` on ``rate``'s axes."""
    for drive in rate.stack(drive=DRIVE_AXES)["drive"].values:
        yield dict(zip(DRIVE_AXES, (float(v) for v in drive), strict=True))


def driven_rates(rates: xr.DataTree, driven: dict) -> Iterator[tuple[str, str, dict, xr.DataArray]]:
    """Yield ``(network, mode, drive, rate)`` for every combination run in ``rates.nc``.

    ``drive`` maps ``rate_hz``, ``n_sources`` and ``weight_mV`` to floats; ``rate``
    holds the driven neurons' rates (Hz) with dimensions ``(seed, neuron)``,
    restricted to the seeds that were run.
    """
    for network, node in sorted(rates.children.items()):
        rate = node["rate_hz_out"].isel(neuron=np.flatnonzero(driven[network]))
        for mode in rate["mode"].values:
            for point in iter_drives(rate):
                values = rate.sel(mode=mode, **point)
                values = values.isel(seed=np.flatnonzero(values.notnull().all("neuron").values))
                if values.sizes["seed"]:
                    yield network, str(mode), point, values


def _json_ready(value):
    """Numpy scalars to Python, NaN and inf to None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def write_analysis(
    numbers: xr.Dataset, summary: dict, nc_path, json_path, config: dict, command: str
) -> None:
    """Write an analysis: its numbers as NetCDF and its verdict as JSON, atomically."""
    numbers = numbers.assign_attrs(provenance(config, command, seed=config.get("seeds", [])))
    with atomic_path(nc_path) as tmp:
        numbers.to_netcdf(tmp, engine="netcdf4")
    with atomic_path(json_path) as tmp:
        tmp.write_text(json.dumps(_json_ready(summary), indent=2, sort_keys=True) + "\n")
