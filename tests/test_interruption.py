"""Interruption: SIGKILL the workflow (Snakemake and its jobs), rerun the same command.

The study is killed at three points (while a program compiles, between
simulations, while collecting), rerun with the same command after each kill,
and must then finish with every file equal to an uninterrupted run's, without
redoing a simulation whose file was complete when it was killed; and once in
the middle of a batch of six runs, whose finished runs must be kept as well.
SIGINT or SIGTERM to Snakemake alone (``kill PID``), which leaves its jobs
running, must lose and redo nothing either.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr
import yaml
from conftest import MINIMAL, ROOT

pytestmark = pytest.mark.workflow

STUDY = {**MINIMAL, "study": "resume", "seeds": [0, 1, 2, 3, 4, 5], "batch_size": 1}
TARGET = "results/resume/spikes.nc"


def command(workdir: Path) -> list[str]:
    return [
        *(sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")),
        *("--directory", str(workdir), "--configfile", str(workdir / "config.yaml")),
        *("--cores", "1", TARGET),
    ]


def run_files(workdir: Path) -> dict[Path, int]:
    """Complete run files and their inode numbers.

    Writing a run file makes a new inode (a temporary file renamed); keeping it
    does not. (Modification times cannot tell: Snakemake touches the outputs of
    a job that are older than its start, such as the runs a batch kept.)
    """
    sims = workdir / "results/resume/sims"
    return {path: path.stat().st_ino for path in sims.rglob("*.nc")} if sims.is_dir() else {}


def compiling(workdir: Path) -> bool:
    builds = workdir / "results/resume/builds"
    return builds.is_dir() and any(path.name.startswith(".") for path in builds.rglob("*"))


def simulating(workdir: Path) -> bool:
    return len(run_files(workdir)) >= 2


def collecting(workdir: Path) -> bool:
    return (workdir / "logs/resume/collect.log").exists()


def run_and_kill(workdir: Path, when, signum=signal.SIGKILL, group=True) -> dict[Path, int]:
    """Start the workflow, send ``signum`` once ``when(workdir)``; return the files done.

    The signal goes to the process group (Snakemake and its jobs), or with
    ``group=False`` to Snakemake alone; then the jobs are waited for.
    """
    process = subprocess.Popen(
        command(workdir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while not when(workdir) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    done = run_files(workdir)
    (os.killpg if group else os.kill)(process.pid, signum)
    process.wait()
    while group is False and job_running(process.pid):  # jobs left running after Snakemake
        time.sleep(0.1)
    assert when(workdir), f"the workflow never reached {when.__name__}"
    return done


def job_running(snakemake_pid: int) -> bool:
    """Whether a process of the killed Snakemake's session (one of its jobs) still runs."""
    result = subprocess.run(["ps", "-o", "pid=", "-s", str(snakemake_pid)], capture_output=True)
    return bool(result.stdout.strip())


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("uninterrupted")
    (workdir / "config.yaml").write_text(yaml.safe_dump(STUDY))
    result = subprocess.run(command(workdir), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def test_killed_three_times_the_study_resumes_and_loses_nothing(reference, tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(STUDY))
    completed = {}
    for when in (compiling, simulating, collecting):
        completed.update(run_and_kill(tmp_path, when))
    assert len(completed) >= 2
    resume_and_compare(tmp_path, reference, completed)


def test_a_batch_killed_midway_keeps_its_finished_runs(reference, tmp_path):
    """One job of six runs: Snakemake deletes an interrupted job's outputs."""
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({**STUDY, "batch_size": 6}))
    completed = run_and_kill(tmp_path, simulating)
    assert 2 <= len(completed) < 6, "the batch was not interrupted midway"
    resume_and_compare(tmp_path, reference, completed)
    log = next((tmp_path / "logs/resume/batches").rglob("batch~0.log")).read_text()
    assert log.count("finished by an interrupted job, kept") == len(completed)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_to_snakemake_alone_loses_no_finished_run(reference, tmp_path, signum):
    """``kill -INT PID``: Snakemake exits, its batch job runs on; nothing is redone."""
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({**STUDY, "batch_size": 6}))
    completed = run_and_kill(tmp_path, simulating, signum, group=False)
    assert len(completed) >= 2
    resume_and_compare(tmp_path, reference, completed)


def resume_and_compare(tmp_path, reference, completed: dict[Path, int]) -> None:
    """Rerun the command; the finished runs are kept, every file equals the reference's."""
    result = subprocess.run(command(tmp_path), capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    final = run_files(tmp_path)
    for path, inode in completed.items():
        assert final[path] == inode, f"{path} was simulated again"
    expected = sorted(path.relative_to(reference) for path in run_files(reference))
    assert sorted(path.relative_to(tmp_path) for path in final) == expected
    for relative in expected:
        assert (tmp_path / relative).read_bytes() == (reference / relative).read_bytes()
    with (
        xr.open_dataset(tmp_path / TARGET) as resumed,
        xr.open_dataset(reference / TARGET) as uninterrupted,
    ):
        xr.testing.assert_identical(resumed.load(), uninterrupted.load())
    # Temporary files and build folders of killed jobs are gone (Snakemake marks a
    # directory output with .snakemake_timestamp).
    leftovers = [
        path for path in (tmp_path / "results").rglob(".*") if path.name != ".snakemake_timestamp"
    ]
    assert not leftovers, leftovers
