"""One compiled program for every drive and model: spike for spike Brian2's own.

spikesweep sets ``PoissonInput``'s rate and ``N``, the driven neurons and the
model's parameters per run; Brian2 compiles them in. Each test runs
spikesweep's model and the forum's formulation of the same run
(:mod:`forum_model`: constants, ``PoissonInput(N, rate)``, weights in volts)
with the same seed and requires identical spike trains, in both regimes of
Brian2's binomial (the exact inversion, and the normal approximation when
``N p > 5`` and ``N (1 - p) > 5``), and on Cython every neuron's final
potential to the last bit (a count rounded otherwise than Brian2's, which
moves no spike in 300 ms, moves those bits).
"""

import concurrent.futures
import multiprocessing
from dataclasses import replace

import brian2
import numpy as np
import pytest
from conftest import FORUM3, run_at
from forum_model import reference_spikes

from spikesweep.engine.standalone import COMPILE_FLAGS, compile_program, run_program
from spikesweep.model import create_simulation
from spikesweep.networks.connectivity import network_from_source, random_connectivity, silence
from spikesweep.study.runs import binomial_values

DT_S = 1e-4
#: (rate_hz, n_sources, weight_mV): p = rate dt; regimes by N p and N (1 - p).
EXACT = (150.0, 20, 0.115)  # N p = 0.3
FORUM = (150.0, 1, 68.75)  # every event fires the neuron
NORMAL = (800.0, 100, 0.03)  # N p = 8, N (1 - p) = 92
REVERSE = (6000.0, 3, 1.0)  # p = 0.6: inversion on 1 - p (C++; see binomial_values)
#: Model axes away from the defaults, all at once; a refractory period that is not a
#: whole number of steps (Brian2 truncates it to 22: spikesweep counts steps as Brian2 does).
OTHER_MODEL = {
    "tau_m_ms": 10.0,
    "tau_syn_ms": 2.0,
    "v_th_mV": -48.0,
    "refractory_ms": 2.25,
    "driven_refractory_ms": 0.0,
    "delay_ms": 3.0,
    "weight_per_synapse_mV": 1.5,
}


@pytest.fixture(scope="module")
def random40():
    """40 neurons with recurrent excitation and inhibition: spikes propagate."""
    return random_connectivity(40, 0.15, (-4, 6), seed=3)


def cython_run(drive, seed=1, mode="poisson_input", **settings):
    return run_at("net", mode, *drive, seed, codegen_target="cython", duration_ms=300.0, **settings)


def on_cython(connectivity, run) -> tuple[np.ndarray, ...]:
    """spikesweep's model run on Cython: spikes as :func:`reference_spikes` gives them,
    and the final ``v`` (V) of every neuron."""
    brian2.prefs.codegen.target = "cython"
    brian2.prefs.codegen.cpp.extra_compile_args_gcc = COMPILE_FLAGS
    brian2.defaultclock.dt = run.dt_ms * brian2.ms
    brian2.seed(run.seed)
    simulation = create_simulation(connectivity, run)
    simulation.set_values(run)
    simulation.connect_drive()
    simulation.network.run(run.duration_ms * brian2.ms, namespace={})
    spikes = simulation.spikes
    steps = np.round(spikes.t_[:] / DT_S).astype(np.int64)
    order = np.lexsort((steps, spikes.i[:]))
    return spikes.i[:][order], steps[order], spikes.source.v_[:]


def assert_same_spikes(ours, reference):
    """Identical spikes (and final potentials, where both give them)."""
    assert len(reference[0]) > 20, "the run should spike"
    for a, b in zip(ours, reference, strict=False):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("drive", [EXACT, FORUM, NORMAL], ids=["exact", "forum", "normal"])
def test_poisson_input_is_brian2s_on_cython(random40, drive):
    run = cython_run(drive)
    assert_same_spikes(on_cython(random40, run), reference_spikes(random40, run))


def test_driven_subset_and_other_model_are_brian2s_on_cython(random40):
    """Driven neurons as a mask (non-contiguous), every model parameter set per run."""
    run = cython_run(NORMAL, targets=(0, 2, 3, 9, 10, 11, 30), model=OTHER_MODEL)
    assert_same_spikes(on_cython(random40, run), reference_spikes(random40, run))


def test_the_drive_visits_the_driven_neurons_only_in_index_order(random40, monkeypatch):
    """One drive synapse per driven neuron, connected from the run's values: the drive's
    loop is as long as the driven set, whatever the network's size."""
    monkeypatch.setitem(brian2.prefs, "codegen.target", "numpy")  # nothing to compile
    for targets in [(0, 2, 3, 9, 10, 11, 30), (), None]:
        run = cython_run(NORMAL, targets=targets)
        simulation = create_simulation(random40, run)
        simulation.set_values(run)
        simulation.connect_drive()
        expected = list(range(40)) if targets is None else list(targets)
        assert simulation.drive.j[:].tolist() == expected


def test_per_neuron_loop_is_brian2s_on_cython():
    forum3 = network_from_source("forum3", {"matrix": FORUM3})[0]
    run = cython_run((150.0, 20, 0.3), mode="per_neuron", targets=(0, 2))
    assert_same_spikes(on_cython(forum3, run), reference_spikes(forum3, run))


def test_binomial_constants_are_brian2s():
    """The run values are the numbers Brian2 writes into its code, in every regime."""
    from brian2.input.binomial import _generate_cpp_code

    for n, p in [(1, 0.015), (20, 0.015), (100, 0.08), (3, 0.6), (3000, 0.0001), (7, 0.9)]:
        values = binomial_values(n, p)
        code = _generate_cpp_code(n, p, values["normal"], "f")[0]["support_code"]
        if values["normal"]:
            expected = [values["scale"], values["loc"]]
        else:
            expected = [values["qn"], values["bound"], values["p"], values["q"]]
        for value in expected:
            assert f"{value:.15f}" in code, (n, p, value)
        assert values["reverse"] == (p > 0.5 and not values["normal"])


@pytest.fixture(scope="module")
def standalone(tmp_path_factory, random40):
    """spikesweep's program (compiled once) and Brian2's own (one per run), on cpp_standalone."""
    folder = tmp_path_factory.mktemp("exactness")
    runs = {
        "exact": run_at("net", "poisson_input", *EXACT, 4, duration_ms=300.0, model=OTHER_MODEL),
        "normal": run_at("net", "poisson_input", *NORMAL, 5, duration_ms=300.0),
        "reverse": run_at("net", "poisson_input", *REVERSE, 6, duration_ms=300.0, targets=(1, 5)),
        # every event fires its neuron: the events of the next 2.2 ms arrive while it is
        # refractory (28 % of them at 150 Hz) and are lost
        "forum": run_at("net", "poisson_input", *FORUM, 7, duration_ms=300.0),
    }
    single = run_at("net", "poisson_input", *EXACT, 4, duration_ms=300.0, precision="single")
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, context, max_tasks_per_child=1) as pool:
        pool.submit(compile_program, runs["exact"], random40, folder / "ours", 2).result()
        pool.submit(compile_program, single, random40, folder / "ours_single", 2).result()
        references = {
            name: pool.submit(reference_spikes, random40, run, folder / name).result()
            for name, run in {**runs, "single": single}.items()
        }
    runs["single"] = single
    return {"double": folder / "ours", "single": folder / "ours_single"}, runs, references


REGIMES = ["exact", "normal", "reverse", "forum"]


@pytest.mark.parametrize("regime", REGIMES)
def test_one_program_runs_brian2s_poisson_input_on_cpp_standalone(standalone, regime):
    programs, runs, references = standalone
    assert {runs[name].structure_id for name in REGIMES} == {runs["exact"].structure_id}
    trains, _ = run_program(programs["double"], runs[regime])
    assert_same_spikes((trains.neuron, trains.step), references[regime][:2])


def test_single_precision_is_brian2s_in_float32(standalone):
    """precision: single is a program of its own, with the spikes of the forum's model
    under Brian2's float32 (core.default_float_dtype), and close to float64's."""
    programs, runs, references = standalone
    assert runs["single"].structure_id != runs["exact"].structure_id
    trains, _ = run_program(programs["single"], runs["single"])
    assert_same_spikes((trains.neuron, trains.step), references["single"][:2])
    double, _ = run_program(programs["double"], replace(runs["single"], precision="double"))
    # What float32 trades (measured at whole-brain scale in docs/whole-brain.md): a spike
    # may move by a step; here, 300 ms of 40 neurons, none moves.
    keys = [t.neuron.astype(np.int64) * t.n_steps + t.step for t in (trains, double)]
    assert np.isin(*keys).mean() >= 0.95
    assert np.abs(trains.counts - double.counts).max() <= 1


@pytest.mark.parametrize("synapses", ["outgoing", "all"])
def test_a_silenced_set_is_the_network_without_its_synapses(random40, synapses):
    """Silencing as run values (masks) gives the spikes of the network whose silenced
    neurons' synapses are removed (compiled in), to the last bit of v."""
    silenced = (1, 4, 7, 20)
    masked = cython_run(NORMAL, silenced=silenced, silenced_synapses=synapses)
    removed = silence(random40, np.array(silenced), synapses)
    assert removed.nnz < random40.nnz
    assert_same_spikes(on_cython(random40, masked), on_cython(removed, cython_run(NORMAL)))
    intact = on_cython(random40, cython_run(NORMAL))
    assert not np.array_equal(intact[1], on_cython(removed, cython_run(NORMAL))[1])
