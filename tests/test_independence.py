"""Calibration of the independence test on synthetic spike trains made here.

Trains live on the default study's grid: 1 s at dt = 0.1 ms of which the
analysis keeps the last 900 ms (the onset transient is left out), 3 driven
neurons, 5 seeds per point, bins of 5 ms. Two processes: the forum drive's output (a
Poisson process with a 2.2 ms dead time, 112.8 Hz) and a fluctuation-driven
rate (Poisson, 14 Hz).
"""

import numpy as np
import pytest
import scipy.sparse
import scipy.stats

from spikesweep.analyses.independence import eligible_pairs, pair_statistics, pooled_test
from spikesweep.analyses.statistics import benjamini_hochberg

N_STEPS, TRANSIENT, N_NEURONS, N_SEEDS, BIN_STEPS, ALPHA = 10_000, 1_000, 3, 5, 50, 0.01
PAIRS = (np.array([0, 0, 1]), np.array([1, 2, 2]))
PROCESSES = {"dead_time_113Hz": (0.015, 22), "poisson_14Hz": (0.0014, 0)}


def renewal_steps(rng, p: float, dead: int) -> np.ndarray:
    """Steps of a discrete renewal process: dead time ``dead`` + geometric(p) waits."""
    isi = dead + rng.geometric(p, size=int(3 * N_STEPS * p) + 50)
    steps = np.cumsum(isi)
    return steps[steps < N_STEPS]


def spike_matrix(trains: list[np.ndarray]) -> scipy.sparse.csr_array:
    rows = np.concatenate([np.full(len(t), k) for k, t in enumerate(trains)])
    cols = np.concatenate(trains)
    return scipy.sparse.csr_array((np.ones(len(cols)), (rows, cols)), shape=(len(trains), N_STEPS))


def dataset(rng, process: str, shared_fraction: float = 0.0) -> dict:
    """One grid point: N_SEEDS runs of N_NEURONS trains, tested as the analysis does."""
    p, dead = PROCESSES[process]
    stats = []
    for _ in range(N_SEEDS):
        shared = rng.random(N_STEPS) < shared_fraction * p / (1 + p * dead)
        trains = []
        for _ in range(N_NEURONS):
            own = renewal_steps(rng, p * (1 - shared_fraction), dead)
            trains.append(np.union1d(own, np.flatnonzero(shared)))
        run = spike_matrix(trains)[:, TRANSIENT:]
        stats.append(pair_statistics(run, run, PAIRS, BIN_STEPS))
    return pooled_test(stats)


@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_false_positive_rate_is_nominal(process):
    """Over 200 independent datasets the rejections lie in the 99 % binomial band."""
    rng = np.random.default_rng(2024)
    rejections = sum(dataset(rng, process)["p_value"] < ALPHA for _ in range(200))
    low, high = scipy.stats.binom.ppf([0.005, 0.995], 200, ALPHA)
    assert low <= rejections <= high, rejections


@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_power_for_five_percent_shared_spikes(process):
    rng = np.random.default_rng(7)
    power = np.mean([dataset(rng, process, 0.05)["p_value"] < ALPHA for _ in range(200)])
    assert power >= 0.9, power


def test_correlation_agrees_with_scipy_pearsonr():
    """Oracle: scipy.stats.pearsonr on the same binned counts."""
    rng = np.random.default_rng(1)
    trains = [renewal_steps(rng, 0.01, 22) for _ in range(N_NEURONS)]
    trains[1] = np.union1d(trains[1], trains[0][::3])  # some real correlation
    run = spike_matrix(trains)
    stats = pair_statistics(run, run, PAIRS, BIN_STEPS)
    binned = [np.bincount(t // BIN_STEPS, minlength=N_STEPS // BIN_STEPS) for t in trains]
    expected = [
        scipy.stats.pearsonr(binned[i], binned[j]).statistic for i, j in zip(*PAIRS, strict=True)
    ]
    np.testing.assert_allclose(stats["r"], expected, rtol=1e-10)
    coincidences = sum(
        len(np.intersect1d(trains[i], trains[j])) for i, j in zip(*PAIRS, strict=True)
    )
    assert stats["coincidences"] == coincidences


def test_identical_trains_are_dependent():
    rng = np.random.default_rng(3)
    train = renewal_steps(rng, 0.015, 22)
    run = spike_matrix([train] * N_NEURONS)
    assert pooled_test([pair_statistics(run, run, PAIRS, BIN_STEPS)])["p_value"] < 1e-10


def test_benjamini_hochberg_matches_the_textbook_example():
    p = [0.01, 0.04, 0.03, 0.005, 0.2]
    rejected, adjusted = benjamini_hochberg(p, 0.05)
    np.testing.assert_allclose(adjusted, [0.025, 0.05, 0.05, 0.025, 0.2])
    assert rejected.tolist() == [True, True, True, True, False]


def test_pairs_within_two_synapses_are_left_out():
    chain = scipy.sparse.csr_array(np.diag(np.ones(5), k=1))  # 0 -> 1 -> ... -> 5
    pairs, kept = eligible_pairs(chain, np.ones(6, dtype=bool))
    assert not kept
    assert all(abs(i - j) > 2 for i, j in zip(*pairs, strict=True))
    forum3 = scipy.sparse.csr_array(np.array([[0, 5, 0], [0, 0, -2], [0, 0, 0]]))
    pairs, kept = eligible_pairs(forum3, np.ones(3, dtype=bool))
    assert kept and len(pairs[0]) == 3  # every pair is within two synapses


def test_many_pairs_of_independent_trains_pass_once_the_onset_is_left_out():
    """With 45,000 pairs the common onset (no spike in the first dead time) is detectable."""
    rng = np.random.default_rng(11)
    trains = [renewal_steps(rng, 0.015, 22) for _ in range(300)]
    run = spike_matrix(trains)
    pairs = np.triu_indices(300, k=1)
    with_onset = pooled_test([pair_statistics(run, run, pairs, BIN_STEPS)])
    without = pooled_test(
        [pair_statistics(run[:, TRANSIENT:], run[:, TRANSIENT:], pairs, BIN_STEPS)]
    )
    assert without["p_value"] > ALPHA
    assert with_onset["p_value"] < without["p_value"]
