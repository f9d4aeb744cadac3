"""What PoissonInput's N does (forum question 1.3): rate against N x rate.

``N`` is the number of independent Poisson sources per target; per time step
the target receives a binomial number of events with ``p = rate * dt`` each.
Where one event crosses threshold (``weight_mV >= v_th - v_reset``), the
output rate is predicted by :func:`spikesweep.analyses.theory.suprathreshold_rate` (a
Poisson process with dead time on Brian2's grid; input during refractoriness is
lost). For each such point the mean rate of the driven neurons is compared with
the prediction: relative error and a two-sided z-test (standard error from the
spread over neurons and seeds), Benjamini-Hochberg across points. A point
``deviates from theory`` when the test rejects and the relative error exceeds
``tolerance``, ``matches theory`` when the ``1 - alpha`` confidence interval of
the relative error lies within ``tolerance``, and is ``inconclusive`` otherwise.
Points below that weight are tabulated (rate against N x rate) without a
prediction.
"""

import numpy as np
import scipy.stats
import xarray as xr
from brian2 import Hz, ms

from spikesweep.analyses.markdown import fixed, number, point_label
from spikesweep.analyses.result import AnalysisResult
from spikesweep.analyses.statistics import benjamini_hochberg
from spikesweep.analyses.theory import suprathreshold_rate
from spikesweep.storage import driven_rates

__all__ = ["answer", "input_scaling"]


def input_scaling(
    rates: xr.DataTree,
    driven: dict,
    *,
    dt_ms: float,
    alpha: float,
    tolerance: float = 0.05,
) -> AnalysisResult:
    """Compare output rates with the suprathreshold prediction.

    Parameters
    ----------
    rates : xarray.DataTree
        The study's ``rates.nc``.
    driven : dict of (str, str) to ndarray of bool
        The neurons of each driven set, by network and ``targets``.
    dt_ms : float
        Simulation time step (ms).
    alpha : float
        False-discovery rate across points.
    tolerance : float, optional
        Largest relative error still called agreement (default 0.05).
    """
    rows = []
    for network, mode, point, rate in driven_rates(rates, driven):
        values = rate.values.ravel()
        if mode == "shared_source" or values.size < 2:
            continue
        row = {
            "network": network,
            "mode": mode,
            **point,
            "input_rate_hz": point["n_sources"] * point["rate_hz"],
            "mean_rate_hz": float(values.mean()),
            "sem_hz": float(values.std(ddof=1) / np.sqrt(values.size)),
            "samples": int(values.size),
            "n_driven": int(rate.sizes["neuron"]),
        }
        # The point's own model: one event fires a neuron at reset, which is
        # then refractory for the driven neurons' period.
        if point["weight_mV"] >= point["v_th_mV"] - point["v_reset_mV"]:
            predicted = (
                suprathreshold_rate(
                    point["rate_hz"] * Hz,
                    int(point["n_sources"]),
                    dt_ms * ms,
                    point["driven_refractory_ms"] * ms,
                )
                / Hz
            )
            z = (row["mean_rate_hz"] - predicted) / max(row["sem_hz"], 1e-12)
            row |= {
                "predicted_hz": float(predicted),
                "relative_error": float(row["mean_rate_hz"] / predicted - 1),
                "z": float(z),
                "p_value": float(2 * scipy.stats.norm.sf(abs(z))),
            }
        rows.append(row)
    tested = [row for row in rows if "predicted_hz" in row]
    rejected, adjusted = benjamini_hochberg([row["p_value"] for row in tested], alpha)
    z_level = scipy.stats.norm.ppf(1 - alpha / 2)
    for row, reject, p_adjusted in zip(tested, rejected, adjusted, strict=True):
        row["p_adjusted"] = float(p_adjusted)
        half_width = z_level * row["sem_hz"] / row["predicted_hz"]
        if reject and abs(row["relative_error"]) > tolerance:
            row["verdict"] = "deviates from theory"
        elif abs(row["relative_error"]) + half_width <= tolerance:
            row["verdict"] = "matches theory"
        else:
            row["verdict"] = "inconclusive"
    worst = max(tested, key=lambda row: abs(row["relative_error"]), default=None)
    if not tested:
        verdict = "no suprathreshold points"
    elif any(row["verdict"] == "deviates from theory" for row in tested):
        verdict = "deviates from theory"
    elif any(row["verdict"] == "matches theory" for row in tested):
        verdict = "matches theory"
    else:
        verdict = "inconclusive"
    return AnalysisResult(
        analysis="input_scaling",
        verdict=verdict,
        test="two-sided z-test of the mean driven-neuron rate against the dead-time "
        "prediction 1/(dt (n_ref + 1/p)), p = 1-(1-rate dt)^N; Benjamini-Hochberg across "
        f"points; agreement when the {1 - alpha:.0%} CI of the relative error is within "
        f"+-{tolerance:.0%}",
        statistic=worst["z"] if worst else float("nan"),
        pvalue=min((row["p_adjusted"] for row in tested), default=float("nan")),
        alpha=alpha,
        effect_size=worst["relative_error"] if worst else float("nan"),
        effect_size_name="largest relative error of the mean rate against theory",
        controls={
            "theory_points": {
                "points": len(tested),
                "matches": sum(row["verdict"] == "matches theory" for row in tested),
                "inconclusive": sum(row["verdict"] == "inconclusive" for row in tested),
                "passed": bool(tested),
            }
        },
        points=rows,
    )


def answer(s: dict) -> list[str]:
    """This analysis' verdict in words, for ``answers.md`` (Markdown lines)."""
    lines = [
        f"**Verdict: {s['verdict']}** ({s['test']}). Largest relative error "
        f"{number(s['effect_size'])}; of {s['controls']['theory_points']['points']} "
        f"suprathreshold points, {s['controls']['theory_points']['matches']} match within the "
        f"tolerance and {s['controls']['theory_points']['inconclusive']} are inconclusive "
        "(too few samples).",
        "",
        "`N` is the number of independent Poisson sources that reach each target; per time "
        "step the target receives a binomial(N, rate x dt) number of events.",
        "",
        "| drive | mode | N x rate (Hz) | rate out (Hz) | predicted (Hz) | relative error |",
        "|---|---|---|---|---|---|",
    ]
    for row in s["points"]:
        lines.append(
            f"| {point_label(row, s['points'])} | {row['mode']} "
            f"| {fixed(row['input_rate_hz'], '.0f')} "
            f"| {fixed(row['mean_rate_hz'], '.1f')} +- {fixed(row['sem_hz'], '.1f')} "
            f"| {number(row.get('predicted_hz'), 4)} | {number(row.get('relative_error'))} |"
        )
    return lines + _n_is_not_the_group_size(s["points"])


def _n_is_not_the_group_size(rows: list[dict]) -> list[str]:
    """The forum's second variant, where it was run: one ``PoissonInput`` on the group with
    ``N = len(group)``, against ``N = 1`` at the same network, mode, rate and weight."""
    lines = []
    for row in rows:
        if row["n_driven"] < 2 or row["n_sources"] != row["n_driven"]:
            continue
        single = [
            other
            for other in rows
            if other["n_sources"] == 1
            and all(other[key] == row[key] for key in ("network", "mode", "rate_hz", "weight_mV"))
        ]
        if single:
            n = int(row["n_sources"])
            lines += [
                "",
                f"One `PoissonInput` on the {row['n_driven']} driven neurons of "
                f"{row['network']} with `N = {n}` (the group's size, as in the forum's second "
                f"variant) is not one source per neuron: it gives each neuron {n} independent "
                f"sources, {fixed(row['mean_rate_hz'], '.1f')} Hz out against "
                f"{fixed(single[0]['mean_rate_hz'], '.1f')} Hz with `N = 1`, which is the same "
                "as the forum's loop of one `PoissonInput` per neuron.",
            ]
    return lines
