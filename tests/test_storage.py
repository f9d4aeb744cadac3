"""Storage and the spike codec: exact round trips, the ragged layout, collection, atomic writes."""

import dataclasses
import errno
import json
import os
import shutil
import subprocess

import netCDF4
import numpy as np
import pytest
import xarray as xr
from conftest import run_at

from spikesweep.files import atomic_path
from spikesweep.spikes import SpikeDataset, SpikeTrains, iter_runs, spike_trains
from spikesweep.storage import collect, write_run
from spikesweep.study import AXIS_NAMES, Run

DT_S = 1e-4
N_STEPS = 10_000


def synthetic_trains(n_neurons: int, seed: int) -> SpikeTrains:
    """Random spike steps (awkward values included) sorted by neuron, then step."""
    rng = np.random.default_rng(seed)
    neuron = rng.integers(0, n_neurons, size=500)
    step = rng.integers(0, 10_000, size=500)
    step[:3] = [0, 9_999, 7_777]  # first and last steps, a non-round time
    order = np.lexsort((step, neuron))
    return SpikeTrains(
        neuron[order].astype(np.int32), step[order].astype(np.int32), n_neurons, DT_S, N_STEPS
    )


def run(network, mode, rate_hz, n_sources, weight_mV, seed, targets=None) -> Run:
    """A run of 1 s at 0.1 ms, as the tests' files record it."""
    return run_at(
        network, mode, rate_hz, n_sources, weight_mV, seed, targets=targets, codegen_target="cython"
    )


def write(tmp_path, point: Run, n_neurons=7) -> tuple[SpikeTrains, str]:
    trains = synthetic_trains(n_neurons, point.seed)
    path = tmp_path / f"{point.network}-{point.mode}-{point.seed}.nc"
    write_run(path, trains, point, command="test")
    return trains, path


POINT = run("net", "poisson_input", 150.0, 2, 68.75, 3)


def test_decoding_an_encoded_run_is_the_identity(tmp_path):
    """SpikeTrains -> run file -> SpikeTrains, with driven neurons and with recorded state."""
    rng = np.random.default_rng(20261201)
    trains = synthetic_trains(7, 0)
    state = {name: rng.normal(-50, 3, (7, N_STEPS)).astype(np.float32) for name in ("v", "g")}
    for original, targets in ((trains, (1, 3)), (dataclasses.replace(trains, state=state), None)):
        driven = np.zeros(7, dtype=bool)
        driven[slice(None) if targets is None else list(targets)] = True
        point = run("net", "poisson_input", 150.0, 2, 68.75, 3, targets=targets)
        write_run(tmp_path / "run.nc", original, point, command="test")
        with xr.open_dataset(tmp_path / "run.nc") as ds:
            ((coords, decoded),) = list(SpikeDataset.from_xarray(ds.load()))
        assert coords == point.coords
        assert decoded == dataclasses.replace(original, driven=driven)
        with netCDF4.Dataset(tmp_path / "run.nc") as ds:
            assert SpikeDataset.from_netcdf4(ds).decode(slice(0, 7)) == decoded


def test_spike_times_round_trip_exactly(tmp_path):
    trains, path = write(tmp_path, POINT)
    with xr.open_dataset(path) as ds:
        got = spike_trains(ds.load())
    for neuron in range(trains.n_neurons):
        expected = trains.step[trains.neuron == neuron] * DT_S
        np.testing.assert_array_equal(got[neuron], expected)  # bit for bit
    assert got[0].dtype == np.float64


def test_file_follows_the_documented_layout(tmp_path):
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
        assert ds.seed == 3 and ds.codegen_target == "cython" and ds.command == "test"
        assert json.loads(ds.config)["point"] == POINT.coords
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
        run("net", "poisson_input", 150.0, 2, 68.75, 1),
        run("net", "per_neuron", 150.0, 2, 68.75, 0),
        run("net", "poisson_input", 50.0, 2, 68.75, 0),
        run("small", "shared_source", 150.0, 1, 1.0, 0),
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
        got = runs[tuple(point.coords.values())]
        for neuron in range(trains.n_neurons):
            np.testing.assert_array_equal(got[neuron], trains.step[trains.neuron == neuron] * DT_S)
    assert spikes.attrs["seed"].tolist() == [0, 1]

    tree = xr.open_datatree(rates_path)
    assert set(tree.children) == {"net", "small"}
    rate = tree["net"]["rate_hz_out"]
    assert rate.dims == ("mode", *AXIS_NAMES, "seed", "neuron")
    assert rate["tau_m_ms"].values.tolist() == [20.0]  # not swept: one value
    trains, _ = written[points[0]]
    np.testing.assert_array_equal(
        rate.sel(mode="poisson_input", rate_hz=150, n_sources=2, weight_mV=68.75, seed=1).squeeze(),
        trains.counts / 1.0,
    )
    # per_neuron was run at seed 0 only, and not at 50 Hz: NaN there.
    assert rate.sel(mode="per_neuron", rate_hz=50).isnull().all()
    assert rate.sel(mode="per_neuron", rate_hz=150, seed=1).isnull().all()
    assert rate.notnull().sum() == 3 * 7


def test_spike_trains_demands_an_unambiguous_run(tmp_path):
    paths = [write(tmp_path, run("net", "poisson_input", 150.0, 2, 68.75, s))[1] for s in (0, 1)]
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
    targets = dataclasses.replace(POINT, targets=(1, 3))
    write_run(tmp_path / "run.nc", trains, targets, command="test")
    with xr.open_dataset(tmp_path / "run.nc") as ds:
        assert ds["driven"].values.tolist() == [0, 1, 0, 1, 0]


def test_silent_undriven_neurons_have_no_train_but_read_back_empty(tmp_path):
    """Neurons 0..9 of 100 fire, 50 and 60 are driven and silent: 12 trains, 100 neurons."""
    neuron = np.repeat(np.arange(10, dtype=np.int32), 3)
    trains = SpikeTrains(neuron, np.tile(np.int32([5, 50, 500]), 10), 100, DT_S, N_STEPS)
    targets = dataclasses.replace(POINT, targets=(50, 60))
    write_run(tmp_path / "run.nc", trains, targets, command="test")
    with xr.open_dataset(tmp_path / "run.nc") as ds:
        assert ds["neuron"].values.tolist() == [*range(10), 50, 60]
        decoded = SpikeDataset.from_xarray(ds)
        assert decoded.n_neurons == {"net": 100}
        got = spike_trains(ds.load())
        np.testing.assert_array_equal(np.flatnonzero(decoded.decode(slice(0, 12)).driven), [50, 60])
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
    steps = rng.integers(0, N_STEPS, neuron.size).astype(np.int32)
    trains = SpikeTrains(neuron, steps, 100, DT_S, N_STEPS)
    path = full_disk / "run.nc"
    with pytest.raises(OSError, match="No space left on the device") as error:
        write_run(path, trains, POINT, command="test")
    assert error.value.errno == errno.ENOSPC and "run.nc" in str(error.value)
    assert list(full_disk.iterdir()) == []  # neither the file nor its temporary
