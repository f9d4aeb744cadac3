"""The Shiu et al. (2024) / FlyWire connectome files: read, validate, map ids.

The Drosophila whole-brain model of Shiu et al. comes as a file pair:

``Completeness_783.csv``
    one row per neuron, indexed by its FlyWire root id (an 18-digit integer);
    the row order defines the neuron indices (``,Completed`` header). A column
    ``cell_type``, where present, names each neuron's cell type (blank: unknown);
    Shiu et al.'s file has none, FlyWire's annotations provide one.
``Connectivity_783.parquet``
    one row per connection, with columns :data:`CONNECTIVITY_COLUMNS`:
    FlyWire ids and indices of the pre- and postsynaptic neurons, the synapse
    count (``Connectivity``), the sign of the presynaptic neuron
    (``Excitatory``: +1 or -1) and their product, the weight in multiples of
    the weight per synapse (0.275 mV in Shiu et al.).

:func:`load_flywire` reads the pair into a connectivity matrix without a dense
matrix or a loop over rows (about 1.5 GB for the 15 million rows of v783);
:func:`flywire_indices` turns FlyWire ids into neuron indices, and
:func:`cell_type_indices` cell types into the indices of their neurons.
:mod:`spikesweep.networks.synthetic` writes connectomes in the same format.
"""

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import scipy.sparse

from spikesweep.errors import NetworkError

__all__ = [
    "CELL_TYPE_COLUMN",
    "CONNECTIVITY_COLUMNS",
    "cell_type_indices",
    "flywire_indices",
    "load_flywire",
    "read_cell_types",
    "read_neuron_ids",
]

#: Column of the neurons CSV that names each neuron's cell type (optional).
CELL_TYPE_COLUMN = "cell_type"

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
#: Columns read into the network (the rest is only checked to exist).
_READ_COLUMNS = (*CONNECTIVITY_COLUMNS[:4], "Excitatory x Connectivity")


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


def read_cell_types(path: str | Path) -> np.ndarray | None:
    """Cell type of each neuron of a neurons CSV (column ``cell_type``), in
    neuron-index order: str, shape (n_neurons,), ``""`` where blank; None
    when the file has no such column."""
    path = Path(path)
    try:
        if CELL_TYPE_COLUMN not in pd.read_csv(path, nrows=0).columns:
            return None
        types = pd.read_csv(path, usecols=[CELL_TYPE_COLUMN], dtype=str, keep_default_na=False)
    except Exception as err:  # pandas raises many types for unreadable files
        raise NetworkError(f"{path}: cannot read the neurons CSV ({err}).") from err
    return types[CELL_TYPE_COLUMN].str.strip().to_numpy(dtype=str)


def cell_type_indices(names: Iterable[str], cell_types: np.ndarray, what: str) -> np.ndarray:
    """Indices of the neurons of the cell types ``names`` (int64, sorted).

    ``what`` names the config key they come from, for the error that lists the
    types ``cell_types`` (as :func:`read_cell_types` gives) does not hold.
    """
    names = list(names)
    known = set(cell_types.tolist()) - {""}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise NetworkError(
            f"{what}: cell types {unknown} are not in the neurons file's "
            f"'{CELL_TYPE_COLUMN}' column, e.g. {sorted(known)[:5]}."
        )
    return np.flatnonzero(np.isin(cell_types, names)).astype(np.int64)


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
        (the caller's :func:`~spikesweep.networks.connectivity.network_from_source` does it).
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
