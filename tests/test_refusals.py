"""Bad input stops a real snakemake run before any simulation, naming the fault."""

import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import yaml
from conftest import snakemake, with_change, with_changes

from spikesweep.networks.synthetic import write_synthetic

pytestmark = pytest.mark.workflow


def writes(name: str, content):
    """A file writer for ``workdir / name`` (bytes, text, or a callable taking the path)."""

    def write(workdir):
        path = workdir / name
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)

    return write


def nan_matrix(path):
    matrix = np.zeros((3, 3))
    matrix[1, 2] = np.nan
    np.save(path, matrix)


def inf_matrix(path):
    matrix = np.zeros((3, 3))
    matrix[0, 1] = np.inf
    np.save(path, matrix)


def object_matrix(path):
    np.save(path, np.array([[0, "a", 0]] * 3, dtype=object), allow_pickle=True)


def pickled(path):
    path.write_bytes(pickle.dumps({"matrix": [[0, 1], [1, 0]]}))


def truncated_npz(path):
    scipy.sparse.save_npz(path, scipy.sparse.csr_array(np.eye(3)))
    path.write_bytes(path.read_bytes()[:40])


def flywire_pair(workdir, mismatched: bool = False):
    """A 50-neuron synthetic FlyWire pair: n.csv and c.parquet (ids off by one if mismatched)."""
    write_synthetic(workdir / "n.csv", workdir / "c.parquet", 50, 200, seed=0)
    if mismatched:
        table = pd.read_parquet(workdir / "c.parquet")
        table["Presynaptic_ID"] += 1
        table.to_parquet(workdir / "c.parquet")


def flywire_network(**extra) -> dict:
    return {"flywire": {"neurons": "n.csv", "connectivity": "c.parquet"}, **extra}


def file_network(name: str) -> dict:
    return {"file": name}


POINT = {"rate_hz": 150, "n_sources": 1, "weight_mV": 1}
GRID = {"rate_hz": [150], "n_sources": [1], "weight_mV": [1]}
SWEEP = {"networks": ["forum3"], "modes": ["poisson_input"]}

CASES = {
    # name: (dotted key, bad value, file writer or None, texts the console must show);
    # several keys and values as tuples
    "unknown key": ("durations_ms", 5, None, ["'durations_ms': unknown key (did you mean"]),
    "misspelled section": ("sweep", {}, None, ["'sweep': unknown key (did you mean 'sweeps'?)"]),
    "unknown model key (wrong unit)": (
        "model.tau_m_s",
        0.02,
        None,
        ["'model.tau_m_s': unknown key (did you mean 'tau_m_ms'?)"],
    ),
    "wrong type": ("duration_ms", "long", None, ["duration_ms"]),
    "zero duration": ("duration_ms", 0, None, ["duration_ms"]),
    "negative dt": ("dt_ms", -0.1, None, ["dt_ms"]),
    "dt not dividing duration": ("dt_ms", 0.3, None, ["'dt_ms' (0.3) must divide"]),
    "negative rate": ("sweeps.drive.points", [{**POINT, "rate_hz": -1}], None, ["rate_hz"]),
    "zero rate": ("sweeps.drive.points", [{**POINT, "rate_hz": 0}], None, ["rate_hz"]),
    "n_sources below 1": ("sweeps.drive.points", [{**POINT, "n_sources": 0}], None, ["n_sources"]),
    "empty grid axis": (
        "sweeps.drive",
        {**SWEEP, "grid": {**GRID, "rate_hz": []}},
        None,
        ["rate_hz"],
    ),
    "duplicated grid value": (
        "sweeps.drive",
        {**SWEEP, "grid": {**GRID, "weight_mV": [1, 1]}},
        None,
        ["weight_mV"],
    ),
    "duplicated seed": ("seeds", [1, 1], None, ["seeds"]),
    "unknown input mode": ("sweeps.drive.modes", ["poisson_inputs"], None, ["poisson_inputs"]),
    "unknown network in a sweep": ("sweeps.drive.networks", ["nowhere"], None, ["nowhere"]),
    "path in study name": ("study", "../elsewhere", None, ["study"]),
    "path in network name": ("networks", {"a/b": {"matrix": [[0]]}}, None, ["a/b"]),
    "target out of range": ("sweeps.drive.targets", [7], None, ["[7] are out of range"]),
    "target out of range of a .npy network": (
        ("networks.forum3", "sweeps.drive.targets"),
        (file_network("net.npy"), [7]),
        writes("net.npy", lambda path: np.save(path, np.eye(3)[::-1])),
        ["'sweeps.drive.targets': neuron indices [7] are out of range", "of 3 neurons"],
    ),
    "edge list without a weight column": (
        "networks.forum3",
        file_network("net.csv"),
        writes("net.csv", "pre,post\n0,1\n"),
        ["net.csv", "missing ['weight']"],
    ),
    "non-square matrix": ("networks.forum3.matrix", [[0, 1], [0]], None, ["must be square"]),
    "batch size 0": ("batch_size", 0, None, ["batch_size"]),
    "missing file": ("networks.forum3", file_network("absent.npy"), None, ["no such file"]),
    "NaN in a .npy file": (
        "networks.forum3",
        file_network("net.npy"),
        writes("net.npy", nan_matrix),
        ["net.npy", "[1, 2] is nan"],
    ),
    "inf in a .npy file": (
        "networks.forum3",
        file_network("net.npy"),
        writes("net.npy", inf_matrix),
        ["net.npy", "[0, 1] is inf"],
    ),
    "object .npy (never unpickled)": (
        "networks.forum3",
        file_network("net.npy"),
        writes("net.npy", object_matrix),
        ["net.npy", "without unpickling"],
    ),
    "pickle named .npy": (
        "networks.forum3",
        file_network("net.npy"),
        writes("net.npy", pickled),
        ["net.npy", "without unpickling"],
    ),
    "truncated .npz": (
        "networks.forum3",
        file_network("net.npz"),
        writes("net.npz", truncated_npz),
        ["net.npz", "not a readable scipy.sparse .npz"],
    ),
    "corrupt .parquet": (
        "networks.forum3",
        file_network("net.parquet"),
        writes("net.parquet", b"PAR1 this is not parquet PAR1"),
        ["net.parquet", "cannot read the edge list"],
    ),
    "non-numeric edge list": (
        "networks.forum3",
        file_network("net.csv"),
        writes("net.csv", "pre,post,weight\n0,1,strong\n"),
        ["net.csv", "row 0, column 'weight'"],
    ),
    "edge index out of range": (
        "networks.forum3",
        {"file": "net.csv", "n_neurons": 3},
        writes("net.csv", "pre,post,weight\n0,5,1\n"),
        ["net.csv", "row 0, column 'post'"],
    ),
    "duplicate edge (refused, not summed)": (
        "networks.forum3",
        file_network("net.csv"),
        writes("net.csv", "pre,post,weight\n0,1,1\n0,1,2\n"),
        ["net.csv", "row 1 repeats the edge 0 -> 1"],
    ),
    "unknown FlyWire id": (
        "networks.forum3",
        flywire_network(silenced=[1]),
        flywire_pair,
        ["'networks.forum3.silenced' (FlyWire ids)", "[1]"],
    ),
    "FlyWire files of different releases": (
        "networks.forum3",
        flywire_network(),
        lambda workdir: flywire_pair(workdir, mismatched=True),
        ["c.parquet", "row 0", "different releases"],
    ),
    "unknown analysis": (
        "analyses",
        ["independance"],
        None,
        ["unknown analysis 'independance' (did you mean 'independence'?)"],
    ),
    "silenced neuron out of range": (
        "networks.forum3.silenced",
        [3],
        None,
        ["'networks.forum3.silenced': neuron indices [3] are out of range"],
    ),
    "unknown file format": (
        "networks.forum3",
        file_network("net.txt"),
        writes("net.txt", "0 1\n1 0\n"),
        ["net.txt", "unknown connectivity format"],
    ),
}


def snapshot(results: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(results)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in results.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_before_any_simulation(tmp_path, case):
    key, value, writer, messages = CASES[case]
    config = with_change(key, value) if isinstance(key, str) else with_changes(key, value)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    if writer:
        writer(tmp_path)
    # Results of an earlier study in the same folder must come through untouched.
    earlier = tmp_path / "results/earlier/spikes.nc"
    earlier.parent.mkdir(parents=True)
    earlier.write_bytes(b"an earlier study's data")
    before = snapshot(tmp_path / "results")
    result = snakemake(tmp_path, "--cores", "1")
    assert result.returncode != 0
    console = result.stdout + result.stderr
    for message in messages:
        assert message in console, message  # on the console, not only in a job's log
    assert "$schema" not in console and "definitions" not in console  # no schema dump
    assert snapshot(tmp_path / "results") == before  # nothing simulated, written or removed
