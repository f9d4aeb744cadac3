"""Do negative weights inhibit? (forum question 4)

The lesion control (``controls.lesion_inhibition``) reruns a network without
its negative weights, with the same modes, drives and seeds. For each neuron
that receives inhibitory synapses, and each mode and drive, the rate
difference ``intact - lesioned`` is paired by seed; a one-sided t-test asks
whether it is negative (the expected sign), Benjamini-Hochberg across tests.
Each test reports the mean difference and its 95 % confidence interval, so a
drive where inhibition cannot move the rate (every input event fires the
neuron) is reported as "no detectable effect" with the interval, not as an
effect.

Negative control: neurons without inhibitory input should not change (two-
sided test, same correction); the verdict is ``invalid`` if any of them does.
Note that the lesion changes which neurons are refractory when, and with it
which random numbers ``PoissonInput`` draws for whom: pairs share their seed,
not their exact input.
"""

import numpy as np
import xarray as xr

from spikesweep.analyses.markdown import fixed, number, outcome, point_label
from spikesweep.analyses.result import AnalysisResult
from spikesweep.analyses.statistics import benjamini_hochberg, paired_difference
from spikesweep.storage import iter_grid_points
from spikesweep.study.axes import LESIONED_SUFFIX

__all__ = ["answer", "inhibition"]


def _paired(intact: np.ndarray, lesioned: np.ndarray) -> dict:
    """Paired statistics of ``intact - lesioned`` over seeds (NaN pairs dropped)."""
    keep = ~(np.isnan(intact) | np.isnan(lesioned))
    n = int(keep.sum())
    stats = paired_difference(intact[keep], lesioned[keep])
    return {
        "seeds": n,
        "intact_hz": float(intact[keep].mean()) if n else float("nan"),
        "lesioned_hz": float(lesioned[keep].mean()) if n else float("nan"),
        "difference_hz": stats["difference"],
        "ci95_low_hz": stats["ci_low"],
        "ci95_high_hz": stats["ci_high"],
        "t": stats["t"],
        "p_inhibited": stats["p_less"],
        "p_changed": stats["p_two_sided"],
    }


def inhibition(rates: xr.DataTree, networks: dict, *, alpha: float) -> AnalysisResult:
    """Compare intact and lesioned rates per neuron, mode and drive.

    Parameters
    ----------
    rates : xarray.DataTree
        The study's ``rates.nc``, with groups ``{name}`` and ``{name}-lesioned``.
    networks : dict of str to csr_array
        Connectivity of the intact networks (``[pre, post]`` weights).
    alpha : float
        False-discovery rate across tests.
    """
    rows = []
    for name, node in sorted(rates.children.items()):
        twin = name + LESIONED_SUFFIX
        if twin not in rates.children or name not in networks:
            continue
        inhibited_in = np.flatnonzero((networks[name] < 0).sum(axis=0) > 0)
        intact, lesioned = xr.align(node["rate_hz_out"], rates[twin]["rate_hz_out"], join="inner")
        for mode in intact["mode"].values:
            for point in iter_grid_points(intact):
                a = intact.sel(mode=mode, **point)
                b = lesioned.sel(mode=mode, **point)
                if a.isnull().all():
                    continue
                for neuron in intact["neuron"].values:
                    stats = _paired(a.sel(neuron=neuron).values, b.sel(neuron=neuron).values)
                    if stats["seeds"] < 2:
                        continue
                    rows.append(
                        {
                            "network": name,
                            "mode": str(mode),
                            **point,
                            "neuron": int(neuron),
                            "inhibitory_input": bool(neuron in inhibited_in),
                            **stats,
                        }
                    )
    targets = [row for row in rows if row["inhibitory_input"]]
    controls = [row for row in rows if not row["inhibitory_input"]]
    rejected, adjusted = benjamini_hochberg([row["p_inhibited"] for row in targets], alpha)
    for row, reject, p_adjusted in zip(targets, rejected, adjusted, strict=True):
        row["p_adjusted"] = float(p_adjusted)
        row["verdict"] = "inhibited" if reject else "no detectable effect"
    changed, adjusted = benjamini_hochberg([row["p_changed"] for row in controls], alpha)
    for row, change, p_adjusted in zip(controls, changed, adjusted, strict=True):
        row["p_adjusted"] = float(p_adjusted)
        row["verdict"] = "changed" if change else "unchanged"
    control = {
        "expected": "unchanged",
        "tests": len(controls),
        "changed": int(changed.sum()),
        "passed": not changed.any() if controls else None,
        "reason": "every tested neuron has inhibitory input",
    }
    if not targets:
        verdict = "no lesion controls"
    elif control["passed"] is False:
        verdict = "invalid"
    elif any(row["verdict"] == "inhibited" for row in targets):
        verdict = "negative weights inhibit"
    else:
        verdict = "no detectable effect"
    strongest = min(targets, key=lambda row: row["t"], default=None)
    return AnalysisResult(
        analysis="inhibition",
        verdict=verdict,
        test="paired one-sided t-test over seeds of intact - lesioned rate, for each "
        "neuron with inhibitory input, mode and drive; Benjamini-Hochberg across tests",
        statistic=strongest["t"] if strongest else float("nan"),
        pvalue=min((row["p_adjusted"] for row in targets), default=float("nan")),
        alpha=alpha,
        effect_size=strongest["difference_hz"] if strongest else float("nan"),
        effect_size_name="mean rate change intact - lesioned (Hz) of the strongest test",
        controls={"neurons_without_inhibitory_input": control},
        points=rows,
    )


def answer(s: dict) -> list[str]:
    """This analysis' verdict in words, for ``answers.md`` (Markdown lines)."""
    control = s["controls"]["neurons_without_inhibitory_input"]
    lines = [
        f"**Verdict: {s['verdict']}** ({s['test']}; alpha = {s['alpha']}).",
        "",
        f"Control: neurons without inhibitory input changed in {control['changed']} of "
        f"{control['tests']} tests ({outcome(control)}).",
        "",
        "| drive | mode | neuron | intact (Hz) | lesioned (Hz) | difference, 95 % CI (Hz) "
        "| seeds | p (BH) | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in s["points"]:
        if row["inhibitory_input"]:
            lines.append(
                f"| {point_label(row, s['points'])} | {row['mode']} | {row['neuron']} "
                f"| {fixed(row['intact_hz'], '.1f')} | {fixed(row['lesioned_hz'], '.1f')} "
                f"| {fixed(row['difference_hz'], '+.2f')} [{fixed(row['ci95_low_hz'], '+.2f')}, "
                f"{fixed(row['ci95_high_hz'], '+.2f')}] | {row['seeds']} "
                f"| {number(row['p_adjusted'])} | {row['verdict']} |"
            )
    lines += [
        "",
        "Negative weights lower the target's potential, but whether that shows in its rate "
        "depends on the drive: when every input event fires the neuron on its own, a small "
        "inhibitory input cannot prevent the spike, and the confidence interval shows how "
        "small any effect must be.",
    ]
    return lines
