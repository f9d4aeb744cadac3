"""The cpp_standalone engine: compile once, set values and seeds per run.

One program is compiled for the module (about 15 s): forum3 under
``poisson_input``, 10 s simulated, at the fluctuation-driven point
(150 Hz x 20 x 0.115 mV; about 14 Hz out). That spikesweep's programs draw
Brian2's own spikes is tested in test_poisson_input.py.
"""

import multiprocessing
import os
import platform
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import FORUM3, MINIMAL, validated

from spikesweep.engine.batches import run_batch, runners
from spikesweep.engine.standalone import Program, compile_program, run_program
from spikesweep.networks.connectivity import network_from_source
from spikesweep.study import Run, load_study

FLUCTUATION = {"rate_hz": 150, "n_sources": 20, "weight_mV": 0.115}
SEEDS = list(range(3))


def runs_of(mode: str = "poisson_input", **point) -> list[Run]:
    config = validated(
        {
            **MINIMAL,
            "duration_ms": 10000,
            "seeds": SEEDS,
            "sweeps": {
                "drive": {
                    "networks": ["forum3"],
                    "modes": [mode],
                    "points": [{**FLUCTUATION, **point}],
                }
            },
        }
    )
    study = load_study(config)
    return list(study.runs)


@pytest.fixture(scope="module")
def program(tmp_path_factory):
    """The compiled program of forum3 under poisson_input (built in a process of its own)."""
    connectivity, _ = network_from_source("forum3", {"matrix": FORUM3})
    directory = tmp_path_factory.mktemp("builds") / "poisson_input"
    process = multiprocessing.get_context("spawn").Process(
        target=compile_program, args=(runs_of()[0], connectivity, directory, 2)
    )
    process.start()
    process.join()
    assert process.exitcode == 0
    return directory


def test_a_seed_gives_the_same_spikes_in_any_order(program):
    runs = runs_of()
    first = [run_program(program, run)[0] for run in runs]
    again = [run_program(program, run)[0] for run in reversed(runs)]
    for a, b in zip(first, reversed(again), strict=True):
        np.testing.assert_array_equal(a.step, b.step)
        np.testing.assert_array_equal(a.neuron, b.neuron)
    assert not np.array_equal(first[0].step, first[1].step)  # seeds matter


def test_runs_in_one_process_are_those_of_their_own_processes(program):
    """A program simulates runs one after another: each run's spikes are those it has
    alone, whatever ran before it in the process (other seeds, drive, model, delay)."""
    runs = [
        *runs_of(),
        runs_of(n_sources=40, weight_mV=0.2, delay_ms=3.0)[0],
        runs_of(tau_m_ms=10, refractory_ms=5.0)[1],
    ]
    alone = [run_program(program, run)[0] for run in runs]
    with Program(program) as together:
        for order in (range(len(runs)), reversed(range(len(runs)))):
            for k in order:
                trains, cost = together(runs[k])
                np.testing.assert_array_equal(trains.neuron, alone[k].neuron)
                np.testing.assert_array_equal(trains.step, alone[k].step)
                assert 0 < cost.simulation_s <= cost.wall_s
    assert len({len(trains.step) for trains in alone}) == len(runs)  # the runs differ


def test_run_values_change_without_a_rebuild(program):
    """Rate, N, weight and the model are all set per run."""
    (base,) = runs_of()[:1]
    (louder,) = runs_of(n_sources=40, weight_mV=0.2)[:1]
    (slower,) = runs_of(tau_m_ms=10, v_th_mV=-44)[:1]
    assert base.structure_id == louder.structure_id == slower.structure_id
    quiet, loud, slow = (
        run_program(program, run)[0].counts.sum() for run in (base, louder, slower)
    )
    assert loud > 5 * quiet  # ~108 Hz vs ~14 Hz
    assert slow < quiet / 5  # mean potential -48.6 mV, 4.6 mV below threshold


def test_a_program_refuses_a_run_of_another_structure(program):
    other = runs_of(rate_hz=100)[0]
    other = Run(other.network, other.mode, other.point, 0, duration_ms=500.0)
    with pytest.raises(ValueError, match="another structure"):
        run_program(program, other)


def batch_runs() -> list[Run]:
    """Seven runs of the program's structure, of different lengths in spikes."""
    return [*runs_of(), *runs_of(n_sources=40, weight_mV=0.2), runs_of(tau_m_ms=10)[0]]


def test_a_batch_on_two_processes_writes_the_files_of_one(program, tmp_path):
    """A batch job's processes take its runs as they come free: every file is byte for
    byte the one a single process writes, and the cost table keeps the batch's order."""
    runs = batch_runs()
    tables = {}
    for workers in (1, 2):
        folder = tmp_path / f"{workers}"
        folder.mkdir()
        paths = [str(folder / f"{k}.nc") for k in range(len(runs))]
        with runners(program, None, workers) as simulate:
            assert len(simulate) == workers
            run_batch(runs, paths, str(folder / "costs.tsv"), simulate, "test")
        tables[workers] = (folder / "costs.tsv").read_text().splitlines()
    for path in sorted((tmp_path / "1").glob("*.nc")):
        assert path.read_bytes() == (tmp_path / "2" / path.name).read_bytes(), path.name
    assert len(tables[1]) == len(runs) + 1
    # The same rows in the same order (each row's last three columns are its costs).
    assert [row.split("\t")[:-3] for row in tables[1]] == [
        row.split("\t")[:-3] for row in tables[2]
    ]


def test_a_failed_run_stops_its_batch_and_keeps_the_runs_under_way(program, tmp_path):
    """Run 3 of 7 fails on one of two processes: the run under way on the other
    process is kept, no run after the failure is waited for, and the error is the run's."""
    runs = batch_runs()
    paths = [str(tmp_path / f"{k}.nc") for k in range(len(runs))]

    def failing_third(simulate_run):
        def simulate(run):
            if run == runs[2]:
                raise RuntimeError(f"run {run.label} failed")
            return simulate_run(run)

        return simulate

    with (
        runners(program, None, 2) as simulate,
        pytest.raises(RuntimeError, match=r"forum3 .* seed 2 failed"),
    ):
        run_batch(runs, paths, str(tmp_path / "costs.tsv"), [*map(failing_third, simulate)], "test")
    kept = [os.path.exists(path) for path in paths]
    assert kept[:3] == [True, True, False]
    assert not all(kept) and not (tmp_path / "costs.tsv").exists()


@pytest.mark.skipif(platform.machine() != "x86_64", reason="x86-64 only")
def test_the_neuron_loops_are_compiled_for_two_instruction_sets(program):
    """The program runs on any x86-64 node: its neurons' loops exist for the baseline
    and for x86-64-v3, and the CPU it starts on picks one."""
    symbols = subprocess.run(
        ["nm", "--demangle", program / "main"], capture_output=True, text=True, check=True
    ).stdout
    for loop in ("stateupdater", "spike_thresholder"):
        for version in ("default", "arch_x86_64_v3"):
            assert f"_loop_neurons_{loop}_codeobject() [clone .{version}]" in symbols


def test_a_program_that_dies_fails_its_run_by_name(program):
    """A program killed between runs: the next run fails naming the program and the run,
    and the batch's program closes without another error."""
    with Program(program) as running:
        running(runs_of()[0])
        running._process.kill()
        running._process.wait()
        with pytest.raises(RuntimeError, match=r"main stopped while running forum3 .* seed 1"):
            running(runs_of()[1])


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_program_does_not_outlive_its_batch(program):
    """A batch killed by SIGKILL (no cleanup in Python) leaves no program waiting for
    runs: its input closes, and it exits."""
    batch = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from spikesweep.engine.standalone import Program\n"
            "program = Program(sys.argv[1]).__enter__()\n"
            "print(program._process.pid, flush=True)\n"
            "time.sleep(600)\n",
            str(program),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    pid = int(batch.stdout.readline())
    assert _process_state(pid) not in ("gone", "Z")
    batch.kill()
    batch.wait()
    for _ in range(100):  # up to 5 s
        if _process_state(pid) in ("gone", "Z"):
            break
        time.sleep(0.05)
    assert _process_state(pid) in ("gone", "Z")


def _process_state(pid: int) -> str:
    """The state letter of a process (``Z``: dead, not yet reaped), or ``gone``."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"
