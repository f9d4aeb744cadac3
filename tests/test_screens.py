"""The screens' statistics, calibrated on synthetic rates whose answers are known."""

import numpy as np
import scipy.sparse
import scipy.stats
from conftest import validated

from spikesweep.analyses import analysis_status
from spikesweep.analyses.responders import responses
from spikesweep.analyses.silencing import reachable
from spikesweep.study import load_study

ALPHA = 0.05
DATASETS = 200
SEEDS, NEURONS = 12, 50


def poisson_rates(rng, rate_hz: np.ndarray, seeds: int = SEEDS) -> np.ndarray:
    """Rates (Hz) of 1 s trials: Poisson counts, shape (seeds, neurons)."""
    return rng.poisson(rate_hz, size=(seeds, len(rate_hz))).astype(float)


def test_responders_keep_their_false_positive_rate_and_find_real_rises():
    """Under the global null (experiment and baseline at 20 Hz in all 50 neurons),
    Benjamini-Hochberg at alpha bounds the chance of any responder by alpha: over 200
    datasets, at most the 99 % upper binomial quantile of alpha (false-failure rate
    0.01). Five neurons raised to 35 Hz are found in at least 90 % of datasets."""
    rng = np.random.default_rng(11)
    background = np.full(NEURONS, 20.0)
    raised = background.copy()
    raised[:5] = 35.0
    false_datasets, found = 0, 0
    for _ in range(DATASETS):
        null = responses(
            poisson_rates(rng, background), poisson_rates(rng, background),
            alpha=ALPHA, min_rate_hz=0,
        )  # fmt: skip
        false_datasets += bool(null["responder"].any())
        table = responses(
            poisson_rates(rng, raised), poisson_rates(rng, background),
            alpha=ALPHA, min_rate_hz=0,
        )  # fmt: skip
        responders = set(table.loc[table["responder"], "neuron"])
        found += responders >= set(range(5))
    assert false_datasets <= scipy.stats.binom.ppf(0.99, DATASETS, ALPHA)
    assert found >= 0.9 * DATASETS


def test_a_response_must_reach_the_smallest_rate_and_silent_neurons_are_not_tested():
    baseline = np.zeros((SEEDS, 4))
    rate = np.zeros((SEEDS, 4))
    rate[:, 1] = 0.5  # every seed: significant, but below 1 Hz
    rate[:, 2] = 40.0
    table = responses(rate, baseline, alpha=ALPHA, min_rate_hz=1)
    assert table["neuron"].tolist() == [1, 2]  # 0 and 3 never fire
    assert table["responder"].tolist() == [False, True]
    assert (table["p_value"] == 0).all()  # zero variance: exact
    row = table.set_index("neuron").loc[2]
    assert row["ci95_low_hz"] == row["mean_rate_hz"] == row["ci95_high_hz"] == 40


def test_reachability_follows_the_synapses_direction():
    # 0 -> 1 -> 2 and 3 -> 4; 5 projects to 1 with weight 0 (no synapse)
    rows, cols, weights = [0, 1, 3, 5], [1, 2, 4, 1], [1.0, -2.0, 3.0, 0.0]
    matrix = scipy.sparse.csr_array((weights, (rows, cols)), shape=(6, 6))
    assert np.flatnonzero(reachable(matrix, np.array([1]))).tolist() == [1, 2]
    assert np.flatnonzero(reachable(matrix, np.array([0, 3]))).tolist() == [0, 1, 2, 3, 4]
    assert np.flatnonzero(reachable(matrix, np.array([5]))).tolist() == [5]


SCREEN = {
    "study": "screen",
    "seeds": [0, 1],
    "networks": {"net": {"random": {"n": 20, "density": 0.2, "weights": [0, 5], "seed": 1}}},
    "sweeps": {
        "screen": {
            "networks": ["net"],
            "modes": ["poisson_input"],
            "points": [{"rate_hz": 150, "n_sources": 1, "weight_mV": 68.75}],
            "targets": {"baseline": [], "a": [0, 1]},
            "silenced": {"none": [], "hub": [2]},
        }
    },
}


def test_screens_are_recognised_and_experiments_named():
    study = load_study(validated(SCREEN))
    assert sorted(name for _, name in study.experiments) == [
        "a", "a__silenced~hub", "baseline", "baseline__silenced~hub",
    ]  # fmt: skip
    assert sorted(name for _, name in study.screened) == ["a", "a__silenced~hub"]
    status = analysis_status(["responders", "silencing"], study)
    assert status == {**status, "responders": None, "silencing": None}
    without_baseline = validated(SCREEN)
    without_baseline["sweeps"]["screen"]["targets"] = {"a": [0, 1]}
    status = analysis_status(["responders", "silencing"], load_study(without_baseline))
    assert "needs a baseline" in status["responders"]
    intact_only = validated(SCREEN)
    intact_only["sweeps"]["screen"]["silenced"] = {"none": []}
    status = analysis_status(["responders", "silencing"], load_study(intact_only))
    assert status["responders"] is None and "silenced set" in status["silencing"]
