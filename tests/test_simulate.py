"""Real Brian2 simulations of the forum's circuit (Cython, as the workflow runs them).

All tests use forum3 at the forum's drive, so they share compiled code objects
with each other and with the workflow test.
"""

import os

import numpy as np
import pandas as pd
import pytest
from brian2 import Hz, ms
from conftest import FORUM3, run_at, validated, with_change

from spikesweep.analyses.theory import suprathreshold_rate
from spikesweep.engine.batches import release_kept, run_batch, runners
from spikesweep.engine.runtime import simulate
from spikesweep.networks.connectivity import network_from_source, save_network
from spikesweep.study import load_study

SEEDS = range(5)
DURATION_S = 1.0
DT = 0.1 * ms


def cython_at(mode, rate_hz, n_sources, weight_mV, seed, **settings):
    """A run of 1 s on Cython."""
    return run_at(
        "forum3", mode, rate_hz, n_sources, weight_mV, seed, codegen_target="cython", **settings
    )


@pytest.fixture(scope="module")
def forum3():
    return network_from_source("forum3", {"matrix": FORUM3})[0]


@pytest.fixture(scope="module")
def runs(forum3):
    """Spike trains of every mode at the forum's drive, for each seed."""
    return {
        (mode, seed): simulate(forum3, cython_at(mode, 150.0, 1, 68.75, seed))
        for mode in ("poisson_input", "per_neuron", "poisson_group", "shared_source")
        for seed in SEEDS
    }


def trains_of(result):
    return [result.step[result.neuron == k] for k in range(result.n_neurons)]


@pytest.mark.parametrize("mode", ["poisson_input", "per_neuron", "poisson_group"])
def test_forum_drive_fires_at_the_dead_time_rate(runs, model, mode):
    """Each 68.75 mV event fires the neuron unless refractory: 112.8 Hz at 150 Hz.

    The tolerance is 4 standard errors of the mean over 5 seeds x 3 neurons,
    from the renewal-process variance of the count (Fano factor = CV^2 of the
    inter-spike interval): a correct simulator fails it with probability 6e-5.
    """
    refractory = model["refractory_ms"] * ms
    expected = suprathreshold_rate(150 * Hz, 1, DT, refractory) / Hz
    p = 150 * float(DT / ms) / 1000
    n_ref = round(float(refractory / DT))
    cv2 = ((1 - p) / p**2) / (n_ref + 1 / p) ** 2
    counts = np.array([runs[mode, seed].counts for seed in SEEDS])
    sem = np.sqrt(expected * DURATION_S * cv2 / counts.size)
    assert abs(counts.mean() - expected) < 4 * sem, (counts.mean(), expected, sem)
    assert 110 < expected < 115


def test_no_spike_closer_than_the_refractory_period(runs, model):
    """Input during refractoriness is lost (Brian2's conditional write on v)."""
    n_ref = round(float(model["refractory_ms"] * ms / DT))
    for result in runs.values():
        for train in trains_of(result):
            assert np.diff(train).min() > n_ref


@pytest.mark.parametrize("seed", SEEDS)
def test_per_neuron_loop_equals_one_poisson_input(runs, seed):
    """Both draw one binomial per driven, non-refractory neuron and step, in neuron order."""
    loop, single = runs["per_neuron", seed], runs["poisson_input", seed]
    np.testing.assert_array_equal(loop.neuron, single.neuron)
    np.testing.assert_array_equal(loop.step, single.step)


def test_independent_modes_give_different_trains_per_neuron(runs):
    for mode in ("poisson_input", "poisson_group"):
        first, second_, third = trains_of(runs[mode, 0])
        assert not np.array_equal(first, second_) and not np.array_equal(first, third)


def test_shared_source_gives_identical_trains(runs):
    """With identical input and every event suprathreshold, all neurons fire together."""
    for seed in SEEDS:
        first, *others = trains_of(runs["shared_source", seed])
        for other in others:
            np.testing.assert_array_equal(other, first)


def test_same_seed_same_spikes_other_seed_other_spikes(forum3, runs):
    again = simulate(forum3, cython_at("poisson_group", 150.0, 1, 68.75, 0))
    np.testing.assert_array_equal(again.step, runs["poisson_group", 0].step)
    assert not np.array_equal(runs["poisson_group", 1].step, again.step)


def test_targets_restrict_the_drive(forum3):
    result = simulate(forum3, cython_at("poisson_input", 150.0, 1, 68.75, 0, targets=(0, 2)))
    assert result.counts[0] > 50 and result.counts[2] > 50
    assert result.counts[1] == 0  # 0 -> 1 is 2.5 mV into g: below threshold on its own


def test_an_in_process_run_reports_its_simulation_loop(forum3, tmp_path):
    """A batch's runtime runner: Brian2's run-loop time is part of the run's wall time."""
    study = load_study(validated(with_change("codegen_target", "cython")))
    save_network(forum3, np.arange(3), tmp_path / "forum3.npz")
    with runners(None, tmp_path / "forum3.npz") as [simulate_run]:
        trains, cost = simulate_run(study.runs[0])
    assert trains.n_neurons == 3 and trains.counts.sum() > 0
    assert 0 < cost.simulation_s < cost.wall_s


def test_a_batch_whose_snakemake_is_gone_stops_and_keeps_its_runs(forum3, tmp_path):
    """Told to stop before its third run, a batch keeps two; run again, it simulates one."""
    study = load_study(validated(with_change("codegen_target", "cython")))
    save_network(forum3, np.arange(3), tmp_path / "forum3.npz")
    runs = list(study.runs[:3])
    spikes = [str(tmp_path / f"{k}.nc") for k in range(3)]
    costs = str(tmp_path / "costs.tsv")
    answers = iter([True, True, False])
    with (
        runners(None, tmp_path / "forum3.npz") as simulate,
        pytest.raises(RuntimeError, match="stopping before run 3/3"),
    ):
        run_batch(runs, spikes, costs, simulate, "test", keep_going=lambda: next(answers))
    assert [os.path.exists(path) for path in spikes] == [True, True, False]
    assert not os.path.exists(costs)  # written once the batch is done
    kept = {path: os.stat(path).st_ino for path in spikes[:2]}
    for path in spikes[:2]:
        os.unlink(path)  # as Snakemake removes an interrupted job's outputs
    with runners(None, tmp_path / "forum3.npz") as simulate:
        run_batch(runs, spikes, costs, simulate, "test")
    assert {path: os.stat(path).st_ino for path in spikes[:2]} == kept  # linked back
    assert pd.read_csv(costs, sep="\t")["seed"].tolist() == [run.seed for run in runs]
    release_kept(spikes)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
