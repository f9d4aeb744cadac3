"""The inhibition analysis on a synthetic circuit with known signs."""

import numpy as np
import scipy.sparse
import xarray as xr
from conftest import run_at

from spikesweep.analyses.inhibition import inhibition
from spikesweep.study import AXIS_NAMES

SEEDS = 10
# 0 -> 1 excitatory, 0 -| 2 and 1 -| 3 inhibitory.
WEIGHTS = scipy.sparse.csr_array(
    np.array([[0, 1, -1, 0], [0, 0, 0, -1], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=float)
)


def rate_tree(effect_hz: np.ndarray, seed: int) -> xr.DataTree:
    """Lesioned rates ~ 20 Hz + noise; intact = lesioned + effect + independent noise."""
    rng = np.random.default_rng(seed)
    lesioned = 20 + rng.normal(0, 1, size=(SEEDS, 4))
    intact = lesioned + effect_hz + rng.normal(0, 0.5, size=(SEEDS, 4))

    point = run_at("net", "poisson_input", 150.0, 20, 0.115, 0).grid_point

    def group(values):
        return xr.Dataset(
            {
                "rate_hz_out": (
                    ("mode", *AXIS_NAMES, "seed", "neuron"),
                    values.reshape((1,) * (1 + len(AXIS_NAMES)) + values.shape),
                )
            },
            coords={
                "mode": ["poisson_input"],
                **{axis: [value] for axis, value in point.items()},
                "seed": np.arange(SEEDS),
                "neuron": np.arange(4),
            },
        )

    return xr.DataTree.from_dict({"net": group(intact), "net-lesioned": group(lesioned)})


def test_every_neuron_is_classified_by_its_known_sign():
    effect = np.array([0.0, 0.0, -3.0, 0.0])  # only neuron 2's inhibition bites
    summary = inhibition(rate_tree(effect, 0), {"net": WEIGHTS}, alpha=0.01).summary()
    verdicts = {row["neuron"]: row["verdict"] for row in summary["points"]}
    assert verdicts == {
        0: "unchanged",
        1: "unchanged",
        2: "inhibited",
        3: "no detectable effect",
    }
    assert summary["verdict"] == "negative weights inhibit"
    row = next(row for row in summary["points"] if row["neuron"] == 2)
    assert row["ci95_low_hz"] < -3 < row["ci95_high_hz"]


def test_a_change_without_inhibitory_input_invalidates_the_verdict():
    effect = np.array([4.0, 0.0, -3.0, 0.0])  # neuron 0 has no inhibitory input
    summary = inhibition(rate_tree(effect, 1), {"net": WEIGHTS}, alpha=0.01).summary()
    assert summary["verdict"] == "invalid"
    assert not summary["controls"]["neurons_without_inhibitory_input"]["passed"]


def test_no_effect_is_not_called_inhibition():
    summary = inhibition(rate_tree(np.zeros(4), 2), {"net": WEIGHTS}, alpha=0.01).summary()
    assert summary["verdict"] == "no detectable effect"
