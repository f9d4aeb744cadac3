"""Exports to the field's tools, read back with those tools: Neo objects and NWB files."""

import numpy as np
import xarray as xr
from conftest import run_at
from pynwb import NWBHDF5IO

from spikesweep.exchange import to_neo, write_nwb
from spikesweep.spikes import SpikeDataset, SpikeTrains
from spikesweep.storage import collect, write_run

DT_S, N_STEPS = 1e-4, 10_000


def stored(tmp_path) -> SpikeDataset:
    """Two collected runs of 5 neurons (neuron 4 silent, 3 driven only in the first)."""
    rng = np.random.default_rng(7)
    paths = []
    for seed, targets in ((0, (0, 1, 2, 3)), (1, (0, 1, 2))):
        neuron = np.sort(rng.integers(0, 4, 300)).astype(np.int32)
        steps = np.concatenate(
            [np.sort(rng.choice(N_STEPS, (neuron == k).sum(), replace=False)) for k in range(4)]
        ).astype(np.int32)
        trains = SpikeTrains(neuron, steps, 5, DT_S, N_STEPS)
        run = run_at("net", "poisson_input", 150, 2, 68.75, seed, targets=targets)
        write_run(tmp_path / f"{seed}.nc", trains, run, command="test")
        paths.append(tmp_path / f"{seed}.nc")
    collect(paths, tmp_path / "spikes.nc", tmp_path / "rates.nc", {}, "test")
    return SpikeDataset.from_xarray(xr.load_dataset(tmp_path / "spikes.nc"))


def test_neo_block_holds_each_run_with_its_coordinates(tmp_path):
    spikes = stored(tmp_path)
    block = to_neo(spikes)
    assert len(block.segments) == 2 and block.annotations["n_runs"] == 2
    for segment, (coords, trains) in zip(block.segments, spikes, strict=True):
        assert {name: segment.annotations[name] for name in coords} == coords
        per_neuron = trains.steps_per_neuron()
        assert [st.annotations["neuron"] for st in segment.spiketrains] == [0, 1, 2, 3]
        for train in segment.spiketrains:
            neuron = train.annotations["neuron"]
            np.testing.assert_array_equal(train.rescale("s").magnitude, per_neuron[neuron] * DT_S)
            assert float(train.t_stop.rescale("s")) == 1.0
            assert train.annotations["driven"] == bool(trains.driven[neuron])


def test_nwb_units_table_reads_back_with_pynwb(tmp_path):
    spikes = stored(tmp_path)
    write_nwb(spikes, tmp_path / "spikes.nwb", identifier="test", description="two runs")
    with NWBHDF5IO(str(tmp_path / "spikes.nwb"), "r") as io:
        units = io.read().units.to_dataframe()
    assert len(units) == 8  # 4 stored trains per run; the silent neuron 4 has none
    for (coords, trains), (_, table) in zip(spikes, units.groupby("seed"), strict=True):
        assert set(table["mode"]) == {coords["mode"]} and set(table["network"]) == {"net"}
        per_neuron = trains.steps_per_neuron()
        for _, row in table.iterrows():
            np.testing.assert_array_equal(row["spike_times"], per_neuron[row["neuron"]] * DT_S)
    assert units.query("seed == 1 and neuron == 3")["driven"].item() is False
    with NWBHDF5IO(str(tmp_path / "spikes.nwb"), "r") as io:
        nwb = io.read()
        assert nwb.file_create_date[0].year == 1970  # no date of writing in the file
        assert nwb.session_start_time.year == 1970
