"""Per-neuron rate tables by FlyWire id: Shiu et al.'s summary of an experiment."""

import numpy as np
import pandas as pd
import xarray as xr

from spikesweep.storage import NEURON_LABELS, iter_point_rates
from spikesweep.study.axes import AXIS_NAMES

__all__ = ["point_summary", "rate_table", "responder_table"]


def rate_table(rates: xr.Dataset) -> pd.DataFrame:
    """Per-neuron rates by FlyWire id, averaged over seeds: the active neurons only.

    Parameters
    ----------
    rates : xarray.Dataset
        One network's group of ``rates.nc``, with its ``flywire_id`` coordinate
        (and ``cell_type``, where known).

    Returns
    -------
    table : DataFrame
        One row per mode, grid point and neuron that fired in some seed:
        ``flywire_id`` (and ``cell_type``), the mode and grid axes, ``mean_rate_hz`` and
        ``std_rate_hz`` (Hz, over seeds, ddof 1) and ``n_seeds``; sorted by
        mode and point, then by decreasing mean rate, then by id.
    """
    labels = {name: rates[name].values for name in NEURON_LABELS if name in rates}
    drive_dims = ["mode", *AXIS_NAMES]
    tables = []
    for mode, point, rate in iter_point_rates(rates["rate_hz_out"]):
        mean = rate.mean(axis=0)
        active = np.flatnonzero(mean > 0)
        std = rate[:, active].std(axis=0, ddof=1) if len(rate) > 1 else np.nan
        tables.append(
            pd.DataFrame(
                {
                    **{name: values[active] for name, values in labels.items()},
                    "mode": mode,
                    **point,
                    "mean_rate_hz": mean[active],
                    "std_rate_hz": std,
                    "n_seeds": len(rate),
                }
            ).sort_values(["mean_rate_hz", "flywire_id"], ascending=[False, True])
        )
    columns = [*labels, *drive_dims, "mean_rate_hz"]
    if not tables:
        return pd.DataFrame(columns=[*columns, "std_rate_hz", "n_seeds"])
    return pd.concat(tables, ignore_index=True)


def responder_table(
    numbers: xr.Dataset, experiments: list[dict], point: dict, labels: dict | None = None
) -> pd.DataFrame:
    """One experiment's responders (the responders analysis), strongest first.

    Parameters
    ----------
    numbers, experiments
        The analysis' ``responders.nc`` and its JSON ``points`` (one per experiment).
    point : dict
        The experiment's network, mode and grid point.
    labels : dict of str to ndarray, optional
        Labels of each neuron index of a FlyWire network (``flywire_id`` and,
        where known, ``cell_type``): columns that replace ``neuron``.

    Returns
    -------
    DataFrame
        ``neuron`` (or the labels), ``mean_rate_hz`` with its 95 % interval over
        seeds, ``baseline_rate_hz``, ``difference_hz``, ``p_value``,
        ``p_adjusted`` and ``driven``.
    """
    (index,) = [
        k for k, row in enumerate(experiments) if all(row[name] == v for name, v in point.items())
    ]
    tests = numbers[[name for name in numbers.data_vars if numbers[name].dims == ("test",)]]
    table = tests.to_dataframe()
    table = table[(table["experiment"] == index) & (table["responder"] == 1)]
    table = table.sort_values(["mean_rate_hz", "neuron"], ascending=[False, True])
    columns = [
        "mean_rate_hz",
        "ci95_low_hz",
        "ci95_high_hz",
        "baseline_rate_hz",
        "difference_hz",
        "p_value",
        "p_adjusted",
    ]
    out = table[["neuron", *columns]].astype({"neuron": np.int64})
    out["driven"] = table["driven"].astype(bool)
    if labels:
        neuron = out.pop("neuron")
        for k, (name, values) in enumerate(labels.items()):
            out.insert(k, name, np.asarray(values)[neuron])
    return out.reset_index(drop=True)


def point_summary(rates: xr.DataTree, driven: dict) -> pd.DataFrame:
    """Rates at each network, mode and grid point that was run: a row each.

    Parameters
    ----------
    rates : xarray.DataTree
        A study's ``rates.nc`` (read one point at a time).
    driven : dict of (str, str) to ndarray of bool
        The neurons of each network's driven sets (``spikesweep.storage.driven_neurons``).

    Returns
    -------
    table : DataFrame
        ``network``, ``mode``, the grid axes, ``n_seeds``, ``n_driven``, and in Hz
        ``driven_rate_hz`` (the driven neurons' mean rate, averaged over seeds),
        ``driven_rate_sd_hz`` (its standard deviation over seeds, ddof 1; NaN for
        one seed) and ``other_rate_hz`` (the other neurons' mean rate; NaN when
        every neuron is driven).
    """
    rows = []
    for network, node in sorted(rates.children.items()):
        for mode, point, run in iter_point_rates(node["rate_hz_out"]):
            mask = driven[network, point["targets"]]
            per_seed = run[:, mask].mean(axis=1)
            rows.append(
                {
                    "network": network,
                    "mode": mode,
                    **point,
                    "n_seeds": len(run),
                    "n_driven": int(mask.sum()),
                    "driven_rate_hz": float(per_seed.mean()),
                    "driven_rate_sd_hz": float(per_seed.std(ddof=1)) if len(run) > 1 else np.nan,
                    "other_rate_hz": float(run[:, ~mask].mean()) if (~mask).any() else np.nan,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "network",
            "mode",
            *AXIS_NAMES,
            "n_seeds",
            "n_driven",
            "driven_rate_hz",
            "driven_rate_sd_hz",
            "other_rate_hz",
        ],
    )
