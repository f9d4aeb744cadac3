"""Bad input stops a real snakemake run before any simulation, naming the fault."""

import numpy as np
import pytest
import yaml
from conftest import snakemake, with_change

pytestmark = pytest.mark.workflow


def bad_npy(workdir):
    matrix = np.zeros((3, 3))
    matrix[1, 2] = np.nan
    np.save(workdir / "net.npy", matrix)


CASES = {
    # name: (dotted key, bad value, file writer or None, text the error must contain)
    "unknown key": ("durations_ms", 5, None, "durations_ms"),
    "wrong type": ("duration_ms", "long", None, "duration_ms"),
    "negative rate": (
        "sweeps.drive.points",
        [{"rate_hz": -1, "n_sources": 1, "weight_mV": 1}],
        None,
        "rate_hz",
    ),
    "dt not dividing duration": ("dt_ms", 0.3, None, "'dt_ms' (0.3) must divide"),
    "path in study name": ("study", "../elsewhere", None, "study"),
    "target out of range": ("sweeps.drive.targets", [7], None, "[7] are out of range"),
    "missing file": ("networks.forum3", {"file": "absent.npy"}, None, "no such file"),
    "NaN in a matrix file": ("networks.forum3", {"file": "net.npy"}, bad_npy, "[1, 2] is nan"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_refused_before_any_simulation(tmp_path, case):
    key, value, writer, message = CASES[case]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(with_change(key, value)))
    if writer:
        writer(tmp_path)
    result = snakemake(tmp_path, "--cores", "1")
    assert result.returncode != 0
    logs = "".join(p.read_text() for p in tmp_path.glob("logs/**/*.log"))
    assert message in result.stdout + result.stderr + logs
    assert not list(tmp_path.glob("results/*/sims"))  # no simulation ran
    assert not list(tmp_path.glob("results/**/*.nc"))
