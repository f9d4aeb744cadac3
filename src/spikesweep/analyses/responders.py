"""Which neurons respond to each activation? (Shiu-style screens)

An experiment of a screen drives one set of neurons (its ``targets``) on one
network, over many seeds. Its baseline is the experiment with a driven set of
no neurons (``targets: {baseline: []}``) at the same network, mode, silenced
set and other axes, over the same seeds. For each neuron that fires in some
seed of either, the rate difference experiment - baseline is paired by seed,
and a one-sided paired t-test asks whether it is positive, Benjamini-Hochberg
across the neurons tested in the experiment. Neurons silent in both are not
tested: their difference is exactly 0 and cannot reject, so leaving them out
only stops them diluting the correction (independent filtering, Bourgon et al.
2010). A responder is significant at the false-discovery rate ``alpha`` and
rises by at least ``min_rate_hz``: without spontaneous activity the baseline is
silent, and a neuron firing one spike in a few seeds would otherwise count.

Controls: the driven neurons must be responders (positive); the baseline's
seeds split in two halves (even and odd positions, paired in order) and
tested the same way must give none (negative: it fails where the test is not
calibrated on the study's own network, e.g. with spontaneous activity).
Each experiment is read on its own, as ``(seed, neuron)`` rates: memory stays
that of one experiment (30 seeds x 138,639 neurons: 33 MB), never neurons x
neurons.
"""

import numpy as np
import pandas as pd
import xarray as xr

from spikesweep.analyses.markdown import number, outcome
from spikesweep.analyses.result import AnalysisResult
from spikesweep.analyses.statistics import benjamini_hochberg, paired_difference
from spikesweep.storage import iter_grid_points

__all__ = ["answer", "experiments", "responders", "responses"]

#: Columns of a tested neuron's row (rates in Hz; the interval is 95 % over seeds).
RESPONSE_COLUMNS = (
    "neuron",
    "mean_rate_hz",
    "ci95_low_hz",
    "ci95_high_hz",
    "baseline_rate_hz",
    "difference_hz",
    "t",
    "p_value",
    "p_adjusted",
    "responder",
)


def responses(
    rate: np.ndarray, baseline: np.ndarray, *, alpha: float, min_rate_hz: float
) -> pd.DataFrame:
    """Test every neuron that fires for a rise over the baseline, paired by seed.

    Parameters
    ----------
    rate, baseline : ndarray, shape (seeds, neurons)
        Rates (Hz) of the experiment and of its baseline, row ``k`` of both
        from the same seed.
    alpha : float
        False-discovery rate across the tested neurons.
    min_rate_hz : float
        Smallest mean rise (Hz) that counts as a response.

    Returns
    -------
    DataFrame
        A row per tested neuron (:data:`RESPONSE_COLUMNS`), in neuron order.
    """
    tested = np.flatnonzero((rate > 0).any(axis=0) | (baseline > 0).any(axis=0))
    a, b = rate[:, tested], baseline[:, tested]
    rise = paired_difference(a, b)
    interval = paired_difference(a, np.zeros_like(a))  # the rate's own interval
    rejected, adjusted = benjamini_hochberg(rise["p_greater"], alpha)
    return pd.DataFrame(
        {
            "neuron": tested,
            "mean_rate_hz": a.mean(axis=0),
            "ci95_low_hz": interval["ci_low"],
            "ci95_high_hz": interval["ci_high"],
            "baseline_rate_hz": b.mean(axis=0),
            "difference_hz": rise["difference"],
            "t": rise["t"],
            "p_value": rise["p_greater"],
            "p_adjusted": adjusted,
            "responder": rejected & (rise["difference"] >= min_rate_hz),
        },
        columns=RESPONSE_COLUMNS,
    )


def experiments(rates: xr.DataTree, driven: dict):
    """Yield ``(network, point, rate, baseline)`` for each experiment with a baseline.

    ``point`` holds the mode and grid axes; ``rate`` and ``baseline`` are
    ``(seed, neuron)`` arrays over the seeds both ran. The baseline is the
    point's driven set replaced by one with no neurons.
    """
    for network, node in sorted(rates.children.items()):
        empty = [name for (net, name), mask in driven.items() if net == network and not mask.any()]
        if not empty:
            continue
        rate_hz = node["rate_hz_out"]
        for mode in rate_hz["mode"].values:
            for point in iter_grid_points(rate_hz):
                if point["targets"] in empty:
                    continue
                values = rate_hz.sel(mode=mode, **point).values
                base = rate_hz.sel(mode=mode, **{**point, "targets": empty[0]}).values
                ran = ~(np.isnan(values).any(axis=1) | np.isnan(base).any(axis=1))
                if ran.any():
                    yield network, {"mode": str(mode), **point}, values[ran], base[ran]


def _split_baseline(baseline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The baseline's seeds at even and odd positions, as equally long halves."""
    half = len(baseline) // 2
    return baseline[0 : 2 * half : 2], baseline[1 : 2 * half : 2]


def responders(
    rates: xr.DataTree, driven: dict, *, alpha: float, min_rate_hz: float
) -> AnalysisResult:
    """Find each experiment's responders against its baseline.

    Parameters
    ----------
    rates : xarray.DataTree
        The study's ``rates.nc`` (read one experiment at a time).
    driven : dict of (str, str) to ndarray of bool
        The neurons of each driven set.
    alpha : float
        False-discovery rate across the neurons tested in an experiment.
    min_rate_hz : float
        Smallest mean rise over the baseline (Hz) that counts as a response.
    """
    rows, tables, null_runs, null_tests, null_responders = [], [], 0, 0, 0
    for network, point, rate, baseline in experiments(rates, driven):
        table = responses(rate, baseline, alpha=alpha, min_rate_hz=min_rate_hz)
        mask = driven[network, point["targets"]]
        table["driven"] = mask[table["neuron"].to_numpy()]
        first, second = _split_baseline(baseline)
        if len(first) >= 2:
            null = responses(first, second, alpha=alpha, min_rate_hz=min_rate_hz)
            null_runs += 1
            null_tests += len(null)
            null_responders += int(null["responder"].sum())
        responding = table[table["responder"]]
        downstream = responding[~responding["driven"]]
        rows.append(
            {
                "network": network,
                **point,
                "seeds": len(rate),
                "n_driven": int(mask.sum()),
                "driven_responders": int(responding["driven"].sum()),
                "n_tested": len(table),
                "n_responders": len(responding),
                "downstream_responders": len(downstream),
                "strongest_rise_hz": float(downstream["difference_hz"].max())
                if len(downstream)
                else float("nan"),
            }
        )
        tables.append(table.assign(experiment=len(rows) - 1))
    n_driven = sum(row["n_driven"] for row in rows)
    n_responding = sum(row["driven_responders"] for row in rows)
    positive = {
        "expected": "every driven neuron responds",
        "driven": n_driven,
        "responding": n_responding,
        "passed": n_responding == n_driven if rows else None,
        "reason": "no experiment with a baseline",
    }
    negative = {
        "expected": "no responders between the baseline's two halves of seeds",
        "tests": null_tests,
        "responders": null_responders,
        "passed": null_responders == 0 if null_runs else None,
        "reason": "no experiment with a baseline of four or more seeds",
    }
    numbers = (
        pd.concat(tables, ignore_index=True)
        if tables
        else pd.DataFrame(columns=[*RESPONSE_COLUMNS, "driven", "experiment"])
    )
    downstream = numbers[numbers["responder"] & ~numbers["driven"].astype(bool)]
    if not rows:
        verdict = "no experiment with a baseline"
    elif positive["passed"] is False or negative["passed"] is False:
        verdict = "invalid"
    elif len(downstream):
        verdict = "responses beyond the driven neurons"
    else:
        verdict = "only the driven neurons respond"
    strongest = downstream.loc[downstream["difference_hz"].idxmax()] if len(downstream) else None
    return AnalysisResult(
        analysis="responders",
        verdict=verdict,
        test="paired one-sided t-test over seeds of experiment - baseline rate, for each "
        "neuron that fires; Benjamini-Hochberg across an experiment's neurons; a responder "
        f"also rises by at least {min_rate_hz:g} Hz",
        statistic=float(strongest["t"]) if strongest is not None else float("nan"),
        pvalue=float(downstream["p_adjusted"].min()) if len(downstream) else float("nan"),
        alpha=alpha,
        effect_size=float(strongest["difference_hz"]) if strongest is not None else float("nan"),
        effect_size_name="largest rise over the baseline (Hz) of a responder not driven",
        controls={"driven_neurons_respond": positive, "baseline_halves": negative},
        points=rows,
        details={"min_rate_hz": min_rate_hz},
        arrays=xr.Dataset.from_dataframe(
            numbers.astype({"responder": np.int8, "driven": np.int8})
        ).rename({"index": "test"}),
    )


def answer(s: dict) -> list[str]:
    """This analysis' verdict in words, for ``answers.md`` (Markdown lines)."""
    positive = s["controls"]["driven_neurons_respond"]
    negative = s["controls"]["baseline_halves"]
    lines = [
        f"**Verdict: {s['verdict']}** ({s['test']}; alpha = {s['alpha']}).",
        "",
        f"Controls: {positive['responding']} of {positive['driven']} driven neurons respond "
        f"({outcome(positive)}); the baseline against itself (two halves of its seeds) gives "
        f"{negative['responders']} responders in {negative['tests']} tests ({outcome(negative)}).",
        "",
        "| network | driven set | silenced set | seeds | driven (responding) | tested "
        "| responders | beyond the driven | strongest rise (Hz) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in s["points"]:
        lines.append(
            f"| {row['network']} | {row['targets']} | {row['silenced']} | {row['seeds']} "
            f"| {row['n_driven']} ({row['driven_responders']}) | {row['n_tested']} "
            f"| {row['n_responders']} | {row['downstream_responders']} "
            f"| {number(row['strongest_rise_hz'])} |"
        )
    lines += [
        "",
        "Each experiment's responders, with their rates and intervals, are in "
        "`responders/{network}/{experiment}.csv` (by FlyWire id for FlyWire networks).",
    ]
    return lines
