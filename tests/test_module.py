"""spikesweep as a Snakemake module of another workflow, with that workflow's own config."""

import subprocess
import sys

import pytest
import xarray as xr
import yaml
from conftest import FORUM3, ROOT

pytestmark = pytest.mark.workflow

OUTER = f"""configfile: "study.yaml"


module spikesweep:
    snakefile:
        "{ROOT / "Snakefile"}"
    config:
        config


use rule * from spikesweep as spikesweep_*


rule all:
    default_target: True
    input:
        rules.spikesweep_all.input,
"""
STUDY = {
    "study": "outer",
    "seeds": [0, 1],
    "networks": {"forum3": {"matrix": FORUM3}},
    "sweeps": {
        "drive": {
            "networks": ["forum3"],
            "modes": ["poisson_input", "shared_source"],
            "points": [{"rate_hz": 150, "n_sources": 1, "weight_mV": 68.75}],
        }
    },
}


def test_another_workflow_runs_a_study_through_the_module(tmp_path):
    (tmp_path / "Snakefile").write_text(OUTER)
    (tmp_path / "study.yaml").write_text(yaml.safe_dump(STUDY))
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--directory", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "spikesweep_collect" in result.stderr  # the module's rules, under their prefix
    results = tmp_path / "results/outer"
    with xr.open_dataset(results / "spikes.nc") as spikes:
        assert set(spikes["mode"].values) == {"poisson_input", "shared_source"}
    assert "Verdict: independent" in (results / "answers.md").read_text()
    assert (results / "figures/raster.png").is_file()
