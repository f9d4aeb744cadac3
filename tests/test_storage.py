"""Storage: exact round trips, the ragged layout, collection and atomic writes."""

import errno
import json
import os
import shutil
import subprocess

import netCDF4
import numpy as np
import pytest
import xarray as xr

from spikesweep.config import RunPoint
from spikesweep.storage import (
    atomic_path,
    collect,
    driven_mask,
    iter_runs,
    network_sizes,
    spike_trains,
    write_run,
)
from spikesweep.trains import SpikeTrains

DT_S = 1e-4


def synthetic_trains(n_neurons: int, seed: int) -> SpikeTrains:
    """Random spike steps (awkward values included) sorted by neuron, then step."""
    rng = np.random.default_rng(seed)
    neuron = rng.integers(0, n_neurons, size=500)
    step = rng.integers(0, 10_000, size=500)
    step[:3] = [0, 9_999, 7_777]  # first and last steps, a non-round time
    order = np.lexsort((step, neuron))
    return SpikeTrains(
        neuron[order].astype(np.int32), step[order].astype(np.int32), n_neurons, DT_S
    )


def run_config(point: RunPoint) -> dict:
    return {
        "duration_ms": 1000.0,
        "dt_ms": 0.1,
        "codegen_target": "numpy",
        "model": {},
        "point": point.coords(),
        "targets": "all",
    }


def write(tmp_path, point: RunPoint, n_neurons=7) -> tuple[SpikeTrains, str]:
    trains = synthetic_trains(n_neurons, point.seed)
    path = tmp_path / f"{point.network}-{point.mode}-{point.seed}.nc"
    write_run(path, trains, run_config(point), command="test")
    return trains, path


POINT = RunPoint("net", "poisson_input", 150.0, 2, 68.75, 3)


def test_spike_times_round_trip_exactly(tmp_path):
    trains, path = write(tmp_path, POINT)
    with xr.open_dataset(path) as ds:
        got = spike_trains(ds.load())
    for neuron in range(trains.n_neurons):
        expected = trains.step[trains.neuron == neuron] * DT_S
        np.testing.assert_array_equal(got[neuron], expected)  # bit for bit
    assert got[0].dtype == np.float64


def test_file_follows_the_contract_layout(tmp_path):
    trains, path = write(tmp_path, POINT)
    with netCDF4.Dataset(path) as ds:
        ds.set_auto_maskandscale(False)
        time = ds["spike_time"]
        assert time.dtype == np.int32 and time.units == "s" and time.scale_factor == DT_S
        assert ds["spike_count"].sample_dimension == "spike"
        np.testing.assert_array_equal(ds["spike_count"][:], trains.counts)
        assert time.filters()["zlib"]
        assert ds.Conventions == "CF-1.11"
        for name in ("spikesweep_version", "brian2_version", "git_commit", "config_hash"):
            assert getattr(ds, name)
        assert ds.seed == 3 and ds.codegen_target == "numpy" and ds.command == "test"
        assert json.loads(ds.config)["point"] == POINT.coords()
    with xr.open_dataset(path) as ds:
        assert set(ds.coords) >= {"neuron", "network", "mode", "rate_hz", "seed"}
        assert ds.sizes == {"train": 7, "spike": 500}


def test_rewriting_a_run_gives_identical_data_and_attributes(tmp_path):
    _, first = write(tmp_path, POINT)
    with xr.open_dataset(first) as ds:
        original = ds.load()
    write(tmp_path, POINT)
    with xr.open_dataset(first) as ds:
        xr.testing.assert_identical(ds.load(), original)


def test_collect_concatenates_runs_and_tabulates_rates(tmp_path):
    points = [
        RunPoint("net", "poisson_input", 150.0, 2, 68.75, 1),
        RunPoint("net", "per_neuron", 150.0, 2, 68.75, 0),
        RunPoint("net", "poisson_input", 50.0, 2, 68.75, 0),
        RunPoint("small", "shared_source", 150.0, 1, 1.0, 0),
    ]
    written = {p: write(tmp_path, p, n_neurons=3 if p.network == "small" else 7) for p in points}
    spikes_path, rates_path = tmp_path / "spikes.nc", tmp_path / "rates.nc"
    collect(
        [path for _, path in reversed(written.values())],
        spikes_path,
        rates_path,
        config={"study": "t"},
        command="test",
    )
    with xr.open_dataset(spikes_path) as spikes:
        spikes.load()
    assert spikes.sizes["train"] == 3 * 7 + 3
    runs = dict((tuple(point.values()), trains) for point, trains in iter_runs(spikes))
    assert len(runs) == len(points)
    for point, (trains, _) in written.items():
        got = runs[tuple(point.coords().values())]
        for neuron in range(trains.n_neurons):
            np.testing.assert_array_equal(got[neuron], trains.step[trains.neuron == neuron] * DT_S)
    assert spikes.attrs["seed"].tolist() == [0, 1]

    tree = xr.open_datatree(rates_path)
    assert set(tree.children) == {"net", "small"}
    rate = tree["net"]["rate_hz_out"]
    assert rate.dims == ("mode", "rate_hz", "n_sources", "weight_mV", "seed", "neuron")
    trains, _ = written[points[0]]
    np.testing.assert_array_equal(
        rate.sel(mode="poisson_input", rate_hz=150, n_sources=2, weight_mV=68.75, seed=1),
        trains.counts / 1.0,
    )
    # per_neuron was run at seed 0 only, and not at 50 Hz: NaN there.
    assert rate.sel(mode="per_neuron", rate_hz=50).isnull().all()
    assert rate.sel(mode="per_neuron", rate_hz=150, seed=1).isnull().all()
    assert rate.notnull().sum() == 3 * 7


def test_spike_trains_demands_an_unambiguous_run(tmp_path):
    paths = [
        write(tmp_path, RunPoint("net", "poisson_input", 150.0, 2, 68.75, s))[1] for s in (0, 1)
    ]
    collect(paths, tmp_path / "s.nc", tmp_path / "r.nc", config={}, command="test")
    with xr.open_dataset(tmp_path / "s.nc") as spikes:
        with pytest.raises(ValueError, match=r"also select \['seed'\]"):
            spike_trains(spikes)
        with pytest.raises(KeyError, match="No run matches"):
            spike_trains(spikes, seed=5)
        assert len(spike_trains(spikes, seed=1)) == 7


def test_atomic_path_leaves_nothing_behind_on_failure(tmp_path):
    target = tmp_path / "out.nc"
    target.write_text("complete")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "complete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.nc"]


def test_driven_marks_the_targets(tmp_path):
    trains = synthetic_trains(5, 0)
    config = {**run_config(POINT), "targets": [1, 3]}
    write_run(tmp_path / "run.nc", trains, config, command="test")
    with xr.open_dataset(tmp_path / "run.nc") as ds:
        assert ds["driven"].values.tolist() == [0, 1, 0, 1, 0]


def test_silent_undriven_neurons_have_no_train_but_read_back_empty(tmp_path):
    """Neurons 0..9 of 100 fire, 50 and 60 are driven and silent: 12 trains, 100 neurons."""
    neuron = np.repeat(np.arange(10, dtype=np.int32), 3)
    trains = SpikeTrains(neuron, np.tile(np.int32([5, 50, 500]), 10), 100, DT_S)
    config = {**run_config(POINT), "targets": [50, 60]}
    write_run(tmp_path / "run.nc", trains, config, command="test")
    with xr.open_dataset(tmp_path / "run.nc") as ds:
        assert ds["neuron"].values.tolist() == [*range(10), 50, 60]
        assert network_sizes(ds) == {"net": 100}
        got = spike_trains(ds.load())
        np.testing.assert_array_equal(np.flatnonzero(driven_mask(ds, slice(0, 12))), [50, 60])
    assert sorted(got) == list(range(100))
    assert [len(got[k]) for k in (0, 9, 10, 50, 99)] == [3, 3, 0, 0, 0]
    collect([tmp_path / "run.nc"], tmp_path / "spikes.nc", tmp_path / "rates.nc", {}, "test")
    with xr.open_datatree(tmp_path / "rates.nc") as rates:
        rate = rates["net"]["rate_hz_out"].squeeze().values
    np.testing.assert_array_equal(rate, np.r_[np.full(10, 3.0), np.zeros(90)])


@pytest.fixture
def full_disk(tmp_path):
    """A 64 kB tmpfs: a device that fills up (needs root and mount; skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a size-limited tmpfs needs root")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "--lazy", str(mount)], check=True)  # HDF5 may hold a handle


def test_a_full_disk_gives_a_clear_error_and_no_file(full_disk):
    rng = np.random.default_rng(0)
    neuron = np.sort(rng.integers(0, 100, 200_000)).astype(np.int32)
    trains = SpikeTrains(neuron, rng.integers(0, 10_000, neuron.size).astype(np.int32), 100, DT_S)
    path = full_disk / "run.nc"
    with pytest.raises(OSError, match="No space left on the device") as error:
        write_run(path, trains, run_config(POINT), command="test")
    assert error.value.errno == errno.ENOSPC and "run.nc" in str(error.value)
    assert list(full_disk.iterdir()) == []  # neither the file nor its temporary
