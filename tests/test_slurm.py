"""The workflow on a real SLURM through `--profile profiles/slurm` (tests/slurm/cluster.sh).

Skipped where SLURM is absent (`sinfo` not on PATH); CI starts a single-node
cluster first. Every snakemake run is bounded by `timeout -k`.
"""

import shutil
import subprocess
import sys
import threading
import time

import pytest
import xarray as xr
import yaml
from conftest import FORUM3, ROOT

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(shutil.which("sinfo") is None, reason="no SLURM here (sinfo not found)"),
]

FORUM_DRIVE = [{"rate_hz": 150, "n_sources": 1, "weight_mV": 68.75}]
STUDY = {
    "study": "cluster",
    "seeds": [0, 1, 2],
    "batch_size": 2,
    "networks": {"forum3": {"matrix": FORUM3}},
    "sweeps": {
        "drive": {
            "networks": ["forum3"],
            "modes": ["poisson_input", "per_neuron"],
            "points": FORUM_DRIVE,
        }
    },
}
N_RUNS = 2 * 3
TIMEOUT_S = 600


def snakemake(workdir, config: dict, *args: str) -> subprocess.Popen:
    """Start the workflow on ``config`` in ``workdir`` (bounded by ``timeout -k``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    command = [
        *("timeout", "-k", "30", str(TIMEOUT_S)),
        *(sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")),
        *("--directory", str(workdir), "--configfile", str(workdir / "config.yaml")),
        *args,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def squeue() -> list[tuple[str, str, str]]:
    """(job id, state, comment) of every job SLURM still knows."""
    lines = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%i|%T|%k"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return [tuple(line.split("|", 2)) for line in lines]


def cancel_first_simulation(cancelled: list[str], deadline_s: float) -> None:
    """scancel the first simulation job seen running; record its id in ``cancelled``."""
    known = {job for job, _, _ in squeue()}
    stop = time.monotonic() + deadline_s
    while time.monotonic() < stop:
        for job, state, comment in squeue():
            if job not in known and state == "RUNNING" and comment.startswith("rule_simulate_"):
                subprocess.run(["scancel", job], check=True)
                cancelled.append(job)
                return
        time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory):
    """The study through SLURM, with one simulation job cancelled while it runs."""
    workdir = tmp_path_factory.mktemp("slurm")
    cancelled: list[str] = []
    watcher = threading.Thread(target=cancel_first_simulation, args=(cancelled, TIMEOUT_S))
    watcher.start()
    process = snakemake(
        workdir, STUDY, "--profile", str(ROOT / "profiles/slurm"), "results/cluster/spikes.nc"
    )
    output, _ = process.communicate()
    watcher.join()
    assert process.returncode == 0, output[-4000:]
    return workdir, cancelled, output


def test_every_simulation_ran_as_a_slurm_job(cluster_run):
    workdir, _, _ = cluster_run
    runs = sorted((workdir / "results/cluster/sims").rglob("*.nc"))
    assert len(runs) == N_RUNS
    finished = {job for job, state, _ in squeue() if state == "COMPLETED"}
    for run in runs:
        with xr.open_dataset(run) as dataset:
            assert dataset.attrs["slurm_job_id"] in finished, run


def test_a_cancelled_job_is_retried_and_the_study_completes(cluster_run):
    workdir, cancelled, output = cluster_run
    (job,) = cancelled
    recorded = set()
    for run in (workdir / "results/cluster/sims").rglob("*.nc"):
        with xr.open_dataset(run) as dataset:
            recorded.add(dataset.attrs["slurm_job_id"])
    assert job not in recorded  # its runs were redone by another job
    assert "CANCELLED" in output or "failed" in output.lower(), output[-3000:]


def test_spike_data_equal_those_of_a_local_run(cluster_run, tmp_path_factory):
    workdir, _, _ = cluster_run
    local = tmp_path_factory.mktemp("local")
    process = snakemake(local, STUDY, "--cores", "2", "results/cluster/spikes.nc")
    output, _ = process.communicate()
    assert process.returncode == 0, output[-3000:]
    with (
        xr.open_dataset(workdir / "results/cluster/spikes.nc") as on_cluster,
        xr.open_dataset(local / "results/cluster/spikes.nc") as here,
    ):
        xr.testing.assert_equal(on_cluster.load(), here.load())  # data, not provenance
        assert "slurm_job_id" in on_cluster.attrs and "slurm_job_id" not in here.attrs


def test_a_job_that_fails_for_good_fails_the_workflow_naming_rule_and_log(tmp_path):
    """A corrupt connectivity file passes the config checks but fails the network job."""
    (tmp_path / "broken.npy").write_bytes(b"\x93NUMPY truncated")
    config = {**STUDY, "study": "broken", "networks": {"forum3": {"file": "broken.npy"}}}
    process = snakemake(
        tmp_path, config, "--profile", str(ROOT / "profiles/slurm"), "results/broken/spikes.nc"
    )
    output, _ = process.communicate()
    assert process.returncode not in (0, 124, 137), output[-3000:]  # failed, not timed out
    assert "Error in rule network" in output
    assert "logs/broken/networks/forum3.log" in output
    assert not (tmp_path / "results/broken/sims").exists()
