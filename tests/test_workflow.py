"""A real `snakemake --cores 2` run of a tiny study in a temporary directory."""

import json
import re
import shutil
import subprocess

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from conftest import FORUM3, run_at, snakemake, validated

from spikesweep.analyses.inputs import read_costs
from spikesweep.engine.runtime import simulate
from spikesweep.engine.standalone import run_program
from spikesweep.networks.connectivity import network_from_source
from spikesweep.spikes import iter_runs, spike_trains
from spikesweep.study import RUN_COORDS, load_study

pytestmark = pytest.mark.workflow

FORUM_DRIVE = [{"rate_hz": 150, "n_sources": 1, "weight_mV": 68.75}]
TINY = {
    "study": "tiny",
    "duration_ms": 1000,
    "seeds": [0, 1, 2],
    "networks": {"forum3": {"matrix": FORUM3}, "fromfile": {"file": "edges.csv"}},
    "sweeps": {
        "modes": {
            "networks": ["forum3"],
            "modes": ["poisson_input", "per_neuron", "shared_source"],
            "points": FORUM_DRIVE,
        },
        "file": {
            "networks": ["fromfile"],
            "modes": ["poisson_input"],
            "points": FORUM_DRIVE,
            "seeds": [1],
        },
        "lesion": {"networks": ["forum3"], "modes": ["poisson_input"], "points": FORUM_DRIVE},
        # named driven and silenced sets and a model axis: run values of the same program
        "screen": {
            "networks": ["forum3"],
            "modes": ["poisson_input"],
            "points": [{**FORUM_DRIVE[0], "tau_m_ms": 10}],
            "targets": {"every": "all"},
            # neuron 2 has no outgoing synapse: the propagation analysis, which does not
            # know silenced sets, still finds every pair's sign
            "silenced": {"cut": [2]},
            "seeds": [0],
        },
    },
    "controls": {"lesion_inhibition": ["lesion"]},
    "record_state_max_neurons": 3,
}
N_RUNS = 3 * 3 + 1 + 3 + 1  # modes, file, lesion controls, screen


def run_tiny(workdir, *args, cores="2"):
    """Write the tiny study's config and edge list to ``workdir`` and run it."""
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY))
    pre, post = np.nonzero(FORUM3)
    edges = pd.DataFrame({"pre": pre, "post": post, "weight": np.array(FORUM3)[pre, post]})
    edges.to_csv(workdir / "edges.csv", index=False)
    result = snakemake(workdir, "--cores", cores, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    return run_tiny(tmp_path_factory.mktemp("tiny"))


def test_spikes_nc_holds_every_run(study):
    with xr.open_dataset(study / "results/tiny/spikes.nc") as spikes:
        spikes.load()
    runs = list(iter_runs(spikes))
    assert len(runs) == N_RUNS
    assert spikes.sizes["train"] == N_RUNS * 3
    assert set(spikes["network"].values) == {"forum3", "fromfile", "forum3-lesioned"}
    assert spikes.attrs["config_hash"] and spikes.attrs["command"] == "snakemake rule collect"
    for _, trains in runs:
        assert sorted(trains) == [0, 1, 2]
        assert all(0 <= t.min() and t.max() < 1 for t in trains.values() if t.size)


def test_workflow_spikes_equal_a_direct_run_of_the_program(study):
    """The file network's stored spikes are those of the inline forum3's program."""
    with xr.open_dataset(study / "results/tiny/spikes.nc") as spikes:
        stored = spike_trains(spikes, network="fromfile", mode="poisson_input", seed=1)
    config = validated(TINY)
    tiny = load_study(config, config_dir=study)
    run = next(r for r in tiny.runs if r == run_at("forum3", "poisson_input", 150, 1, 68.75, 1))
    program = study / "results/tiny/builds/forum3/mode~poisson_input" / run.structure_id
    direct, _ = run_program(program, run)
    assert len(direct.step) > 300  # three neurons near 112.8 Hz
    for neuron, times in stored.items():
        np.testing.assert_array_equal(times, direct.step[direct.neuron == neuron] * 1e-4)


def test_every_poisson_input_run_of_a_network_shares_one_program(study):
    """The screen's driven and silenced sets and its tau_m are run values."""
    builds = study / "results/tiny/builds/forum3/mode~poisson_input"
    assert len(list(builds.iterdir())) == 1
    with xr.open_dataset(study / "results/tiny/spikes.nc") as spikes:
        cut = spike_trains(spikes, network="forum3", targets="every", silenced="cut")
        intact = spike_trains(spikes, network="forum3", mode="poisson_input", targets="all", seed=0)
    assert len(cut[0]) > 50 and len(intact[0]) > 50  # both driven at the forum's drive (~112 Hz)


def test_the_engine_gives_the_spikes_of_brian2s_cython_runtime(study):
    """Same seed, same generator: cpp_standalone and the Cython runtime agree spike for spike."""
    with xr.open_dataset(study / "results/tiny/spikes.nc") as spikes:
        stored = spike_trains(spikes, network="forum3", mode="per_neuron", seed=2)
    point = run_at("forum3", "per_neuron", 150.0, 1, 68.75, 2, codegen_target="cython")
    runtime = simulate(network_from_source("forum3", {"matrix": FORUM3})[0], point)
    for neuron, times in stored.items():
        np.testing.assert_array_equal(times, runtime.step[runtime.neuron == neuron] * 1e-4)


def test_rates_nc_has_a_group_per_network(study):
    tree = xr.open_datatree(study / "results/tiny/rates.nc")
    assert set(tree.children) == {"forum3", "fromfile", "forum3-lesioned"}
    with xr.open_dataset(study / "results/tiny/spikes.nc") as spikes:
        stored = spike_trains(spikes, network="forum3", mode="shared_source", seed=0)
    rate = tree["forum3"]["rate_hz_out"]
    shared = rate.sel(mode="shared_source", seed=0, targets="all", silenced="none", tau_m_ms=20)
    np.testing.assert_allclose(shared.squeeze().values, [len(stored[k]) / 1.0 for k in range(3)])
    screen = rate.sel(targets="every", silenced="cut", tau_m_ms=10)
    assert int(screen.notnull().all("neuron").sum()) == 1  # one run: poisson_input, seed 0
    assert not rate.sel(targets="all", silenced="none", tau_m_ms=20).isnull().any()
    assert tree["fromfile"]["rate_hz_out"].sizes["seed"] == 1


def test_each_run_has_its_cost_record_and_provenance(study):
    runs = sorted((study / "results/tiny/sims").rglob("*.nc"))
    assert len(runs) == N_RUNS
    costs = read_costs(sorted((study / "results/tiny/benchmarks/runs").rglob("*.tsv")))
    assert len(costs.drop_duplicates(list(RUN_COORDS))) == len(costs) == N_RUNS
    assert (costs["wall_s"] > 0).all() and (costs["max_rss_mb"] > 0).all()
    assert (costs["simulation_s"] > 0).all()
    assert (costs["simulation_s"] < costs["wall_s"]).all()  # the loop, within the run
    with xr.open_dataset(runs[0]) as ds:
        assert ds.attrs["command"] == "snakemake rule simulate"
        assert ds.attrs["codegen_target"] == "cpp_standalone"


def test_figures_regenerate_from_stored_results_byte_for_byte(study):
    """Delete the figures and answers.md; the figures target redraws them, simulating nothing."""
    results = study / "results/tiny"
    products = [*sorted((results / "figures").iterdir()), results / "answers.md"]
    names = {path.name for path in products}
    assert {"raster.png", "raster.pdf", "independence.png", "inhibition.pdf"} <= names
    assert {"propagation.png", "input_scaling.png", "equivalence.png", "rates.png"} <= names
    original = {path: path.read_bytes() for path in products}
    for path in products:
        path.unlink()
    result = snakemake(study, "--cores", "2", "figures")
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = {line.split()[-1].rstrip(":") for line in result.stderr.splitlines() if "rule " in line}
    assert jobs <= {"figure", "answers", "figures"}, jobs
    for path, content in original.items():
        assert path.read_bytes() == content, path  # PNG, PDF and answers.md: same bytes


def test_report_contains_the_figures(study):
    result = snakemake(study, "--report", "report.html")
    assert result.returncode == 0, result.stderr[-3000:]
    html = (study / "report.html").read_text()
    assert "Q4 inhibition" in html and "Q1.3 what N does" in html


CHROMIUM = shutil.which("chromium")
HEADLESS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"),
    *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
    "--virtual-time-budget=20000",
]


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_the_report_renders_in_a_real_browser(study, tmp_path):
    """Headless Chromium runs the report's scripts: the page builds its navigation and text."""
    report = study / "report.html"
    if not report.exists():
        assert snakemake(study, "--report", "report.html").returncode == 0
    url = report.resolve().as_uri()
    profile = ["--user-data-dir=" + str(tmp_path / "profile")]
    dom = subprocess.run(
        [CHROMIUM, *HEADLESS, *profile, "--dump-dom", url], capture_output=True, text=True
    ).stdout
    body = re.sub(r"<script.*?</script>", "", dom[dom.find("<body") :], flags=re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    # Rendered by the report's scripts from its embedded data (absent from the raw file).
    for rendered in ("Results", "Answers", "Q4 inhibition", "Spike trains and rates"):
        assert rendered in text, rendered
    assert "spikesweep simulated study tiny" in text
    shot = tmp_path / "report.png"
    subprocess.run(
        [CHROMIUM, *HEADLESS, *profile, "--window-size=1280,900", f"--screenshot={shot}", url],
        capture_output=True,
        check=True,
    )
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (900, 1280) and pixels.std() > 0.05  # drawn, not blank


def test_one_core_and_one_run_per_job_give_the_same_bytes(study, tmp_path_factory):
    """Results depend on config and seeds only, not on parallelism, job order or batching."""
    serial = run_tiny(
        tmp_path_factory.mktemp("serial"),
        "results/tiny/spikes.nc",
        "--config",
        "batch_size=1",
        cores="1",
    )
    batch_logs = list((serial / "logs/tiny/batches").rglob("*.log"))
    assert len(batch_logs) == N_RUNS  # one job per run, against fewer by default
    assert len(list((study / "logs/tiny/batches").rglob("*.log"))) < N_RUNS
    for name in ("spikes.nc", "rates.nc"):
        with (
            xr.open_dataset(study / "results/tiny" / name) as parallel_data,
            xr.open_dataset(serial / "results/tiny" / name) as serial_data,
        ):
            xr.testing.assert_identical(parallel_data.load(), serial_data.load())
    for run in sorted((study / "results/tiny/sims").rglob("*.nc")):
        twin = serial / run.relative_to(study)
        assert run.read_bytes() == twin.read_bytes(), run


def test_a_finished_study_has_nothing_left_to_do(study):
    result = snakemake(study, "--cores", "1", "--dry-run")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def verdict(study, name: str) -> dict:
    return json.loads((study / f"results/tiny/analysis/{name}.json").read_text())


def test_independence_verdicts_and_controls(study):
    summary = verdict(study, "independence")
    assert summary["verdict"] == "independent"
    assert summary["controls"]["positive_shared_source"]["passed"]
    assert summary["controls"]["negative_across_seeds"]["passed"]
    by_mode = {row["mode"]: row["verdict"] for row in summary["points"]}
    assert by_mode == {
        "poisson_input": "independent",
        "per_neuron": "independent",
        "shared_source": "dependent",
    }
    with xr.open_dataset(study / "results/tiny/analysis/independence.nc") as numbers:
        assert (
            numbers.sizes["point"] == 6 and numbers.attrs["config_hash"]
        )  # 3, file, lesion, screen


def test_equivalence_finds_the_loop_equivalent_and_reports_cost(study):
    summary = verdict(study, "equivalence")
    (row,) = summary["points"]
    assert row["mode"] == "per_neuron" and row["difference_hz"] == 0
    assert row["verdict"] == "equivalent"
    assert set(summary["cost_per_run"]) == {"poisson_input", "per_neuron", "shared_source"}
    for cost in summary["cost_per_run"].values():
        assert 0 < cost["simulation_s"] <= cost["wall_s"]  # the loop is part of a run


def test_input_scaling_matches_the_dead_time_prediction(study):
    summary = verdict(study, "input_scaling")
    assert summary["verdict"] != "deviates from theory"
    forum = [row for row in summary["points"] if row["network"] == "forum3"]
    assert {row["mode"] for row in forum} == {"poisson_input", "per_neuron"}
    assert all(abs(row["relative_error"]) < 0.1 for row in forum)


def test_inhibition_at_the_forum_drive_is_reported_honestly(study):
    """Each 68.75 mV event fires neuron 2 whatever its -1 mV input: no detectable effect."""
    summary = verdict(study, "inhibition")
    (row,) = [row for row in summary["points"] if row["inhibitory_input"]]
    assert row["neuron"] == 2 and row["seeds"] == 3
    assert row["verdict"] == "no detectable effect"
    assert row["ci95_low_hz"] <= row["difference_hz"] <= row["ci95_high_hz"]
    assert summary["controls"]["neurons_without_inhibitory_input"]["tests"] == 2


def test_propagation_signs_follow_the_weights(study):
    summary = verdict(study, "propagation")
    connected = {
        (row["mode"], row["pre"], row["post"]): row
        for row in summary["points"]
        if row["kind"] == "connected" and row["network"] == "forum3"
    }
    assert set(connected) == {
        (mode, pre, post)
        for mode in ("poisson_input", "per_neuron")
        for pre, post in ((0, 1), (1, 2))
    }
    for (_, pre, _), row in connected.items():
        assert row["verdict"] == ("excitatory" if pre == 0 else "inhibitory")
    assert summary["controls"]["reversed_unconnected_pairs"]["passed"]
    with xr.open_dataset(study / "results/tiny/analysis/propagation.nc") as numbers:
        assert numbers["sta_g_mV"].dims == ("point", "lag_ms")


def test_answers_restate_every_question(study):
    answers = (study / "results/tiny/answers.md").read_text()
    for label in ("Q1.", "Q1.1/Q1.2.", "Q1.3.", "Q2.", "Q4."):
        assert f"## {label}" in answers
    assert "**Verdict: independent**" in answers
