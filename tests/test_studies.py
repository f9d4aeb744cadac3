"""Differently shaped studies run through real Snakemake to figures, answers and a report.

Each study lacks something the default study has (a second mode, a second seed,
controls, every neuron driven, an inline network, analyses) and must still
finish, saying which questions it does not answer and why.
"""

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml
from conftest import snakemake
from pynwb import NWBHDF5IO

pytestmark = pytest.mark.workflow

SUPRATHRESHOLD = {"rate_hz": [100, 150], "n_sources": [1], "weight_mV": [68.75]}


def weights(n: int, seed: int) -> np.ndarray:
    """A sparse random weight matrix [pre, post] with excitation and inhibition."""
    rng = np.random.default_rng(seed)
    matrix = (rng.random((n, n)) < 0.1) * rng.integers(-3, 4, (n, n)).astype(float)
    np.fill_diagonal(matrix, 0)
    return matrix


def one_mode_one_seed(workdir) -> dict:
    """A .npy network, one mode, one seed, three driven neurons, no controls."""
    np.save(workdir / "net.npy", weights(20, 1))
    return {
        "study": "lean",
        "seeds": [0],
        "networks": {"mine": {"file": "net.npy"}},
        "sweeps": {
            "drive": {
                "networks": ["mine"],
                "modes": ["poisson_input"],
                "grid": SUPRATHRESHOLD,
                "targets": [0, 1, 2],
            }
        },
    }


def edge_list_without_analyses(workdir) -> dict:
    """A .csv network under shared_source only, simulated and collected, no analyses."""
    matrix = weights(30, 2)
    pre, post = np.nonzero(matrix)
    pd.DataFrame({"pre": pre, "post": post, "weight": matrix[pre, post]}).to_csv(
        workdir / "edges.csv", index=False
    )
    return {
        "study": "quiet",
        "seeds": [0, 1],
        "networks": {"edges": {"file": "edges.csv", "n_neurons": 30}},
        "sweeps": {
            "drive": {
                "networks": ["edges"],
                "modes": ["shared_source"],
                "points": [{"rate_hz": 150, "n_sources": 2, "weight_mV": 68.75}],
            }
        },
        "analyses": [],
    }


def two_modes_driven_subset(workdir) -> dict:
    """A random network, poisson_input against poisson_group on a driven subset, 4 seeds."""
    return {
        "study": "pair",
        "seeds": [0, 1, 2, 3],
        "networks": {"rand": {"random": {"n": 50, "density": 0.05, "weights": [-2, 2], "seed": 3}}},
        "sweeps": {
            "drive": {
                "networks": ["rand"],
                "modes": ["poisson_input", "poisson_group"],
                "points": [{"rate_hz": 150, "n_sources": 1, "weight_mV": 68.75}],
                "targets": list(range(0, 50, 2)),
            }
        },
    }


STUDIES = {
    "one mode, one seed, .npy, subset": one_mode_one_seed,
    "edge list, shared_source only, no analyses": edge_list_without_analyses,
    "two modes, random network, subset": two_modes_driven_subset,
}


@pytest.fixture(scope="module", params=sorted(STUDIES))
def finished(request, tmp_path_factory):
    """A study run to its outputs and its HTML report: (folder, config, results)."""
    workdir = tmp_path_factory.mktemp("study")
    config = STUDIES[request.param](workdir)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(workdir, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    report = snakemake(workdir, "--report", "report.html")
    assert report.returncode == 0, report.stderr[-3000:]
    return workdir, config, workdir / "results" / config["study"]


def test_every_study_draws_its_figures_and_a_report(finished):
    workdir, config, results = finished
    for name in ("raster", "rates", "tuning"):
        assert (results / "figures" / f"{name}.png").stat().st_size > 1000
    html = (workdir / "report.html").read_text()
    assert "Spike trains and rates" in html
    summary = pd.read_csv(results / "summary.csv")
    (sweep,) = config["sweeps"].values()
    points = (
        len(sweep["points"])
        if "points" in sweep
        else np.prod([len(v) for v in sweep["grid"].values()])
    )
    assert len(summary) == len(sweep["modes"]) * points  # a row per mode and point
    assert (summary["n_seeds"] == len(config["seeds"])).all()
    assert (summary["driven_rate_hz"] > 50).all()  # every event fires a driven neuron


def test_every_study_exports_its_spike_trains_to_nwb(finished):
    workdir, config, results = finished
    result = snakemake(workdir, "--cores", "1", f"results/{config['study']}/spikes.nwb")
    assert result.returncode == 0, result.stderr[-3000:]
    with NWBHDF5IO(str(results / "spikes.nwb"), "r") as io:
        units = io.read().units.to_dataframe()
    with xr.open_dataset(results / "spikes.nc") as spikes:
        assert len(units) == spikes.sizes["train"]  # a unit per stored train
        assert sorted(set(units["seed"])) == config["seeds"]
        assert sum(len(times) for times in units["spike_times"]) == spikes.sizes["spike"]


def test_answers_say_what_the_study_does_not_answer(finished):
    _, config, results = finished
    if config.get("analyses") == []:
        assert not (results / "answers.md").exists()
        return
    answers = (results / "answers.md").read_text()
    assert "Not answered by this study" in answers
    assert "not built yet" not in answers and "(FAILED)" not in answers
    if config["study"] == "lean":
        assert "`equivalence`): needs poisson_input and one of" in answers
        assert "`propagation`): needs runs with recorded state" in answers
        independence = json.loads((results / "analysis/independence.json").read_text())
        controls = independence["controls"]
        assert controls["positive_shared_source"]["passed"] is None  # no shared_source run
        assert controls["negative_across_seeds"]["passed"] is None  # one seed
        assert independence["verdict"] != "invalid"
        assert "not run: the study has no shared_source runs" in answers
    if config["study"] == "pair":
        equivalence = json.loads((results / "analysis/equivalence.json").read_text())
        assert {row["mode"] for row in equivalence["points"]} == {"poisson_group"}
        assert equivalence["verdict"] in ("equivalent", "inconclusive")
