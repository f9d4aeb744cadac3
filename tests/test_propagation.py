"""The propagation analysis on synthetic recordings of a circuit with known signs."""

import numpy as np
import scipy.sparse
import xarray as xr
from conftest import run_at

from spikesweep.analyses.propagation import propagation
from spikesweep.spikes import SpikeDataset, SpikeTrains
from spikesweep.storage import write_run

N_STEPS, DELAY, TAU = 10_000, 18, 50  # steps of 0.1 ms
# 0 -> 1 excitatory, 1 -> 2 inhibitory, nothing into 0.
WEIGHTS = scipy.sparse.csr_array(np.array([[0, 5, 0], [0, 0, -2], [0, 0, 0]], dtype=float))


def synthetic_run(tmp_path, seed: int) -> tuple[dict, SpikeTrains]:
    """Independent Poisson spikes; g_post = sum of exponential kernels after each pre spike."""
    rng = np.random.default_rng(seed)
    steps = [np.flatnonzero(rng.random(N_STEPS) < 0.002) for _ in range(3)]
    kernel = np.exp(-np.arange(5 * TAU) / TAU)
    state = {"g": np.zeros((3, N_STEPS), np.float32), "v": np.zeros((3, N_STEPS), np.float32)}
    for pre, post in zip(*WEIGHTS.nonzero(), strict=True):
        arrivals = steps[pre] + DELAY
        impulses = np.zeros(N_STEPS)
        impulses[arrivals[arrivals < N_STEPS]] = WEIGHTS[pre, post] * 0.5
        state["g"][post] += np.convolve(impulses, kernel)[:N_STEPS].astype(np.float32)
    state["v"] = state["g"] * 0.5 + rng.normal(0, 0.5, size=(3, N_STEPS)).astype(np.float32)
    neuron = np.concatenate([np.full(len(s), k) for k, s in enumerate(steps)]).astype(np.int32)
    trains = SpikeTrains(neuron, np.concatenate(steps).astype(np.int32), 3, 1e-4, N_STEPS, state)
    run = run_at("circuit", "poisson_input", 150.0, 20, 0.115, seed, record_state=True)
    write_run(tmp_path / f"{seed}.nc", trains, run, command="test")
    ((coords, stored),) = list(SpikeDataset.from_xarray(xr.load_dataset(tmp_path / f"{seed}.nc")))
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
