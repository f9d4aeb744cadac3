"""The Shiu et al. (2024) / FlyWire connectome files: read, validate, generate.

The Drosophila whole-brain model of Shiu et al. comes as a file pair:

``Completeness_783.csv``
    one row per neuron, indexed by its FlyWire root id (an 18-digit integer);
    the row order defines the neuron indices (``,Completed`` header).
``Connectivity_783.parquet``
    one row per connection, with columns :data:`CONNECTIVITY_COLUMNS`:
    FlyWire ids and indices of the pre- and postsynaptic neurons, the synapse
    count (``Connectivity``), the sign of the presynaptic neuron
    (``Excitatory``: +1 or -1) and their product, the weight in multiples of
    the weight per synapse (0.275 mV in Shiu et al.).

:func:`load_flywire` reads the pair into a connectivity matrix without a dense
matrix or a loop over rows (about 1.5 GB for the 15 million rows of v783);
:func:`flywire_indices` turns FlyWire ids into neuron indices;
:func:`write_synthetic` writes a synthetic connectome in the same format, at
any size up to the full brain. Run ``python -m spikesweep.flywire --help``.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse

from spikesweep.networks import NetworkError
from spikesweep.storage import atomic_path

if TYPE_CHECKING:
    import xarray as xr

__all__ = [
    "CONNECTIVITY_COLUMNS",
    "flywire_indices",
    "load_flywire",
    "rate_table",
    "read_neuron_ids",
    "study_flywire_ids",
    "write_synthetic",
]

logger = logging.getLogger(__name__)

#: Columns of the connectivity parquet, in Shiu et al.'s order.
CONNECTIVITY_COLUMNS = (
    "Presynaptic_ID",
    "Postsynaptic_ID",
    "Presynaptic_Index",
    "Postsynaptic_Index",
    "Connectivity",
    "Excitatory",
    "Excitatory x Connectivity",
)
#: Columns read to build the network (the rest is only checked to exist).
_READ_COLUMNS = (*CONNECTIVITY_COLUMNS[:4], "Excitatory x Connectivity")
#: First FlyWire root id of the synthetic connectomes (real ids start with 7205759406).
_SYNTHETIC_ID_BASE = 720575940600000000


def read_neuron_ids(path: str | Path) -> np.ndarray:
    """FlyWire ids of a neurons CSV, in neuron-index order: int64, shape (n_neurons,)."""
    path = Path(path)
    try:
        index = pd.read_csv(path, index_col=0, usecols=[0]).index
    except Exception as err:  # pandas raises many types for unreadable files
        raise NetworkError(f"{path}: cannot read the neurons CSV ({err}).") from err
    if len(index) == 0:
        raise NetworkError(f"{path}: the neurons CSV lists no neuron.")
    ids = pd.to_numeric(index, errors="coerce")
    bad = np.flatnonzero(pd.isna(ids) | (ids != np.round(ids)))
    if bad.size:
        raise NetworkError(
            f"{path}: row {bad[0]}: the first column must be an integer FlyWire id, "
            f"got {index[bad[0]]!r}."
        )
    ids = np.asarray(index, dtype=np.int64)
    duplicated = np.flatnonzero(pd.Index(ids).duplicated())
    if duplicated.size:
        raise NetworkError(f"{path}: row {duplicated[0]} repeats FlyWire id {ids[duplicated[0]]}.")
    return ids


def flywire_indices(requested: Iterable[int], neuron_ids: np.ndarray, what: str) -> np.ndarray:
    """Neuron indices of the FlyWire ids ``requested`` (int64, same order).

    ``what`` names the config key or file they come from, for the error that
    lists the ids ``neuron_ids`` does not hold.
    """
    requested = np.asarray(list(requested), dtype=np.int64)
    order = np.argsort(neuron_ids)
    position = np.searchsorted(neuron_ids, requested, sorter=order)
    position = np.minimum(position, len(neuron_ids) - 1)
    found = neuron_ids[order[position]] == requested
    if not found.all():
        unknown = requested[~found]
        raise NetworkError(
            f"{what}: {unknown.size} FlyWire ids are not in the neurons file, "
            f"e.g. {unknown[:5].tolist()}; use root ids of the same FlyWire release."
        )
    return order[position]


def _check_index(values: np.ndarray, column: str, n_neurons: int, path: Path) -> np.ndarray:
    bad = np.flatnonzero((values < 0) | (values >= n_neurons))
    if bad.size:
        raise NetworkError(
            f"{path}: row {bad[0]}, column {column!r}: neuron index must be in "
            f"0..{n_neurons - 1} (the rows of the neurons CSV), got {values[bad[0]]}."
        )
    return values


def _read_connectivity(path: Path) -> dict[str, np.ndarray]:
    """The columns of :data:`_READ_COLUMNS` as NumPy arrays (integers checked)."""
    try:
        columns = pq.read_schema(path).names
        missing = [c for c in CONNECTIVITY_COLUMNS if c not in columns]
        if missing:
            raise NetworkError(
                f"{path}: a FlyWire connectivity file needs columns "
                f"{list(CONNECTIVITY_COLUMNS)}; missing {missing}."
            )
        table = pq.read_table(path, columns=list(_READ_COLUMNS))
    except (pa.ArrowException, OSError) as err:
        raise NetworkError(f"{path}: cannot read the connectivity parquet ({err}).") from err
    arrays = {}
    for column in _READ_COLUMNS:
        chunked = table.column(column)
        if not pa.types.is_integer(chunked.type):
            raise NetworkError(f"{path}: column {column!r} must hold integers, got {chunked.type}.")
        if chunked.null_count:
            row = int(np.flatnonzero(chunked.is_null().to_numpy(zero_copy_only=False))[0])
            raise NetworkError(f"{path}: row {row}, column {column!r} is empty.")
        arrays[column] = chunked.to_numpy().astype(np.int64, copy=False)
        table = table.drop_columns([column])  # free each column once converted
    return arrays


def load_flywire(
    neurons: str | Path, connectivity: str | Path
) -> tuple[scipy.sparse.csr_array, np.ndarray]:
    """Read a Shiu et al./FlyWire file pair.

    Returns
    -------
    matrix : csr_array, shape (n_neurons, n_neurons)
        ``"Excitatory x Connectivity"`` at ``[Presynaptic_Index, Postsynaptic_Index]``,
        in multiples of the weight per synapse; not yet validated for finiteness
        (the caller's :func:`spikesweep.networks.build_network` does it).
    neuron_ids : ndarray of int64, shape (n_neurons,)
        FlyWire id of each neuron index.

    Raises
    ------
    NetworkError
        For an unreadable file, a missing column, an index out of range, an
        index whose id disagrees with the neurons CSV, or a repeated connection.
    """
    neurons, connectivity = Path(neurons), Path(connectivity)
    neuron_ids = read_neuron_ids(neurons)
    n = len(neuron_ids)
    rows = _read_connectivity(connectivity)
    for side in ("Presynaptic", "Postsynaptic"):
        index = _check_index(rows[f"{side}_Index"], f"{side}_Index", n, connectivity)
        mismatch = np.flatnonzero(neuron_ids[index] != rows.pop(f"{side}_ID"))
        if mismatch.size:
            row = mismatch[0]
            raise NetworkError(
                f"{connectivity}: row {row}: {side}_Index {index[row]} is FlyWire id "
                f"{neuron_ids[index[row]]} in {neurons}, not the row's {side}_ID; "
                "the two files come from different releases."
            )
    pre = rows.pop("Presynaptic_Index")
    post = rows.pop("Postsynaptic_Index")
    weight = rows.pop("Excitatory x Connectivity").astype(np.float64)
    coo = scipy.sparse.coo_array((weight, (pre, post)), shape=(n, n))
    matrix = coo.tocsr()  # sums repeated connections: detected below
    if matrix.nnz != len(pre):
        keys = pre * n + post
        order = np.argsort(keys, kind="stable")
        repeat = order[1:][np.diff(keys[order]) == 0].min()
        raise NetworkError(
            f"{connectivity}: row {repeat} repeats the connection {pre[repeat]} -> "
            f"{post[repeat]}; list each connection once."
        )
    return matrix, neuron_ids


def write_synthetic(
    neurons: str | Path,
    connectivity: str | Path,
    n_neurons: int = 138_639,
    n_connections: int = 15_091_983,
    seed: int = 0,
    include_ids: Iterable[int] = (),
) -> None:
    """Write a synthetic connectome as a Shiu et al./FlyWire file pair.

    Degrees are heavy-tailed (each neuron's out- and in-propensity is
    log-normal, sigma 1: hubs with thousands of partners), synapse counts are
    integers from a Zipf law (exponent 2, at most 1000: most connections have
    one or two synapses, a few hundreds), about a third of the neurons are
    inhibitory (``Excitatory`` = -1 on all their connections), and there are
    no autapses or repeated connections. The defaults are the size of FlyWire
    v783. Same arguments, same bytes.

    Parameters
    ----------
    neurons, connectivity : str or Path
        Paths of the neurons CSV and the connectivity parquet to write.
    n_neurons, n_connections : int
        Size of the connectome.
    seed : int
        Seed of the generator (NumPy PCG64).
    include_ids : iterable of int
        FlyWire ids that must exist (for example a study's targets); the
        others are drawn at random from 18-digit ids.
    """
    rng = np.random.default_rng(seed)
    include_ids = np.unique(np.asarray(list(include_ids), dtype=np.int64))
    if include_ids.size > n_neurons:
        raise ValueError(f"{include_ids.size} ids to include exceed n_neurons={n_neurons}.")
    drawn = _SYNTHETIC_ID_BASE + rng.choice(
        60_000_000_000, size=n_neurons + include_ids.size, replace=False
    )
    drawn = drawn[~np.isin(drawn, include_ids)][: n_neurons - include_ids.size]
    neuron_ids = np.sort(np.concatenate([include_ids, drawn]))

    out_propensity = rng.lognormal(0.0, 1.0, n_neurons)
    in_propensity = rng.lognormal(0.0, 1.0, n_neurons)
    keys = np.empty(0, dtype=np.int64)
    while keys.size < n_connections:  # draw, drop autapses and repeats, top up
        missing = n_connections - keys.size
        pre = rng.choice(
            n_neurons, size=missing + missing // 10 + 100, p=out_propensity / out_propensity.sum()
        )
        post = rng.choice(n_neurons, size=pre.size, p=in_propensity / in_propensity.sum())
        keep = pre != post
        keys = np.union1d(keys, pre[keep] * n_neurons + post[keep])
    keys = np.sort(rng.choice(keys, size=n_connections, replace=False))
    pre, post = np.divmod(keys, n_neurons)
    del keys
    synapses = np.minimum(rng.zipf(2.0, n_connections), 1000).astype(np.int64)
    sign = np.where(rng.random(n_neurons) < 1 / 3, -1, 1).astype(np.int64)
    table = pa.table(
        {
            "Presynaptic_ID": neuron_ids[pre],
            "Postsynaptic_ID": neuron_ids[post],
            "Presynaptic_Index": pre,
            "Postsynaptic_Index": post,
            "Connectivity": synapses,
            "Excitatory": sign[pre],
            "Excitatory x Connectivity": sign[pre] * synapses,
        }
    )
    with atomic_path(neurons) as tmp:
        pd.DataFrame({"Completed": True}, index=pd.Index(neuron_ids)).to_csv(tmp)
    with atomic_path(connectivity) as tmp:
        pq.write_table(table, tmp, compression="snappy")
    logger.info(
        "wrote %d neurons to %s and %d connections to %s",
        n_neurons,
        neurons,
        n_connections,
        connectivity,
    )


def rate_table(rates: xr.Dataset) -> pd.DataFrame:
    """Per-neuron rates by FlyWire id, averaged over seeds: the active neurons only.

    Parameters
    ----------
    rates : xarray.Dataset
        One network's group of ``rates.nc``, with its ``flywire_id`` coordinate.

    Returns
    -------
    table : DataFrame
        One row per drive (mode, rate_hz, n_sources, weight_mV) and neuron that
        fired in some seed: ``flywire_id``, the drive, ``mean_rate_hz`` and
        ``std_rate_hz`` (Hz, over seeds, ddof 1) and ``n_seeds``; sorted by
        drive, then by decreasing mean rate, then by id.
    """
    rate = rates["rate_hz_out"]
    drives = rate.stack(drive=["mode", "rate_hz", "n_sources", "weight_mV"]).transpose(
        "drive", "seed", "neuron"
    )
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
                    **dict(zip(("mode", "rate_hz", "n_sources", "weight_mV"), drive, strict=True)),
                    "mean_rate_hz": mean[active],
                    "std_rate_hz": std,
                    "n_seeds": len(values),
                }
            ).sort_values(["mean_rate_hz", "flywire_id"], ascending=[False, True])
        )
    columns = ["flywire_id", "mode", "rate_hz", "n_sources", "weight_mV", "mean_rate_hz"]
    if not tables:
        return pd.DataFrame(columns=[*columns, "std_rate_hz", "n_seeds"])
    return pd.concat(tables, ignore_index=True)


def study_flywire_ids(config: dict) -> list[int]:
    """Every FlyWire id a study config names: its flywire networks' silenced neurons
    and the targets of sweeps on flywire networks."""
    flywire = {name for name, source in config["networks"].items() if "flywire" in source}
    ids = {i for name in flywire for i in config["networks"][name]["flywire"].get("silenced", [])}
    for sweep in config["sweeps"].values():
        targets = sweep.get("targets", "all")
        if targets != "all" and flywire & set(sweep["networks"]):
            ids.update(targets)
    return sorted(ids)


def main(argv: list[str] | None = None) -> None:
    """Command line: write a synthetic connectome in the Shiu et al./FlyWire format."""
    import yaml

    parser = argparse.ArgumentParser(
        prog="python -m spikesweep.flywire", description=write_synthetic.__doc__.split("\n")[0]
    )
    parser.add_argument("--neurons", required=True, help="neurons CSV to write")
    parser.add_argument("--connectivity", required=True, help="connectivity parquet to write")
    parser.add_argument("--n-neurons", type=int, default=138_639)
    parser.add_argument("--n-connections", type=int, default=15_091_983)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--study", help="a study config whose FlyWire targets and silenced ids must exist"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    include = study_flywire_ids(yaml.safe_load(Path(args.study).read_text())) if args.study else []
    write_synthetic(
        args.neurons, args.connectivity, args.n_neurons, args.n_connections, args.seed, include
    )


if __name__ == "__main__":
    main()
