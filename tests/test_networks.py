"""Connectivity sources: each format round-trips; bad files are refused by name."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

from spikesweep.errors import NetworkError
from spikesweep.networks.connectivity import (
    load_connectivity,
    load_network,
    load_neuron_labels,
    network_from_source,
    random_connectivity,
    save_network,
)

DENSE = np.array([[0, 5, 0], [0, 0, -2], [0.5, 0, 0]])


def edges_of(dense: np.ndarray) -> pd.DataFrame:
    pre, post = np.nonzero(dense)
    return pd.DataFrame({"pre": pre, "post": post, "weight": dense[pre, post]})


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".csv", ".parquet"])
def test_each_format_round_trips(tmp_path, suffix):
    path = tmp_path / f"net{suffix}"
    if suffix == ".npy":
        np.save(path, DENSE)
    elif suffix == ".npz":
        scipy.sparse.save_npz(path, scipy.sparse.csr_array(DENSE))
    elif suffix == ".csv":
        edges_of(DENSE).to_csv(path, index=False)
    else:
        edges_of(DENSE).to_parquet(path)
    matrix = load_connectivity(path)
    np.testing.assert_array_equal(matrix.toarray(), DENSE)
    ids = np.arange(len(DENSE)) + 10
    save_network(matrix, ids, tmp_path / "stored.npz")
    np.testing.assert_array_equal(load_network(tmp_path / "stored.npz").toarray(), DENSE)
    assert load_neuron_labels(tmp_path / "stored.npz").keys() == {"flywire_id"}
    np.testing.assert_array_equal(load_neuron_labels(tmp_path / "stored.npz")["flywire_id"], ids)
    types = np.array(["KC", "", "MBON"])
    save_network(matrix, ids, tmp_path / "typed.npz", cell_types=types)
    np.testing.assert_array_equal(load_neuron_labels(tmp_path / "typed.npz")["cell_type"], types)


def test_edge_list_size_can_exceed_the_largest_index(tmp_path):
    path = tmp_path / "net.csv"
    edges_of(DENSE).to_csv(path, index=False)
    assert load_connectivity(path, n_neurons=10).shape == (10, 10)


def refuse(tmp_path, name: str, write) -> str:
    path = tmp_path / name
    write(path)
    with pytest.raises(NetworkError) as error:
        load_connectivity(path)
    message = str(error.value)
    assert str(path) in message
    return message


def test_non_square_is_refused(tmp_path):
    message = refuse(tmp_path, "a.npy", lambda p: np.save(p, np.zeros((2, 3))))
    assert "must be square" in message and "(2, 3)" in message


def test_nan_and_inf_are_refused(tmp_path):
    matrix = DENSE.copy()
    matrix[1, 2] = np.nan
    assert "[1, 2] is nan" in refuse(tmp_path, "a.npy", lambda p: np.save(p, matrix))
    matrix[1, 2] = np.inf
    assert "must be finite" in refuse(
        tmp_path, "b.npz", lambda p: scipy.sparse.save_npz(p, scipy.sparse.csr_array(matrix))
    )


def test_object_npy_is_refused_without_unpickling(tmp_path):
    objects = np.array([[0, "x"], [None, 1]], dtype=object)
    assert "unpickling" in refuse(tmp_path, "a.npy", lambda p: np.save(p, objects))


def test_pickle_with_npy_extension_is_refused(tmp_path):
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled!')",))

    refuse(tmp_path, "a.npy", lambda p: p.write_bytes(pickle.dumps(Boom())))


def test_strings_are_not_weights(tmp_path):
    assert "must be numbers" in refuse(
        tmp_path, "a.npy", lambda p: np.save(p, np.array([["a", "b"], ["c", "d"]]))
    )


def test_edge_index_out_of_range_names_the_row(tmp_path):
    edges = edges_of(DENSE)
    edges.loc[1, "post"] = -1
    message = refuse(tmp_path, "a.csv", lambda p: edges.to_csv(p, index=False))
    assert "row 1" in message and "'post'" in message


def test_non_numeric_edge_names_the_row(tmp_path):
    edges = edges_of(DENSE).astype({"weight": object})
    edges.loc[2, "weight"] = "strong"
    message = refuse(tmp_path, "a.csv", lambda p: edges.to_csv(p, index=False))
    assert "row 2" in message and "'strong'" in message


def test_duplicate_edges_are_refused(tmp_path):
    edges = pd.concat([edges_of(DENSE), edges_of(DENSE).iloc[[0]]], ignore_index=True)
    assert "repeats the edge 0 -> 1" in refuse(tmp_path, "a.parquet", edges.to_parquet)


def test_missing_columns_are_named(tmp_path):
    edges = edges_of(DENSE).rename(columns={"weight": "w"})
    assert "missing ['weight']" in refuse(tmp_path, "a.csv", lambda p: edges.to_csv(p))


def test_corrupt_files_are_refused(tmp_path):
    refuse(tmp_path, "a.parquet", lambda p: p.write_bytes(b"PAR1 not really"))
    refuse(tmp_path, "b.npz", lambda p: p.write_bytes(b"PK\x03\x04 truncated"))


def test_unknown_extension_is_refused(tmp_path):
    assert "unknown connectivity format '.mat'" in refuse(
        tmp_path, "a.mat", lambda p: p.write_bytes(b"")
    )


def test_random_network_is_seeded_sparse_and_in_range():
    first = random_connectivity(2000, 0.01, (-5, 5), seed=7)
    again = random_connectivity(2000, 0.01, (-5, 5), seed=7)
    other = random_connectivity(2000, 0.01, (-5, 5), seed=8)
    assert (first != again).nnz == 0 and (first != other).nnz > 0
    assert first.nnz == round(0.01 * 2000 * 1999)
    assert first.diagonal().sum() == 0 and (first.diagonal() == 0).all()
    values = set(np.unique(first.data))
    assert values == {-5, -4, -3, -2, -1, 1, 2, 3, 4, 5}


def test_inline_matrix_errors_name_the_network_key():
    with pytest.raises(NetworkError, match=r"'networks\.bad\.matrix'"):
        network_from_source("bad", {"matrix": [[0, float("nan")], [0, 0]]})


@pytest.mark.parametrize("synapses", ["outgoing", "all"])
def test_silencing_removes_the_silenced_neurons_synapses(synapses):
    """Outgoing (Shiu et al.): rows zeroed; all: rows and columns; nothing else changes."""
    source = {"matrix": DENSE.tolist(), "silenced": [1], "silenced_synapses": synapses}
    silenced, ids = network_from_source("net", source)
    expected = DENSE.copy()
    expected[1, :] = 0
    if synapses == "all":
        expected[:, 1] = 0
    np.testing.assert_array_equal(silenced.toarray(), expected)
    np.testing.assert_array_equal(ids, [0, 1, 2])
    assert silenced.nnz == np.count_nonzero(expected)  # removed, not stored as zeros
    with pytest.raises(NetworkError, match=r"'networks.net.silenced': neuron indices \[5\]"):
        network_from_source("net", {"matrix": DENSE.tolist(), "silenced": [5]})
