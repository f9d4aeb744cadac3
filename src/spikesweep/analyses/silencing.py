"""Which responses drop when a set of neurons is silenced? (Shiu-style screens)

A silencing arm is an experiment that silences neurons; its intact twin is
the experiment at the same network, mode, driven set and other axes whose
silenced set is empty (``none`` where a sweep names no set). For each
responder of the intact twin (see :mod:`spikesweep.analyses.responders`:
tested against its baseline), the rate
difference silenced - intact is paired by seed; a two-sided paired t-test,
Benjamini-Hochberg across the responders, says whether it drops or rises,
with its 95 % confidence interval. The expected sign is that of the
responder's direct input from the silenced set (a drop where that input is
excitatory, a rise where it is inhibitory; none without a direct synapse).

Negative control: responders with no path from the silenced set (a
breadth-first search on the connectivity, SciPy's csgraph) cannot change
through it; tested the same way (their own correction), none may change.
Silencing changes which neurons are refractory when, and with it which random
numbers the drive draws for whom: pairs share their seed, not their exact
input, so the control is statistical.
"""

import numpy as np
import pandas as pd
import scipy.sparse
import scipy.sparse.csgraph
import xarray as xr

from spikesweep.analyses.markdown import fixed, number, outcome
from spikesweep.analyses.responders import experiments, responses
from spikesweep.analyses.result import AnalysisResult
from spikesweep.analyses.statistics import benjamini_hochberg, paired_difference
from spikesweep.storage import driven_neurons

__all__ = ["answer", "reachable", "silencing"]


def reachable(connectivity: scipy.sparse.csr_array, sources: np.ndarray) -> np.ndarray:
    """Neurons with a path from any of ``sources`` (themselves included): bool, (n,)."""
    n = connectivity.shape[0]
    graph = scipy.sparse.csr_array(connectivity != 0, dtype=np.int8)
    # one search from a node that projects to every source
    extended = scipy.sparse.block_array(
        [
            [graph, scipy.sparse.csr_array((n, 1), dtype=np.int8)],
            [
                scipy.sparse.csr_array(
                    (np.ones(len(sources), np.int8), (np.zeros(len(sources)), sources)),
                    shape=(1, n),
                ),
                None,
            ],
        ],
        format="csr",
    )
    order = scipy.sparse.csgraph.breadth_first_order(
        extended, n, directed=True, return_predecessors=False
    )
    found = np.zeros(n + 1, dtype=bool)
    found[order] = True
    return found[:n]


def _verdicts(rows: list[dict], alpha: float) -> np.ndarray:
    """BH over ``rows``' two-sided p-values; set each row's ``p_adjusted`` and ``verdict``
    (``drops``, ``rises`` or ``unchanged``). Returns which rows changed."""
    rejected, adjusted = benjamini_hochberg([row["p_value"] for row in rows], alpha)
    for row, reject, p in zip(rows, rejected, adjusted, strict=True):
        row["p_adjusted"] = float(p)
        direction = "drops" if row["difference_hz"] < 0 else "rises"
        row["verdict"] = direction if reject else "unchanged"
    return rejected


def silencing(
    rates: xr.DataTree, driven: dict, networks: dict, *, alpha: float, min_rate_hz: float
) -> AnalysisResult:
    """Compare each intact responder's rate with its rate in each silencing arm.

    Parameters
    ----------
    rates : xarray.DataTree
        The study's ``rates.nc``.
    driven : dict of (str, str) to ndarray of bool
        The neurons of each driven set.
    networks : dict of str to csr_array
        Connectivity of each network (``[pre, post]`` weights).
    alpha : float
        False-discovery rate (responders, and across a silencing arm's tests).
    min_rate_hz : float
        Smallest rise that makes a responder (see :func:`~.responders.responses`).
    """
    silenced_sets = driven_neurons(rates, "silenced")
    intact = {}
    arms = []
    for network, point, rate, baseline in experiments(rates, driven):
        key = (network, *(value for name, value in point.items() if name != "silenced"))
        if not silenced_sets[network, point["silenced"]].any():
            table = responses(rate, baseline, alpha=alpha, min_rate_hz=min_rate_hz)
            intact[key] = (table["neuron"][table["responder"]].to_numpy(), rate)
        else:
            arms.append((key, network, point, rate))
    experiments_rows, tests, controls = [], [], []
    for key, network, point, rate in arms:
        if key not in intact:
            continue
        neurons, intact_rate = intact[key]
        seeds = min(len(rate), len(intact_rate))
        silenced = np.flatnonzero(silenced_sets[network, point["silenced"]])
        connectivity = networks[network]
        downstream = reachable(connectivity, silenced)
        direct = np.asarray(connectivity[silenced].sum(axis=0)).ravel()
        stats = paired_difference(rate[:seeds, neurons], intact_rate[:seeds, neurons])
        experiment = len(experiments_rows)
        for k, neuron in enumerate(neurons):
            weight = float(direct[neuron])
            row = {
                "experiment": experiment,
                "neuron": int(neuron),
                "intact_hz": float(intact_rate[:seeds, neuron].mean()),
                "silenced_hz": float(rate[:seeds, neuron].mean()),
                "difference_hz": float(stats["difference"][k]),
                "ci95_low_hz": float(stats["ci_low"][k]),
                "ci95_high_hz": float(stats["ci_high"][k]),
                "t": float(stats["t"][k]),
                "p_value": float(stats["p_two_sided"][k]),
                "reachable": bool(downstream[neuron]),
                "expected": "drops" if weight > 0 else "rises" if weight < 0 else "none",
            }
            (tests if row["reachable"] else controls).append(row)
        experiments_rows.append(
            {
                "network": network,
                **point,
                "seeds": seeds,
                "silenced_neurons": len(silenced),
                "n_responders": len(neurons),
                "n_reachable": int(downstream[neurons].sum()),
            }
        )
    changed = _verdicts(controls, alpha)
    _verdicts(tests, alpha)
    for experiment, row in enumerate(experiments_rows):
        mine = [t for t in tests if t["experiment"] == experiment]
        row["drops"] = sum(t["verdict"] == "drops" for t in mine)
        row["rises"] = sum(t["verdict"] == "rises" for t in mine)
    control = {
        "expected": "unchanged",
        "tests": len(controls),
        "changed": int(changed.sum()),
        "passed": not changed.any() if controls else None,
        "reason": "every responder has a path from the silenced set",
    }
    if not experiments_rows:
        verdict = "no silencing arm with an intact twin"
    elif control["passed"] is False:
        verdict = "invalid"
    elif any(t["verdict"] != "unchanged" for t in tests):
        verdict = "silencing changes responses"
    else:
        verdict = "no detectable effect"
    strongest = min(tests, key=lambda t: t["p_adjusted"], default=None)
    numbers = pd.DataFrame(
        tests + controls,
        columns=[
            "experiment", "neuron", "intact_hz", "silenced_hz", "difference_hz", "ci95_low_hz",
            "ci95_high_hz", "t", "p_value", "p_adjusted", "reachable", "expected", "verdict",
        ],
    )  # fmt: skip
    return AnalysisResult(
        analysis="silencing",
        verdict=verdict,
        test="paired two-sided t-test over seeds of silenced - intact rate, for each responder "
        "of the intact experiment; Benjamini-Hochberg across an arm's responders",
        statistic=strongest["t"] if strongest else float("nan"),
        pvalue=strongest["p_adjusted"] if strongest else float("nan"),
        alpha=alpha,
        effect_size=strongest["difference_hz"] if strongest else float("nan"),
        effect_size_name="rate change silenced - intact (Hz) of the most significant responder",
        controls={"responders_without_path": control},
        points=experiments_rows,
        arrays=xr.Dataset.from_dataframe(numbers.astype({"reachable": np.int8})).rename(
            {"index": "test"}
        ),
    )


def answer(s: dict) -> list[str]:
    """This analysis' verdict in words, for ``answers.md`` (Markdown lines)."""
    control = s["controls"]["responders_without_path"]
    lines = [
        f"**Verdict: {s['verdict']}** ({s['test']}; alpha = {s['alpha']}).",
        "",
        f"Control: responders with no path from the silenced set changed in "
        f"{control['changed']} of {control['tests']} tests ({outcome(control)}).",
        "",
        "| network | driven | silenced (neurons) | seeds | responders (reachable) | drop | rise |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in s["points"]:
        lines.append(
            f"| {row['network']} | {row['targets']} | {row['silenced']} "
            f"({row['silenced_neurons']}) | {row['seeds']} | {row['n_responders']} "
            f"({row['n_reachable']}) | {row['drops']} | {row['rises']} |"
        )
    lines += [
        "",
        f"Most significant change: {fixed(s['effect_size'], '+.2f')} Hz "
        f"(p adjusted {number(s['p_value'])}). Per-neuron numbers: `analysis/silencing.nc`.",
    ]
    return lines
