"""A real `snakemake --cores 2` run of a tiny study in a temporary directory."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from brian2 import ms
from conftest import FORUM3, ROOT

from spikesweep.config import RunPoint
from spikesweep.networks import build_network
from spikesweep.simulate import simulate
from spikesweep.storage import iter_runs, spike_trains

pytestmark = pytest.mark.workflow

TINY = {
    "study": "tiny",
    "duration_ms": 200,
    "networks": {"forum3": {"matrix": FORUM3}, "fromfile": {"file": "edges.csv"}},
    "sweeps": {
        "drive": {
            "networks": ["forum3", "fromfile"],
            "modes": ["poisson_input", "shared_source"],
            "points": [{"rate_hz": 150, "n_sources": 1, "weight_mV": 68.75}],
            "seeds": [0, 1],
        }
    },
}


def snakemake(workdir, *args):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--snakefile",
            str(ROOT / "Snakefile"),
            "--directory",
            str(workdir),
            "--configfile",
            str(workdir / "config.yaml"),
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("tiny")
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY))
    pre, post = np.nonzero(FORUM3)
    edges = pd.DataFrame({"pre": pre, "post": post, "weight": np.array(FORUM3)[pre, post]})
    edges.to_csv(workdir / "edges.csv", index=False)
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def test_spikes_nc_holds_every_run(study):
    with xr.open_dataset(study / "results/tiny/spikes.nc") as spikes:
        spikes.load()
    runs = list(iter_runs(spikes))
    assert len(runs) == 2 * 2 * 2  # networks x modes x seeds
    assert spikes.sizes["train"] == 8 * 3
    assert set(spikes["network"].values) == {"forum3", "fromfile"}
    assert spikes.attrs["config_hash"] and spikes.attrs["command"] == "snakemake rule collect"
    for _, trains in runs:
        assert sorted(trains) == [0, 1, 2]
        assert all(0 <= t.min() and t.max() < 0.2 for t in trains.values() if t.size)


def test_workflow_spikes_equal_a_direct_simulation(study, model):
    with xr.open_dataset(study / "results/tiny/spikes.nc") as spikes:
        stored = spike_trains(spikes, network="fromfile", mode="poisson_input", seed=1)
    point = RunPoint("forum3", "poisson_input", 150.0, 1, 68.75, 1)
    direct = simulate(build_network("forum3", {"matrix": FORUM3}), model, point, 200 * ms, 0.1 * ms)
    for neuron, times in stored.items():
        np.testing.assert_array_equal(times, direct.step[direct.neuron == neuron] * 1e-4)


def test_rates_nc_has_a_group_per_network(study):
    tree = xr.open_datatree(study / "results/tiny/rates.nc")
    assert set(tree.children) == {"forum3", "fromfile"}
    with xr.open_dataset(study / "results/tiny/spikes.nc") as spikes:
        stored = spike_trains(spikes, network="forum3", mode="shared_source", seed=0)
    rate = tree["forum3"]["rate_hz_out"].sel(mode="shared_source", seed=0).squeeze()
    np.testing.assert_allclose(rate.values, [len(stored[k]) / 0.2 for k in range(3)])
    assert not tree["forum3"]["rate_hz_out"].isnull().any()


def test_each_run_has_its_cost_record_and_provenance(study):
    runs = sorted((study / "results/tiny/sims").rglob("*.nc"))
    assert len(runs) == 8
    for run in runs:
        relative = run.relative_to(study / "results/tiny/sims").with_suffix(".tsv")
        cost = pd.read_csv(study / "results/tiny/benchmarks/sims" / relative, sep="\t")
        assert cost["s"].iloc[0] > 0 and cost["max_rss"].iloc[0] > 0
    with xr.open_dataset(runs[0]) as ds:
        assert ds.attrs["command"] == "snakemake rule simulate"
        assert ds.attrs["codegen_target"] == "cython"


def test_a_finished_study_has_nothing_left_to_do(study):
    result = snakemake(study, "--cores", "1", "--dry-run")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr
