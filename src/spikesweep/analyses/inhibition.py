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
import pandas as pd
import scipy.stats
import xarray as xr

from spikesweep.analyses.independence import benjamini_hochberg
from spikesweep.config import LESIONED_SUFFIX
from spikesweep.storage import iter_drives

__all__ = ["inhibition"]


def _paired(intact: np.ndarray, lesioned: np.ndarray) -> dict:
    """Paired statistics of ``intact - lesioned`` over seeds (NaN pairs dropped)."""
    keep = ~(np.isnan(intact) | np.isnan(lesioned))
    diff = intact[keep] - lesioned[keep]
    n = diff.size
    mean = float(diff.mean()) if n else float("nan")
    sem = float(diff.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    if n > 1 and sem > 0:
        t = mean / sem
        half = scipy.stats.t.ppf(0.975, n - 1) * sem
        p_less = float(scipy.stats.t.cdf(t, n - 1))
        p_two = float(2 * scipy.stats.t.sf(abs(t), n - 1))
    elif n > 1:  # every seed gave the same difference: the interval is a point
        t = 0.0 if mean == 0 else np.copysign(np.inf, mean)
        half = 0.0
        p_less = 1.0 if mean >= 0 else 0.0
        p_two = 1.0 if mean == 0 else 0.0
    else:
        t = half = p_less = p_two = float("nan")
    return {
        "seeds": int(n),
        "intact_hz": float(intact[keep].mean()) if n else float("nan"),
        "lesioned_hz": float(lesioned[keep].mean()) if n else float("nan"),
        "difference_hz": mean,
        "ci95_low_hz": mean - half,
        "ci95_high_hz": mean + half,
        "t": float(t),
        "p_inhibited": p_less,
        "p_changed": p_two,
    }


def inhibition(rates: xr.DataTree, networks: dict, alpha: float) -> tuple[xr.Dataset, dict]:
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
            for point in iter_drives(intact):
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
        "passed": bool(controls) and not changed.any(),
    }
    if not targets:
        verdict = "no lesion controls"
    elif not control["passed"]:
        verdict = "invalid"
    elif any(row["verdict"] == "inhibited" for row in targets):
        verdict = "negative weights inhibit"
    else:
        verdict = "no detectable effect"
    strongest = min(targets, key=lambda row: row["t"], default=None)
    summary = {
        "analysis": "inhibition",
        "question": "Do negative weights inhibit?",
        "verdict": verdict,
        "test": "paired one-sided t-test over seeds of intact - lesioned rate, for each "
        "neuron with inhibitory input, mode and drive; Benjamini-Hochberg across tests",
        "statistic": strongest["t"] if strongest else float("nan"),
        "p_value": min((row["p_adjusted"] for row in targets), default=float("nan")),
        "alpha": alpha,
        "effect_size": strongest["difference_hz"] if strongest else float("nan"),
        "effect_size_name": "mean rate change intact - lesioned (Hz) of the strongest test",
        "controls": {"neurons_without_inhibitory_input": control},
        "points": rows,
    }
    return xr.Dataset.from_dataframe(pd.DataFrame(rows)).rename({"index": "point"}), summary
