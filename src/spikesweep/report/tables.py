"""Per-neuron rate tables by FlyWire id: Shiu et al.'s summary of an experiment."""

import numpy as np
import pandas as pd
import xarray as xr

from spikesweep.study.axes import AXIS_NAMES

__all__ = ["rate_table"]


def rate_table(rates: xr.Dataset) -> pd.DataFrame:
    """Per-neuron rates by FlyWire id, averaged over seeds: the active neurons only.

    Parameters
    ----------
    rates : xarray.Dataset
        One network's group of ``rates.nc``, with its ``flywire_id`` coordinate.

    Returns
    -------
    table : DataFrame
        One row per mode, grid point and neuron that fired in some seed:
        ``flywire_id``, the mode and grid axes, ``mean_rate_hz`` and
        ``std_rate_hz`` (Hz, over seeds, ddof 1) and ``n_seeds``; sorted by
        mode and point, then by decreasing mean rate, then by id.
    """
    rate = rates["rate_hz_out"]
    drive_dims = ["mode", *AXIS_NAMES]
    drives = rate.stack(drive=drive_dims).transpose("drive", "seed", "neuron")
    tables = []
    for k, drive in enumerate(drives["drive"].values):
        values = drives.isel(drive=k).values  # (seed, neuron), NaN where not run
        values = values[~np.isnan(values).all(axis=1)]
        if not values.size:
            continue
        mean = values.mean(axis=0)
        active = np.flatnonzero(mean > 0)
        std = values[:, active].std(axis=0, ddof=1) if len(values) > 1 else np.nan
        tables.append(
            pd.DataFrame(
                {
                    "flywire_id": rates["flywire_id"].values[active],
                    **dict(zip(drive_dims, drive, strict=True)),
                    "mean_rate_hz": mean[active],
                    "std_rate_hz": std,
                    "n_seeds": len(values),
                }
            ).sort_values(["mean_rate_hz", "flywire_id"], ascending=[False, True])
        )
    columns = ["flywire_id", *drive_dims, "mean_rate_hz"]
    if not tables:
        return pd.DataFrame(columns=[*columns, "std_rate_hz", "n_seeds"])
    return pd.concat(tables, ignore_index=True)
