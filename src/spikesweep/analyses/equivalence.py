"""Equivalence of input modes (forum question 1): same rates, different cost.

For every network and drive, the output rates of driven neurons (one sample
per neuron and seed, on the seeds both modes ran) under ``per_neuron`` and
``poisson_group`` are compared with those under ``poisson_input``. The cost of
each mode is the median wall time and peak memory of its runs (with
cpp_standalone: the compiled program's process; with Brian2's runtime: the
batch process, whose first runs also pay the Cython compilation). A comparison is

- ``different`` when a two-sample Kolmogorov-Smirnov test of the rate
  distributions rejects (Benjamini-Hochberg across comparisons at ``alpha``);
- ``equivalent`` when, otherwise, two one-sided tests (TOST) show the mean
  difference to lie within ``margin`` times the reference mean: the
  ``1 - 2 alpha`` Welch confidence interval lies inside that band;
- ``inconclusive`` when neither holds (too few samples to tell).

The control reports whether the KS test at each comparison's sample size
detects the reference rates scaled by ``1 + margin`` (its power to see an
effect of the margin's size).
"""

import numpy as np
import pandas as pd
import scipy.stats
import xarray as xr

from spikesweep.analyses import REFERENCE_MODE
from spikesweep.analyses.markdown import fixed, number, point_label
from spikesweep.analyses.result import AnalysisResult
from spikesweep.analyses.statistics import benjamini_hochberg
from spikesweep.storage import driven_rates
from spikesweep.study.axes import INDEPENDENT_INPUT_MODES

__all__ = ["answer", "equivalence"]

COMPARED_MODES = tuple(mode for mode in INDEPENDENT_INPUT_MODES if mode != REFERENCE_MODE)


def _welch_interval(a: np.ndarray, b: np.ndarray, level: float) -> tuple[float, float, float]:
    """Mean difference ``a - b`` and its two-sided Welch confidence interval at ``level``.

    Where both samples are constant SciPy's interval is NaN; it is the point.
    """
    diff = float(a.mean() - b.mean())
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return diff, diff, diff
    interval = scipy.stats.ttest_ind(a, b, equal_var=False).confidence_interval(level)
    return diff, float(interval.low), float(interval.high)


def equivalence(
    rates: xr.DataTree,
    driven: dict,
    costs: pd.DataFrame,
    *,
    alpha: float,
    margin: float = 0.1,
) -> AnalysisResult:
    """Compare modes per network and drive.

    Parameters
    ----------
    rates : xarray.DataTree
        The study's ``rates.nc``.
    driven : dict of (str, str) to ndarray of bool
        The neurons of each driven set, by network and ``targets`` (as in ``spikes.nc``).
    costs : pandas.DataFrame
        Cost of each run (:func:`~spikesweep.analyses.inputs.read_costs`).
    alpha : float
        False-discovery rate across comparisons.
    margin : float, optional
        Equivalence margin, relative to the reference mean rate (default 0.1).
    """
    samples = {
        (network, mode, tuple(point.items())): rate
        for network, mode, point, rate in driven_rates(rates, driven)
    }
    rows = []
    for (network, mode, point), rate in samples.items():
        reference = samples.get((network, REFERENCE_MODE, point))
        if mode not in COMPARED_MODES or reference is None:
            continue
        # Compare on the seeds both modes ran (sweeps may give one mode more seeds).
        other, reference = xr.align(rate, reference, join="inner")
        other, reference = other.values.ravel(), reference.values.ravel()
        if other.size < 2:
            continue
        diff, low, high = _welch_interval(other, reference, 1 - 2 * alpha)
        ks = scipy.stats.ks_2samp(other, reference)
        rows.append(
            {
                "network": network,
                "mode": mode,
                **dict(point),
                "reference_mean_hz": float(reference.mean()),
                "mode_mean_hz": float(other.mean()),
                "difference_hz": diff,
                "ci_low_hz": low,
                "ci_high_hz": high,
                "margin_hz": float(margin * reference.mean()),
                "ks_statistic": float(ks.statistic),
                "p_value": float(ks.pvalue),
                "power_control_p": float(
                    scipy.stats.ks_2samp(reference * (1 + margin), reference).pvalue
                ),
                "samples": int(other.size),
            }
        )
    rejected, adjusted = benjamini_hochberg([row["p_value"] for row in rows], alpha)
    for row, reject, p_adjusted in zip(rows, rejected, adjusted, strict=True):
        row["p_adjusted"] = float(p_adjusted)
        if reject:
            row["verdict"] = "different"
        elif -row["margin_hz"] < row["ci_low_hz"] and row["ci_high_hz"] < row["margin_hz"]:
            row["verdict"] = "equivalent"
        else:
            row["verdict"] = "inconclusive"
    cost = (
        costs.groupby("mode")[["wall_s", "simulation_s", "max_rss_mb"]]
        .median()
        .round(3)
        .to_dict(orient="index")
        if len(costs)
        else {}
    )
    verdicts = {row["verdict"] for row in rows}
    verdict = (
        "different"
        if "different" in verdicts
        else "inconclusive"
        if "inconclusive" in verdicts or not rows
        else "equivalent"
    )
    return AnalysisResult(
        analysis="equivalence",
        verdict=verdict,
        test="two-sample Kolmogorov-Smirnov on per-neuron, per-seed rates of driven "
        "neurons (Benjamini-Hochberg across comparisons); equivalence by TOST: the "
        f"{1 - 2 * alpha:.0%} Welch CI of the mean difference within +-{margin:.0%} of the "
        "poisson_input mean",
        statistic=max((row["ks_statistic"] for row in rows), default=float("nan")),
        pvalue=min((row["p_adjusted"] for row in rows), default=float("nan")),
        alpha=alpha,
        effect_size=max((abs(row["difference_hz"]) for row in rows), default=float("nan")),
        effect_size_name="largest absolute difference of mean rates (Hz)",
        controls={
            "power_shifted_reference": {
                "shift": margin,
                "detected": sum(row["power_control_p"] <= alpha for row in rows),
                "comparisons": len(rows),
                "passed": all(row["power_control_p"] <= alpha for row in rows) if rows else None,
                "reason": "no comparison had two or more samples",
            }
        },
        points=rows,
        details={"cost_per_run": cost},
    )


def answer(s: dict) -> list[str]:
    """This analysis' verdict in words, for ``answers.md`` (Markdown lines)."""
    lines = [
        f"**Verdict: {s['verdict']}** ({s['test']}; alpha = {s['alpha']}).",
        "",
        "| drive | mode | mean rate (Hz) | poisson_input (Hz) | difference, CI (Hz) "
        "| KS p (BH) | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in s["points"]:
        lines.append(
            f"| {point_label(row, s['points'])} | {row['mode']} "
            f"| {fixed(row['mode_mean_hz'], '.1f')} "
            f"| {fixed(row['reference_mean_hz'], '.1f')} | {fixed(row['difference_hz'], '+.2f')} "
            f"[{fixed(row['ci_low_hz'], '+.2f')}, {fixed(row['ci_high_hz'], '+.2f')}] "
            f"| {number(row['p_adjusted'])} | {row['verdict']} |"
        )
    lines += [
        "",
        "Cost per run (median over runs of the simulation itself; with cpp_standalone each "
        "structure is compiled once beforehand and started once per batch job, see "
        "results/{study}/benchmarks/):",
        "",
    ]
    lines += [
        "| mode | wall time (s) | of which Brian2's run loop (s) | peak memory (MB) |",
        "|---|---|---|---|",
    ]
    for mode, cost in sorted(s["cost_per_run"].items()):
        lines.append(
            f"| {mode} | {fixed(cost['wall_s'], '.2f')} | {fixed(cost['simulation_s'], '.3f')} "
            f"| {fixed(cost['max_rss_mb'], '.0f')} |"
        )
    lines += [
        "",
        "The loop and the single `PoissonInput` draw one binomial per driven neuron and time "
        "step from the same generator, in neuron order: with the same seed they give the same "
        "spikes. The loop only costs more (one code object per neuron).",
    ]
    return lines
