"""The cpp_standalone engine: compile once, set values and seeds per run.

Two programs are compiled for the module (about 15 s each): forum3 under
``poisson_input`` and under ``poisson_count``, 10 s simulated, at the
fluctuation-driven point (150 Hz x 20 x 0.115 mV; about 14 Hz out).
"""

import multiprocessing

import numpy as np
import pytest
import scipy.stats
from conftest import FORUM3, MINIMAL, validated

from spikesweep.engine.standalone import compile_program, run_program
from spikesweep.networks.connectivity import network_from_source
from spikesweep.study import Run, load_study

FLUCTUATION = {"rate_hz": 150, "n_sources": 20, "weight_mV": 0.115}
SEEDS = list(range(40))
#: Equivalence margin for the mean rate, relative to poisson_input's.
MARGIN = 0.05


def runs_of(mode: str, **point) -> list[Run]:
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
def programs(tmp_path_factory):
    """The compiled programs, by mode (each build in a process of its own)."""
    connectivity, _ = network_from_source("forum3", {"matrix": FORUM3})
    folder = tmp_path_factory.mktemp("builds")
    context = multiprocessing.get_context("spawn")
    builds = {}
    for mode in ("poisson_input", "poisson_count"):
        builds[mode] = folder / mode
        process = context.Process(
            target=compile_program, args=(runs_of(mode)[0], connectivity, builds[mode], 2)
        )
        process.start()
        process.join()
        assert process.exitcode == 0
    return builds


def rates(program, runs) -> np.ndarray:
    """Output rate (Hz) of each neuron, shape (seeds, 3)."""
    return np.array([run_program(program, run)[0].counts / 10.0 for run in runs])


def test_a_seed_gives_the_same_spikes_in_any_order(programs):
    runs = runs_of("poisson_input")[:3]
    first = [run_program(programs["poisson_input"], run)[0] for run in runs]
    again = [run_program(programs["poisson_input"], run)[0] for run in reversed(runs)]
    for a, b in zip(first, reversed(again), strict=True):
        np.testing.assert_array_equal(a.step, b.step)
        np.testing.assert_array_equal(a.neuron, b.neuron)
    assert not np.array_equal(first[0].step, first[1].step)  # seeds matter


def test_run_values_change_without_a_rebuild(programs):
    """poisson_count's rate, n_sources and weight are all set per run."""
    program = programs["poisson_count"]
    (base,) = runs_of("poisson_count")[:1]
    (other,) = runs_of("poisson_count", n_sources=40, weight_mV=0.2)[:1]
    assert other.structure_id == base.structure_id
    quiet, loud = run_program(program, base)[0], run_program(program, other)[0]
    assert loud.counts.sum() > 5 * quiet.counts.sum()  # ~108 Hz vs ~14 Hz


def test_a_program_refuses_a_run_of_another_structure(programs):
    other = runs_of("poisson_input", rate_hz=100)[0]
    with pytest.raises(ValueError, match="another structure"):
        run_program(programs["poisson_input"], other)


def test_poisson_count_is_equivalent_to_poisson_input(programs):
    """Same rates within 5 %: TOST at alpha 0.01 on 40 seeds x 10 s, per neuron.

    Each of the 3 neurons' 1 - 2 alpha Welch confidence interval of the
    difference must lie within +-5 % of poisson_input's mean; a KS test
    (alpha 0.01, false-positive rate 1 % per neuron) must not reject. Fixed
    seeds make the outcome deterministic.
    """
    reference = rates(programs["poisson_input"], runs_of("poisson_input"))
    count = rates(programs["poisson_count"], runs_of("poisson_count"))
    assert reference.mean() > 5  # the point drives the neurons
    for neuron in range(3):
        a, b = count[:, neuron], reference[:, neuron]
        welch = scipy.stats.ttest_ind(a, b, equal_var=False)
        low, high = welch.confidence_interval(confidence_level=0.98)
        bound = MARGIN * b.mean()
        assert -bound < low and high < bound, (neuron, low, high, bound)
        assert scipy.stats.ks_2samp(a, b).pvalue > 0.01


def test_the_equivalence_test_detects_a_10_percent_stronger_drive(programs):
    """Negative control: the same test on a drive 10 % stronger fails equivalence."""
    reference = rates(programs["poisson_input"], runs_of("poisson_input"))
    stronger = rates(programs["poisson_count"], runs_of("poisson_count", rate_hz=165))
    a, b = stronger[:, 0], reference[:, 0]
    low, _ = scipy.stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.98)
    assert low > MARGIN * b.mean()
