"""Stored results: run files, their collection into ``spikes.nc`` and ``rates.nc``, provenance.

A run file holds one run's spike trains in the layout of :mod:`spikesweep.spikes`.
``spikes.nc`` is the concatenation of all run files' trains, one run after
the other. ``rates.nc`` holds one NetCDF4 group per network with
``rate_hz_out (mode, <grid axes>, seed, neuron)``, NaN where a combination
was not run, and the masks ``driven_neuron (targets, neuron)`` and
``silenced_neuron (silenced, neuron)`` of the driven and silenced sets; open
it with ``xarray.open_datatree``. Writers stream with
``netCDF4`` (xarray cannot append to NetCDF), so collecting holds one run in
memory at a time. Every file carries :func:`provenance` attributes.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.metadata
import itertools
import json
import logging
import os
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import netCDF4
import numpy as np

import spikesweep
from spikesweep.files import atomic_path
from spikesweep.spikes import (
    COMPRESSION,
    COORD_ATTRS,
    TRAIN_COORDS,
    SpikeDataset,
    SpikeTrains,
    SpikeWriter,
    string_lengths,
)
from spikesweep.study.axes import AXIS_NAMES, GRID_AXES, RUN_COORDS
from spikesweep.study.runs import Run, config_hash

if TYPE_CHECKING:  # xarray is only passed in: writing a run file stays light
    import xarray as xr

__all__ = [
    "RATE_DIMS",
    "collect",
    "driven_neurons",
    "driven_rates",
    "iter_grid_points",
    "iter_point_rates",
    "provenance",
    "stored_config_hash",
    "write_run",
]

logger = logging.getLogger(__name__)

#: Dimensions of ``rate_hz_out`` in each network's group of ``rates.nc``.
RATE_DIMS = ("mode", *AXIS_NAMES, "seed", "neuron")
#: The masks of the neuron sets in each network's group of ``rates.nc``, by set axis.
SET_MASKS = {"targets": "driven_neuron", "silenced": "silenced_neuron"}
#: Labels of a FlyWire network's neurons in ``rates.nc``: name -> long name.
NEURON_LABELS = {
    "flywire_id": "FlyWire root id of the neuron",
    "cell_type": "cell type of the neuron (empty: unknown)",
}


@functools.cache
def _git_commit() -> str:
    """The commit of spikesweep's checkout (once per process: a batch writes many files)."""
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
        "precision": config.get("precision", "unknown"),
        "command": command,
    }
    if "SLURM_JOB_ID" in os.environ:
        attrs["slurm_job_id"] = os.environ["SLURM_JOB_ID"]
    return attrs


def write_run(path: str | Path, trains: SpikeTrains, run: Run, command: str) -> None:
    """Write one run's spike trains, marking its driven neurons, with its provenance.

    The file is written to a temporary file and renamed, so ``path`` is absent
    or complete.
    """
    driven = run.driven_mask(trains.n_neurons)
    trains = dataclasses.replace(trains, driven=driven)
    config = run.to_json()
    with atomic_path(path) as tmp, netCDF4.Dataset(tmp, "w") as dataset:
        n_trains = trains.n_neurons if trains.state else int(((trains.counts > 0) | driven).sum())
        writer = SpikeWriter(
            dataset,
            trains.dt_s,
            run.duration_ms / 1000,
            provenance(config, command, run.seed),
            string_lengths([run.coords]),
            {run.network: trains.n_neurons},
            (n_trains, len(trains.step)),
        )
        writer.append_run(trains, run.coords)


def stored_config_hash(path: str | Path) -> str | None:
    """The ``config_hash`` provenance attribute of a file; None if it cannot be read."""
    try:
        with netCDF4.Dataset(path) as dataset:
            return dataset.getncattr("config_hash")
    except (OSError, AttributeError):
        return None


def _write_rate_groups(
    dataset: netCDF4.Dataset,
    axes: dict[str, dict[str, list]],
    sets: dict[tuple[str, str, str], Sequence[int]],
    neuron_labels: dict[str, dict[str, np.ndarray]],
) -> None:
    """Create one group per network with its coordinate axes, a NaN-filled rate and the
    masks of its driven and silenced sets (``sets`` maps ``(network, "targets" or
    "silenced", set name)`` to neuron indices).

    Networks in ``neuron_labels`` also get its coordinates on ``neuron``
    (``flywire_id``, ``cell_type``).
    """
    for network, network_axes in axes.items():
        group = dataset.createGroup(network)
        for dim in RATE_DIMS:
            values = network_axes[dim]
            group.createDimension(dim, len(values))
            dtype = TRAIN_COORDS[dim]
            var = group.createVariable(dim, dtype, (dim,))
            var.setncatts(COORD_ATTRS[dim])
            var[:] = np.asarray(values, dtype=object if dtype is str else dtype)
        rate = group.createVariable(
            "rate_hz_out",
            np.float64,
            RATE_DIMS,
            fill_value=np.nan,
            chunksizes=(*(1,) * (len(RATE_DIMS) - 1), len(network_axes["neuron"])),
            **COMPRESSION,
        )
        rate.setncatts({"long_name": "output firing rate of each neuron", "units": "Hz"})
        for kind, variable in SET_MASKS.items():
            masks = np.zeros((len(network_axes[kind]), len(network_axes["neuron"])), np.int8)
            for k, name in enumerate(network_axes[kind]):
                masks[k, list(sets[network, kind, name])] = 1
            mask = group.createVariable(variable, np.int8, (kind, "neuron"), **COMPRESSION)
            mask.setncatts({"long_name": f"1 if the {kind} set holds the neuron, else 0"})
            mask[:] = masks
        labels = neuron_labels.get(network, {})
        for name, values in labels.items():
            values = np.asarray(values)[network_axes["neuron"]]
            if values.dtype.kind == "U":  # variable-length strings, which HDF5 cannot compress
                label = group.createVariable(name, str, ("neuron",))
                label[:] = values.astype(object)
            else:
                label = group.createVariable(name, values.dtype, ("neuron",), **COMPRESSION)
                label[:] = values
            label.setncatts({"long_name": NEURON_LABELS[name]})
        if labels:
            rate.setncatts({"coordinates": " ".join(labels)})


def collect(
    run_paths: Sequence[str | Path],
    spikes_path: str | Path,
    rates_path: str | Path,
    config: dict,
    command: str,
    neuron_labels: dict[str, dict[str, np.ndarray]] | None = None,
) -> None:
    """Concatenate run files into ``spikes.nc`` and tabulate ``rates.nc``.

    Runs are read one at a time (memory is bounded by the largest run) in the
    order of their coordinates, so the output does not depend on the order
    Snakemake lists its inputs in. ``neuron_labels`` maps FlyWire networks to
    labels of each neuron index (``flywire_id``, ``cell_type``: coordinates of
    their ``rates.nc`` group).
    """
    index, sizes, sets, n_trains, n_spikes = [], {}, {}, 0, 0
    for path in run_paths:
        with netCDF4.Dataset(path) as dataset:
            run = SpikeDataset.from_netcdf4(dataset)
            stored = Run.from_json(json.loads(dataset.getncattr("config")))
        ((network, n_neurons),) = run.n_neurons.items()
        key = tuple(stored.coords[name] for name in RUN_COORDS)  # a run may have no train
        for kind in ("targets", "silenced"):
            members = getattr(stored, kind)
            name = stored.grid_point[kind]
            sets.setdefault((network, kind, name), range(n_neurons) if members is None else members)
        n_trains += len(run.counts)
        n_spikes += int(run.counts.sum())
        if sizes.setdefault(network, n_neurons) != n_neurons:
            raise ValueError(
                f"{path}: network {network!r} has {n_neurons} neurons here, "
                f"{sizes[network]} in other runs."
            )
        index.append((key, Path(path)))
    index.sort(key=lambda item: item[0])
    points = [dict(zip(RUN_COORDS, key, strict=True)) for key, _ in index]
    if len({key for key, _ in index}) != len(index):
        raise ValueError("Two run files hold the same grid point; collect each run once.")

    axes: dict[str, dict[str, list]] = {}
    for point in points:
        network_axes = axes.setdefault(point["network"], {dim: set() for dim in RATE_DIMS})
        for dim in RATE_DIMS[:-1]:
            network_axes[dim].add(point[dim])
        network_axes["neuron"] = range(sizes[point["network"]])
    axes = {
        network: {dim: sorted(values) for dim, values in network_axes.items()}
        for network, network_axes in sorted(axes.items())
    }

    attrs = provenance(config, command, sorted({int(point["seed"]) for point in points}))
    started = time.perf_counter()
    with (
        atomic_path(spikes_path) as spikes_tmp,
        atomic_path(rates_path) as rates_tmp,
        netCDF4.Dataset(spikes_tmp, "w") as spikes,
        netCDF4.Dataset(rates_tmp, "w") as rates,
    ):
        rates.setncatts({"Conventions": "CF-1.11", **attrs})
        _write_rate_groups(rates, axes, sets, neuron_labels or {})
        writer = None
        for k, ((_, path), point) in enumerate(zip(index, points, strict=True)):
            with netCDF4.Dataset(path) as dataset:
                run = SpikeDataset.from_netcdf4(dataset)
                steps = run.steps(slice(0, len(run.counts)))
            if writer is None:
                writer = SpikeWriter(
                    spikes,
                    run.dt_s,
                    run.duration_s,
                    attrs,
                    string_lengths(points),
                    sizes,
                    (n_trains, n_spikes),
                )
                reference = (run.dt_s, run.duration_s)
            elif (run.dt_s, run.duration_s) != reference:
                raise ValueError(
                    f"{path}: dt {run.dt_s} s and duration {run.duration_s} s differ from the "
                    f"first run's {reference}; a study has one dt and one duration."
                )
            writer.append(steps, run.counts, run.coords)
            network_axes = axes[point["network"]]
            location = tuple(network_axes[dim].index(point[dim]) for dim in RATE_DIMS[:-1])
            rate = np.zeros(sizes[point["network"]])
            rate[run.coords["neuron"]] = run.counts / run.duration_s
            rates[point["network"]]["rate_hz_out"][(*location, slice(None))] = rate
            if (k + 1) % 100 == 0 or k + 1 == len(index):
                logger.info(
                    "collected %d of %d runs (%.1f s)",
                    k + 1,
                    len(index),
                    time.perf_counter() - started,
                )


def iter_grid_points(rate: xr.DataArray) -> Iterator[dict]:
    """Every combination of the grid axes on ``rate``'s axes (numbers as floats), from its
    coordinates alone (``rate`` may be read lazily)."""
    for values in itertools.product(*(rate[name].values for name in AXIS_NAMES)):
        yield {
            axis.name: str(value) if axis.dtype is str else float(value)
            for axis, value in zip(GRID_AXES, values, strict=True)
        }


def iter_point_rates(rate: xr.DataArray) -> Iterator[tuple[str, dict, np.ndarray]]:
    """Yield ``(mode, point, values)`` for every mode and grid point run in ``rate`` (a
    group's ``rate_hz_out``, possibly read lazily), one point at a time in coordinate order:
    ``values`` are the rates (Hz) of the seeds that ran, shape (seed, neuron)."""
    for mode in rate["mode"].values:
        for point in iter_grid_points(rate):
            values = rate.sel(mode=mode, **point).values
            values = values[~np.isnan(values).all(axis=1)]
            if len(values):
                yield str(mode), point, values


def driven_neurons(rates: xr.DataTree, kind: str = "targets") -> dict[tuple[str, str], np.ndarray]:
    """The neurons of each driven set (``kind="silenced"``: of each silenced set) in
    ``rates.nc``, by ``(network, set name)``: boolean arrays of shape (n_neurons,)."""
    sets = {}
    for network, node in sorted(rates.children.items()):
        masks = node[SET_MASKS[kind]]
        for k, name in enumerate(masks[kind].values):
            sets[network, str(name)] = masks.values[k].astype(bool)
    return sets


def driven_rates(rates: xr.DataTree, driven: dict) -> Iterator[tuple[str, str, dict, xr.DataArray]]:
    """Yield ``(network, mode, point, rate)`` for every combination run in ``rates.nc``.

    ``point`` maps each grid axis to its value (numbers as floats); ``rate``
    holds the rates (Hz) of the point's driven set with dimensions
    ``(seed, neuron)``, restricted to the seeds that were run. ``driven`` maps
    ``(network, targets)`` to a mask (:func:`driven_neurons`).
    """
    for network, node in sorted(rates.children.items()):
        for mode in node["rate_hz_out"]["mode"].values:
            for point in iter_grid_points(node["rate_hz_out"]):
                mask = driven[network, point["targets"]]
                values = node["rate_hz_out"].isel(neuron=np.flatnonzero(mask))
                values = values.sel(mode=mode, **point)
                values = values.isel(seed=np.flatnonzero(values.notnull().all("neuron").values))
                if values.sizes["seed"]:
                    yield network, str(mode), point, values
