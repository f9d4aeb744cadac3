"""Connectivity matrices: read them from a config source, validate, store.

A connectivity matrix is a square ``scipy.sparse.csr_array`` of float64 whose
entry ``[pre, post]`` is the weight of the synapse from neuron ``pre`` to
neuron ``post``, in multiples of the model's ``weight_per_synapse_mV``
(negative: inhibitory). Sources are an inline matrix, a seeded random graph,
or a file: ``.npy`` (dense, never unpickled), ``.npz`` (``scipy.sparse``),
``.csv`` or ``.parquet`` (edge list with columns ``pre, post, weight``;
duplicate edges are refused, zero weights dropped), or the Shiu et al./FlyWire
file pair (:mod:`spikesweep.networks.flywire`), whose neurons keep their FlyWire ids.

A stored network (:func:`save_network`) is a ``scipy.sparse`` ``.npz`` file
with one more array, ``neuron_ids``: the id of each neuron index (FlyWire
root ids, or the indices themselves), and ``cell_types`` where the FlyWire
neurons CSV names them.
"""

import logging
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse

from spikesweep.errors import NetworkError
from spikesweep.files import atomic_path
from spikesweep.networks import flywire

__all__ = [
    "file_size",
    "load_connectivity",
    "load_network",
    "load_neuron_labels",
    "network_from_source",
    "neuron_cell_types",
    "random_connectivity",
    "save_network",
    "silence",
    "silenced_indices",
]

logger = logging.getLogger(__name__)

EDGE_COLUMNS = ("pre", "post", "weight")


def _validated(matrix, origin: str) -> scipy.sparse.csr_array:
    """Check that ``matrix`` is square, numeric and finite; return it as CSR float64."""
    shape = matrix.shape
    if len(shape) != 2 or shape[0] != shape[1]:
        raise NetworkError(f"{origin}: a connectivity matrix must be square (n x n), got {shape}.")
    if shape[0] == 0:
        raise NetworkError(f"{origin}: the connectivity matrix is empty.")
    if matrix.dtype.kind not in "biuf":
        raise NetworkError(
            f"{origin}: weights must be numbers, got dtype {matrix.dtype} "
            "(strings, objects or complex numbers are not weights)."
        )
    csr = scipy.sparse.csr_array(matrix, dtype=np.float64)
    bad = ~np.isfinite(csr.data)
    if bad.any():
        coo = csr.tocoo()
        pre, post = coo.row[bad][0], coo.col[bad][0]
        raise NetworkError(
            f"{origin}: weights must be finite; entry [{pre}, {post}] is {coo.data[bad][0]} "
            f"({bad.sum()} non-finite entries)."
        )
    csr.eliminate_zeros()
    csr.sort_indices()
    return csr


def random_connectivity(
    n: int, density: float, weights: tuple[int, int], seed: int
) -> scipy.sparse.csr_array:
    """A seeded random graph, generated sparse (never a dense n x n array).

    Parameters
    ----------
    n : int
        Number of neurons.
    density : float
        Fraction of the ``n * (n - 1)`` possible connections (no autapses).
    weights : (int, int)
        Inclusive range of the integer weights, drawn uniformly with 0 left out.
    seed : int
        Seed of the generator (numpy PCG64): same arguments, same matrix.
    """
    rng = np.random.default_rng(seed)
    n_edges = round(density * n * (n - 1))
    # Sample linear indices into the n x (n - 1) off-diagonal positions.
    flat = rng.choice(n * (n - 1), size=n_edges, replace=False)
    pre, offset = np.divmod(flat, n - 1)
    post = offset + (offset >= pre)
    low, high = weights
    values = np.arange(low, high + 1)
    values = values[values != 0]
    data = rng.choice(values, size=n_edges).astype(np.float64)
    matrix = scipy.sparse.csr_array((data, (pre, post)), shape=(n, n))
    return _validated(matrix, f"random(n={n}, density={density}, seed={seed})")


def _load_dense(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as err:
        raise NetworkError(
            f"{path}: cannot read as a numeric .npy array without unpickling ({err}); "
            "save a numeric array with numpy.save, object arrays are refused."
        ) from err


def _load_sparse(path: Path) -> scipy.sparse.sparray:
    try:
        return scipy.sparse.load_npz(path)
    except (ValueError, KeyError, OSError, zipfile.BadZipFile) as err:
        raise NetworkError(
            f"{path}: not a readable scipy.sparse .npz file ({err}); "
            "write it with scipy.sparse.save_npz."
        ) from err


def _load_edges(path: Path, n_neurons: int | None) -> scipy.sparse.csr_array:
    try:
        if path.suffix == ".csv":
            edges = pd.read_csv(path)
        else:
            edges = pd.read_parquet(path)
    except Exception as err:  # pandas and pyarrow raise many types for corrupt files
        raise NetworkError(f"{path}: cannot read the edge list ({err}).") from err
    missing = [c for c in EDGE_COLUMNS if c not in edges.columns]
    if missing:
        raise NetworkError(
            f"{path}: an edge list needs columns {list(EDGE_COLUMNS)}; missing {missing} "
            f"(found {list(edges.columns)})."
        )
    for column in EDGE_COLUMNS:
        values = pd.to_numeric(edges[column], errors="coerce")
        bad = values.isna() | ~np.isfinite(values)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise NetworkError(
                f"{path}: row {row}, column {column!r}: expected a finite number, "
                f"got {edges[column].iloc[row]!r}."
            )
        edges[column] = values
    for column in ("pre", "post"):
        index = edges[column].to_numpy()
        bad = (index < 0) | (index != np.round(index))
        if n_neurons is not None:
            bad |= index >= n_neurons
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            limit = "a non-negative integer" + (
                f" below n_neurons={n_neurons}" if n_neurons is not None else ""
            )
            raise NetworkError(
                f"{path}: row {row}, column {column!r}: neuron index must be {limit}, "
                f"got {index[row]}."
            )
    duplicated = edges.duplicated(subset=["pre", "post"], keep="first")
    if duplicated.any():
        row = int(np.flatnonzero(duplicated)[0])
        raise NetworkError(
            f"{path}: row {row} repeats the edge {int(edges['pre'].iloc[row])} -> "
            f"{int(edges['post'].iloc[row])}; list each edge once (sum the weights yourself "
            "if several synapses are meant)."
        )
    pre = edges["pre"].to_numpy(np.int64)
    post = edges["post"].to_numpy(np.int64)
    if n_neurons is None:
        n_neurons = int(max(pre.max(initial=-1), post.max(initial=-1))) + 1
    weights = edges["weight"].to_numpy(np.float64)
    return scipy.sparse.csr_array((weights, (pre, post)), shape=(n_neurons, n_neurons))


def file_size(path: str | Path, n_neurons: int | None = None) -> int | None:
    """Number of neurons of a connectivity file where it is cheap to know, else None.

    ``.npy`` and ``.npz`` files give it in their headers (nothing else is read);
    edge lists only by their declared ``n_neurons``. A file that cannot be read
    gives None: :func:`load_connectivity` reports what is wrong with it.
    """
    path = Path(path)
    if n_neurons is not None or path.suffix not in (".npy", ".npz"):
        return n_neurons
    try:
        if path.suffix == ".npy":
            with open(path, "rb") as stream:
                version = np.lib.format.read_magic(stream)
                header = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape = header(stream)[0]
        else:
            with np.load(path, allow_pickle=False) as arrays:
                shape = tuple(arrays["shape"])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None
    return int(shape[0]) if len(shape) == 2 and shape[0] == shape[1] else None


def load_connectivity(path: str | Path, n_neurons: int | None = None) -> scipy.sparse.csr_array:
    """Read and validate a connectivity file (format chosen by the extension).

    Parameters
    ----------
    path : str or Path
        A ``.npy``, ``.npz``, ``.csv`` or ``.parquet`` file.
    n_neurons : int, optional
        Network size for edge lists (default: the largest index + 1).

    Raises
    ------
    NetworkError
        Naming the file (and row, for edge lists) and what is expected.
    """
    path = Path(path)
    loaders = {
        ".npy": _load_dense,
        ".npz": _load_sparse,
        ".csv": lambda p: _load_edges(p, n_neurons),
        ".parquet": lambda p: _load_edges(p, n_neurons),
    }
    if path.suffix not in loaders:
        raise NetworkError(
            f"{path}: unknown connectivity format {path.suffix!r}; "
            f"expected one of {sorted(loaders)}."
        )
    if not path.is_file():
        raise NetworkError(f"{path}: no such file.")
    return _validated(loaders[path.suffix](path), str(path))


def _flywire_network(name: str, spec: dict, config_dir: Path):
    """A FlyWire network and the FlyWire id of each neuron."""
    matrix, neuron_ids = flywire.load_flywire(
        config_dir / spec["neurons"], config_dir / spec["connectivity"]
    )
    origin = f"{config_dir / spec['connectivity']} ('networks.{name}.flywire')"
    return _validated(matrix, origin), neuron_ids


def silenced_indices(name: str, source: dict, neuron_ids: np.ndarray) -> np.ndarray:
    """Indices of the neurons a source silences (its ``silenced``; FlyWire ids for flywire
    sources), checked against the network's ``neuron_ids``."""
    key = f"'networks.{name}.silenced'"
    requested = source.get("silenced", [])
    if "flywire" in source:
        return flywire.flywire_indices(requested, neuron_ids, f"{key} (FlyWire ids)")
    indices = np.asarray(requested, dtype=np.int64)
    bad = indices[(indices < 0) | (indices >= len(neuron_ids))]
    if bad.size:
        raise NetworkError(
            f"{key}: neuron indices {bad.tolist()} are out of range for network {name!r} of "
            f"{len(neuron_ids)} neurons (valid: 0 to {len(neuron_ids) - 1})."
        )
    return indices


def silence(
    matrix: scipy.sparse.csr_array, silenced: np.ndarray, synapses: str = "outgoing"
) -> scipy.sparse.csr_array:
    """``matrix`` with the synapses of the ``silenced`` neurons removed.

    ``synapses`` is ``"outgoing"`` (as Shiu et al.: the weights of every synapse
    from them are zero; the neurons still receive input and fire, but their
    spikes reach no neuron) or ``"all"`` (outgoing and incoming: they receive
    no synaptic input either, and fire only if driven).
    """
    if synapses not in ("outgoing", "all"):
        raise ValueError(f"'silenced_synapses' must be 'outgoing' or 'all', got {synapses!r}.")
    keep = np.ones(matrix.shape[0])
    keep[silenced] = 0
    kept = scipy.sparse.diags_array(keep) @ matrix
    if synapses == "all":
        kept = kept @ scipy.sparse.diags_array(keep)
    kept = scipy.sparse.csr_array(kept)
    kept.eliminate_zeros()
    return kept


def network_from_source(
    name: str, source: dict, config_dir: str | Path = "."
) -> tuple[scipy.sparse.csr_array, np.ndarray]:
    """The connectivity of network ``name``, read or generated from its config ``source``.

    A source ``{"lesion_of": base_source}`` (the lesion control added by
    ``controls.lesion_inhibition``) is the base network without its negative
    weights. A source's ``silenced`` neurons lose their synapses (see
    :func:`silence`; ``silenced_synapses`` says which).

    Returns
    -------
    matrix : csr_array, shape (n, n)
        Weights ``[pre, post]``, multiples of ``weight_per_synapse_mV``.
    neuron_ids : ndarray of int64, shape (n,)
        FlyWire ids for ``flywire`` sources, else the neuron indices.
    """
    if "lesion_of" in source:
        base, neuron_ids = network_from_source(name, source["lesion_of"], config_dir)
        return _validated(base.multiply(base > 0), f"lesion control {name!r}"), neuron_ids
    if "flywire" in source:
        matrix, neuron_ids = _flywire_network(name, source["flywire"], Path(config_dir))
    else:
        matrix = _indexed_network(name, source, Path(config_dir))
        neuron_ids = np.arange(matrix.shape[0], dtype=np.int64)
    silenced = silenced_indices(name, source, neuron_ids)
    if silenced.size:
        matrix = silence(matrix, silenced, source.get("silenced_synapses", "outgoing"))
    return matrix, neuron_ids


def _indexed_network(name: str, source: dict, config_dir: Path) -> scipy.sparse.csr_array:
    """A network whose neurons are known by index only (matrix, random or file)."""
    if "matrix" in source:
        try:
            dense = np.array(source["matrix"], dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise NetworkError(
                f"'networks.{name}.matrix': expected a square list of lists of numbers ({err})."
            ) from err
        return _validated(dense, f"'networks.{name}.matrix'")
    if "random" in source:
        spec = source["random"]
        return random_connectivity(spec["n"], spec["density"], spec["weights"], spec["seed"])
    return load_connectivity(config_dir / source["file"], source.get("n_neurons"))


def neuron_cell_types(source: dict, config_dir: str | Path = ".") -> np.ndarray | None:
    """Cell type of each neuron of a ``flywire`` source (or its lesion control) whose
    neurons CSV names them: str, shape (n,), ``""`` where unknown; None otherwise."""
    source = source.get("lesion_of", source)
    if "flywire" not in source:
        return None
    return flywire.read_cell_types(Path(config_dir) / source["flywire"]["neurons"])


def save_network(
    matrix: scipy.sparse.csr_array,
    neuron_ids: np.ndarray,
    path: str | Path,
    cell_types: np.ndarray | None = None,
) -> None:
    """Write a validated matrix, its neuron ids and (optionally) their cell types as
    compressed ``.npz``, atomically.

    The arrays are those of ``scipy.sparse.save_npz`` plus ``neuron_ids`` (and
    ``cell_types``, fixed-width strings), so ``scipy.sparse.load_npz`` reads the matrix.
    """
    csr = scipy.sparse.csr_array(matrix)
    labels = {"neuron_ids": np.asarray(neuron_ids, dtype=np.int64)}
    if cell_types is not None:
        labels["cell_types"] = np.asarray(cell_types, dtype=str)
    with atomic_path(path) as tmp, open(tmp, "wb") as stream:
        np.savez_compressed(
            stream,
            format=b"csr",
            shape=np.asarray(csr.shape),
            data=csr.data,
            indices=csr.indices,
            indptr=csr.indptr,
            **labels,
        )


def load_network(path: str | Path) -> scipy.sparse.csr_array:
    """Read the matrix of a network written by :func:`save_network`."""
    return _validated(_load_sparse(Path(path)), str(path))


def load_neuron_labels(path: str | Path) -> dict[str, np.ndarray]:
    """The labels of the neurons of a FlyWire network written by :func:`save_network`:
    ``flywire_id`` (int64, shape (n,)) and, where stored, ``cell_type`` (str, shape (n,))."""
    with np.load(path, allow_pickle=False) as arrays:
        labels = {"flywire_id": arrays["neuron_ids"]}
        if "cell_types" in arrays:
            labels["cell_type"] = arrays["cell_types"]
    return labels
