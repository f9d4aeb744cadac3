"""The propagation analysis on synthetic recordings of a circuit with known signs."""

import numpy as np
import pytest
import scipy.sparse
import xarray as xr
from conftest import run_at

from spikesweep.analyses.propagation import propagation
from spikesweep.spikes import SpikeDataset, SpikeTrains
from spikesweep.storage import write_run

N_STEPS, DELAY, TAU = 10_000, 18, 50  # steps of 0.1 ms
# 0 -> 1 excitatory, 1 -> 2 inhibitory, nothing into 0.
WEIGHTS = scipy.sparse.csr_array(np.array([[0, 5, 0], [0, 0, -2], [0, 0, 0]], dtype=float))


def synthetic_run(tmp_path, seed: int, delay: int = DELAY) -> tuple[dict, SpikeTrains]:
    """Independent Poisson spikes; g_post = sum of exponential kernels after each pre spike,
    ``delay`` steps after it."""
    rng = np.random.default_rng(seed)
    steps = [np.flatnonzero(rng.random(N_STEPS) < 0.002) for _ in range(3)]
    kernel = np.exp(-np.arange(5 * TAU) / TAU)
    state = {"g": np.zeros((3, N_STEPS), np.float32), "v": np.zeros((3, N_STEPS), np.float32)}
    for pre, post in zip(*WEIGHTS.nonzero(), strict=True):
        arrivals = steps[pre] + delay
        impulses = np.zeros(N_STEPS)
        impulses[arrivals[arrivals < N_STEPS]] = WEIGHTS[pre, post] * 0.5
        state["g"][post] += np.convolve(impulses, kernel)[:N_STEPS].astype(np.float32)
    state["v"] = state["g"] * 0.5 + rng.normal(0, 0.5, size=(3, N_STEPS)).astype(np.float32)
    neuron = np.concatenate([np.full(len(s), k) for k, s in enumerate(steps)]).astype(np.int32)
    trains = SpikeTrains(neuron, np.concatenate(steps).astype(np.int32), 3, 1e-4, N_STEPS, state)
    model = {"delay_ms": delay / 10}
    run = run_at("circuit", "poisson_input", 150.0, 20, 0.115, seed, model, record_state=True)
    path = tmp_path / f"{seed}-{delay}.nc"
    write_run(path, trains, run, command="test")
    ((coords, stored),) = list(SpikeDataset.from_xarray(xr.load_dataset(path)))
    return coords, stored


def test_every_pair_is_classified_by_its_known_sign(tmp_path):
    runs = [synthetic_run(tmp_path, seed) for seed in range(3)]
    result = propagation(runs, {"circuit": WEIGHTS}, window_ms=10, alpha=0.01)
    numbers, summary = result.numbers(), result.summary()
    verdicts = {(row["pre"], row["post"]): row["verdict"] for row in summary["points"]}
    assert verdicts == {
        (0, 1): "excitatory",
        (1, 2): "inhibitory",
        (1, 0): "no detectable response",  # reversed, no synapse
        (2, 1): "no detectable response",
    }
    assert summary["verdict"] == "upstream spikes move downstream potentials with the weight's sign"
    excitatory = next(row for row in summary["points"] if row["pre"] == 0)
    assert excitatory["v_response_mV"] > 0 and excitatory["v_p_value"] < 0.01
    # The spike-triggered average of g rises one synaptic delay after the spike.
    sta = numbers["sta_g_mV"].isel(point=0)
    assert sta.sel(lag_ms=slice(None, 1.7)).max() < 0.1 < sta.sel(lag_ms=slice(1.8, 3)).max()


def test_points_of_different_delays_share_one_lag_axis(tmp_path):
    """A study that sweeps the delay: each point's average rises after its own delay, and
    is NaN past its own window on the lag axis of the longest delay."""
    runs = [synthetic_run(tmp_path, seed, delay) for seed in range(3) for delay in (18, 30)]
    numbers = propagation(runs, {"circuit": WEIGHTS}, window_ms=10, alpha=0.01).numbers()
    assert numbers["lag_ms"].values[-1] == pytest.approx((30 + 2 * 100 - 1) * 0.1)
    for delay_ms, rise_ms in ((1.8, 1.8), (3.0, 3.0)):
        sta = numbers["sta_g_mV"].where(numbers["delay_ms"] == delay_ms, drop=True)
        sta = sta.where(numbers["pre"] == 0, drop=True).isel(point=0)
        before = sta.sel(lag_ms=slice(None, rise_ms - 0.1)).max()
        assert before < 0.1 < sta.sel(lag_ms=slice(rise_ms, rise_ms + 1.2)).max()
        assert bool(np.isnan(sta.values[-1])) == (delay_ms == 1.8)
