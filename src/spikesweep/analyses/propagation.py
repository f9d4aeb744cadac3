"""Do upstream spikes raise downstream potentials? (forum question 2)

For every connected pair ``pre -> post`` of a network whose state was recorded
(``record_state_max_neurons``), each spike of ``pre`` gives one response per
variable: the mean of ``g_post`` (the synaptic input) and of ``v_post`` over
``window_ms`` starting one synaptic delay after the spike, minus the mean over
``window_ms`` before the spike. Responses are pooled over seeds. The verdict
rests on ``g``, which only recurrent synapses move: a two-sided one-sample
t-test of its mean response, Benjamini-Hochberg across pairs, modes and
drives, and its sign against the weight's. The ``v`` response (what the
forum asks about) is reported with its own p-value: under strong drive the
postsynaptic neuron's own resets (``v = v_reset; g = 0``) and refractory
periods erase most of it. The spike-triggered averages (from one window before
to two after) and the rate change of ``post`` in the response window are
reported too.

Negative control: the reversed pairs ``post -> pre`` that have no synapse must
show no response; the verdict is ``invalid`` if any does.
"""

import numpy as np
import scipy.stats
import xarray as xr

from spikesweep.analyses.markdown import fixed, number, outcome, point_label
from spikesweep.analyses.result import AnalysisResult
from spikesweep.analyses.statistics import benjamini_hochberg
from spikesweep.spikes import SpikeTrains
from spikesweep.study.axes import AXIS_NAMES

__all__ = ["answer", "propagation", "spike_triggered"]

VARIABLES = ("g", "v")


def _response_stats(accumulated: dict) -> dict:
    """Mean, standard error and two-sided one-sample t-test p-value of pooled responses.

    Where every response is the same SciPy's p-value is NaN; it is 1 for zero
    responses and 0 otherwise.
    """
    responses = np.concatenate(accumulated["responses"])
    n = responses.size
    if n < 2:
        return {"n": n, "mean": float("nan"), "sem": float("nan"), "p": float("nan")}
    mean = float(responses.mean())
    sem = float(scipy.stats.sem(responses))
    p = float(scipy.stats.ttest_1samp(responses, 0).pvalue) if sem > 0 else float(mean == 0)
    return {"n": n, "mean": mean, "sem": sem, "p": p}


def spike_triggered(
    trace: np.ndarray, pre_steps: np.ndarray, post_steps: np.ndarray, delay: int, window: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Responses of a postsynaptic ``trace`` to the spikes of ``pre`` in one run.

    Parameters
    ----------
    trace : ndarray, shape (n_steps,)
        ``v`` or ``g`` of the postsynaptic neuron (mV).
    pre_steps, post_steps : ndarray of int
        Spike steps of the pre- and postsynaptic neurons.
    delay, window : int
        Synaptic delay and response window, in steps.

    Returns
    -------
    responses : ndarray, shape (n_used_spikes,)
        Mean ``trace`` after ``delay`` minus the mean before the spike (mV).
    average : ndarray, shape (window + delay + 2 * window,)
        Spike-triggered average of ``trace`` from ``window`` steps before.
    post_spikes_in_window : float
        Spikes of ``post`` in the response windows, summed over used spikes.
    """
    n_steps = trace.shape[0]
    used = pre_steps[(pre_steps >= window) & (pre_steps + delay + 2 * window <= n_steps)]
    if used.size == 0:
        return np.zeros(0), np.full(3 * window + delay, np.nan), 0.0
    offsets = np.arange(-window, delay + 2 * window)
    segments = trace[used[:, None] + offsets]
    before = segments[:, :window].mean(axis=1)
    after = segments[:, window + delay : 2 * window + delay].mean(axis=1)
    starts, stops = used + delay, used + delay + window
    in_window = np.searchsorted(post_steps, stops) - np.searchsorted(post_steps, starts)
    return after - before, segments.mean(axis=0), float(in_window.sum())


def propagation(
    state_runs: list[tuple[dict, SpikeTrains]],
    networks: dict,
    *,
    window_ms: float,
    alpha: float,
) -> AnalysisResult:
    """Spike-triggered responses of every connected pair, from runs with recorded state.

    Parameters
    ----------
    state_runs : list of (dict, SpikeTrains)
        Coordinates (the synaptic delay ``delay_ms`` among them) and trains of
        runs that recorded ``v`` and ``g`` (mV).
    networks : dict of str to csr_array
        Connectivity ``[pre, post]`` of each network.
    window_ms : float
        Response window after the delay (ms).
    alpha : float
        False-discovery rate across tests.
    """
    pooled: dict[tuple, dict] = {}
    for coords, run in state_runs:
        dt_s = run.dt_s
        delay = round(coords["delay_ms"] / 1000 / dt_s)
        window = max(1, round(window_ms / 1000 / dt_s))
        network = coords["network"]
        weights = networks[network].tocoo()
        connected = set(zip(weights.row.tolist(), weights.col.tolist(), strict=True))
        pairs = [
            (i, j, w, "connected")
            for i, j, w in zip(weights.row, weights.col, weights.data, strict=True)
        ]
        pairs += [(j, i, 0.0, "reversed") for i, j in sorted(connected) if (j, i) not in connected]
        trains = [steps.astype(np.int64) for steps in run.steps_per_neuron()]
        state = {name: run.state[name] for name in VARIABLES}
        point = {name: coords[name] for name in ("mode", *AXIS_NAMES)}
        for pre, post, weight, kind in pairs:
            entry = pooled.setdefault(
                (network, *point.values(), int(pre), int(post)),
                {
                    "weight": float(weight),
                    "kind": kind,
                    "in_window": 0.0,
                    "post_spikes": 0,
                    "duration_s": 0.0,
                    "window": window,
                    "dt_s": dt_s,
                    "delay": delay,
                    **{name: {"responses": [], "sta_sum": 0.0} for name in VARIABLES},
                },
            )
            for name, trace in state.items():
                responses, average, in_window = spike_triggered(
                    trace[post], trains[pre], trains[post], delay, window
                )
                entry[name]["responses"].append(responses)
                entry[name]["sta_sum"] = entry[name]["sta_sum"] + average * responses.size
            entry["in_window"] += in_window
            entry["post_spikes"] += len(trains[post])
            entry["duration_s"] += state["v"].shape[1] * dt_s
    rows, averages = [], {name: [] for name in VARIABLES}
    for key, entry in sorted(pooled.items()):
        stats = {name: _response_stats(entry[name]) for name in VARIABLES}
        n_used = stats["g"]["n"]
        if n_used < 2:
            continue
        for name in VARIABLES:
            sta = entry[name]["sta_sum"] / n_used
            averages[name].append(sta - sta[: entry["window"]].mean())
        window_s = entry["window"] * entry["dt_s"]
        network, mode, *point, pre, post = key
        rows.append(
            {
                "network": network,
                "mode": mode,
                **dict(zip(AXIS_NAMES, point, strict=True)),
                "pre": pre,
                "post": post,
                "kind": entry["kind"],
                "synapse_weight": entry["weight"],
                "presynaptic_spikes": n_used,
                "response_mV": stats["g"]["mean"],
                "sem_mV": stats["g"]["sem"],
                "p_value": stats["g"]["p"],
                "v_response_mV": stats["v"]["mean"],
                "v_sem_mV": stats["v"]["sem"],
                "v_p_value": stats["v"]["p"],
                "rate_change_hz": float(
                    entry["in_window"] / (n_used * window_s)
                    - entry["post_spikes"] / entry["duration_s"]
                ),
            }
        )
    rejected, adjusted = benjamini_hochberg([row["p_value"] for row in rows], alpha)
    for row, reject, p_adjusted in zip(rows, rejected, adjusted, strict=True):
        row["p_adjusted"] = float(p_adjusted)
        sign = "excitatory" if row["response_mV"] > 0 else "inhibitory"
        row["verdict"] = sign if reject else "no detectable response"
        expected = "excitatory" if row["synapse_weight"] > 0 else "inhibitory"
        row["sign_matches_weight"] = bool(reject) and sign == expected
    connected = [row for row in rows if row["kind"] == "connected"]
    reversed_ = [row for row in rows if row["kind"] == "reversed"]
    control = {
        "expected": "no detectable response",
        "pairs": len(reversed_),
        "responding": sum(row["verdict"] != "no detectable response" for row in reversed_),
        "passed": (
            not any(row["verdict"] != "no detectable response" for row in reversed_)
            if reversed_
            else None
        ),
        "reason": "every connected pair is connected both ways",
    }
    if not connected:
        verdict = "no recorded pairs"
    elif control["passed"] is False:
        verdict = "invalid"
    elif all(row["sign_matches_weight"] for row in connected):
        verdict = "upstream spikes move downstream potentials with the weight's sign"
    elif any(
        row["verdict"] != "no detectable response" and not row["sign_matches_weight"]
        for row in connected
    ):
        verdict = "sign mismatch"
    else:
        verdict = "partly detected"
    strongest = max(connected, key=lambda row: abs(row["response_mV"]), default=None)
    arrays = None
    if rows:
        # One lag axis for every point, from the window before the spike to the longest
        # delay's response window; a point of a shorter delay is NaN past its own.
        any_entry = next(iter(pooled.values()))
        n_lags = max(len(average) for average in averages["g"])
        lags_ms = np.arange(-any_entry["window"], n_lags - any_entry["window"])
        lags_ms = lags_ms * any_entry["dt_s"] * 1000
        padded = {name: np.full((len(rows), n_lags), np.nan) for name in VARIABLES}
        for name in VARIABLES:
            for k, average in enumerate(averages[name]):
                padded[name][k, : len(average)] = average
        arrays = xr.Dataset(
            {
                f"sta_{name}_mV": (
                    ("point", "lag_ms"),
                    padded[name],
                    {
                        "long_name": f"spike-triggered average of {name}_post minus its "
                        "pre-spike mean",
                        "units": "mV",
                    },
                )
                for name in VARIABLES
            },
            coords={"lag_ms": lags_ms},
        )
    return AnalysisResult(
        analysis="propagation",
        verdict=verdict,
        test="two-sided one-sample t-test of spike-triggered responses of the postsynaptic "
        "g (mean over the window after one synaptic delay minus the mean before the spike), "
        "pooled over seeds; Benjamini-Hochberg across pairs, modes and drives",
        statistic=strongest["response_mV"] / strongest["sem_mV"] if strongest else float("nan"),
        pvalue=min((row["p_adjusted"] for row in connected), default=float("nan")),
        alpha=alpha,
        effect_size=strongest["response_mV"] if strongest else float("nan"),
        effect_size_name="largest mean g response (mV)",
        controls={"reversed_unconnected_pairs": control},
        points=rows,
        details={"window_ms": window_ms},
        arrays=arrays,
    )


def answer(s: dict) -> list[str]:
    """This analysis' verdict in words, for ``answers.md`` (Markdown lines)."""
    control = s["controls"]["reversed_unconnected_pairs"]
    lines = [
        f"**Verdict: {s['verdict']}** ({s['test']}; alpha = {s['alpha']}; response window "
        f"{number(s['window_ms'])} ms after the synaptic delay).",
        "",
        f"Control: reversed pairs without a synapse responded in {control['responding']} of "
        f"{control['pairs']} tests ({outcome(control)}).",
        "",
        "| drive | mode | pair | weight | g response (mV) | v response (mV) "
        "| post rate change (Hz) | p (BH) | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in s["points"]:
        if row["kind"] == "connected":
            lines.append(
                f"| {point_label(row, s['points'])} | {row['mode']} "
                f"| {row['pre']} -> {row['post']} "
                f"| {number(row['synapse_weight'])} | {fixed(row['response_mV'], '+.3f')} "
                f"+- {fixed(row['sem_mV'], '.3f')} | {fixed(row['v_response_mV'], '+.3f')} "
                f"+- {fixed(row['v_sem_mV'], '.3f')} | {fixed(row['rate_change_hz'], '+.1f')} "
                f"| {number(row['p_adjusted'])} | {row['verdict']} |"
            )
    lines += [
        "",
        "One synaptic delay after each upstream spike, the downstream synaptic input `g` "
        "moves with the sign of the weight: excitatory input raises the potential and the "
        "firing rate in the following window, inhibitory input lowers them. The mean `v` "
        "response is a poor summary: when excitation makes the downstream neuron fire, its "
        "reset (`v = v_reset; g = 0`) pulls the average `v` below baseline, and under the "
        "forum's drive the neuron fires so often that its resets erase most of the response. "
        "Input that arrives while the downstream neuron is refractory is lost (Brian2 writes "
        "to `(unless refractory)` variables only outside the refractory period).",
    ]
    return lines
