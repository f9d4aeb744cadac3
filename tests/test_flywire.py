"""FlyWire files: the synthetic generator, the loader's checks, and a Shiu-style study."""

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import scipy.sparse
import xarray as xr
import yaml
from conftest import ROOT, snakemake, validated

from spikesweep.errors import ConfigError, NetworkError
from spikesweep.networks.connectivity import network_from_source
from spikesweep.networks.flywire import CONNECTIVITY_COLUMNS, load_flywire, read_neuron_ids
from spikesweep.networks.synthetic import study_flywire_ids, write_synthetic
from spikesweep.study import load_study

N_NEURONS, N_CONNECTIONS = 2000, 60_000
KEPT_IDS = [720575940624963786, 720575940630233916]  # two of Shiu et al.'s sugar GRNs


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A small synthetic connectome: (neurons CSV, connectivity parquet)."""
    folder = tmp_path_factory.mktemp("flywire")
    neurons, connectivity = folder / "neurons.csv", folder / "connectivity.parquet"
    write_synthetic(neurons, connectivity, N_NEURONS, N_CONNECTIONS, seed=3, include_ids=KEPT_IDS)
    return neurons, connectivity


def test_synthetic_files_have_shius_format_and_statistics(pair):
    neurons, connectivity = pair
    assert neurons.read_text().startswith(",Completed\n")
    ids = read_neuron_ids(neurons)
    assert len(ids) == N_NEURONS and set(KEPT_IDS) <= set(ids.tolist())
    assert (ids >= 10**17).all() and (ids < 10**18).all()  # 18-digit root ids
    table = pq.read_table(connectivity).to_pandas()
    assert tuple(table.columns) == CONNECTIVITY_COLUMNS
    assert len(table) == N_CONNECTIONS
    assert (table["Presynaptic_ID"] == ids[table["Presynaptic_Index"]]).all()
    assert (table["Presynaptic_Index"] != table["Postsynaptic_Index"]).all()
    assert not table.duplicated(["Presynaptic_Index", "Postsynaptic_Index"]).any()
    assert (table["Connectivity"] >= 1).all() and table["Connectivity"].dtype == np.int64
    signs = table.groupby("Presynaptic_Index")["Excitatory"].agg(["min", "max"])
    assert (signs["min"] == signs["max"]).all()  # Dale's law: one sign per neuron
    # a third inhibitory: 2000 Bernoulli(1/3) draws, sd 1.05 %; +-5 % is 4.7 sd
    assert abs((signs["min"] < 0).mean() - 1 / 3) < 0.05
    product = table["Excitatory"] * table["Connectivity"]
    assert (table["Excitatory x Connectivity"] == product).all()
    # heavy tails: hubs with many times the median degree, counts up to hundreds
    in_degree = table.groupby("Postsynaptic_Index").size()
    assert in_degree.max() > 8 * in_degree.median()
    assert table["Connectivity"].median() <= 2 and table["Connectivity"].max() >= 100


def test_the_generator_is_seeded(pair, tmp_path):
    neurons, connectivity = pair
    write_synthetic(
        tmp_path / "n.csv", tmp_path / "c.parquet", N_NEURONS, N_CONNECTIONS, 3, KEPT_IDS
    )
    assert (tmp_path / "n.csv").read_bytes() == neurons.read_bytes()
    assert pq.read_table(tmp_path / "c.parquet").equals(pq.read_table(connectivity))


def test_the_flywire_study_is_valid_and_names_its_ids():
    """config/studies/flywire.yaml passes the schema; `make flywire-data` includes its ids."""
    study = yaml.safe_load((ROOT / "config/studies/flywire.yaml").read_text())
    validated(study)
    ids = study_flywire_ids(study)  # the sugar GRNs; the silenced ones are among them
    assert ids == sorted(study["sweeps"]["sugar"]["targets"]["sugar"]) and len(ids) == 21
    assert set(study["sweeps"]["sugar"]["silenced"]["sugar_subset"]) < set(ids)
    assert study["analyses"] == ["responders", "silencing"]
    silenced = {**study["networks"]["fly"], "silenced": [1]}
    assert study_flywire_ids({**study, "networks": {"fly": silenced}}) == [1, *ids]


def test_loading_gives_the_weight_column_at_the_indices(pair):
    neurons, connectivity = pair
    matrix, ids = load_flywire(neurons, connectivity)
    table = pd.read_parquet(connectivity)
    expected = scipy.sparse.csr_array(
        (
            table["Excitatory x Connectivity"].to_numpy(float),
            (table["Presynaptic_Index"], table["Postsynaptic_Index"]),
        ),
        shape=(N_NEURONS, N_NEURONS),
    )
    assert (matrix != expected).nnz == 0
    np.testing.assert_array_equal(ids, read_neuron_ids(neurons))


def test_silencing_zeroes_every_outgoing_weight_only(pair):
    neurons, connectivity = pair
    spec = {"neurons": str(neurons), "connectivity": str(connectivity)}
    intact, ids = network_from_source("fly", {"flywire": spec})
    silenced, _ = network_from_source("fly", {"flywire": spec, "silenced": KEPT_IDS})
    rows = np.flatnonzero(np.isin(ids, KEPT_IDS))
    assert all(intact[[row], :].nnz > 0 and silenced[[row], :].nnz == 0 for row in rows)
    others = np.setdiff1d(np.arange(N_NEURONS), rows)
    assert (intact[others, :] != silenced[others, :]).nnz == 0


def rewrite(connectivity, tmp_path, change) -> str:
    table = pd.read_parquet(connectivity)
    change(table)
    path = tmp_path / "bad.parquet"
    table.to_parquet(path)
    return path


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.__setitem__("Presynaptic_ID", t["Presynaptic_ID"] + 1), "different releases"),
        (lambda t: t.loc.__setitem__((5, "Postsynaptic_Index"), N_NEURONS), "row 5"),
        (lambda t: t.loc.__setitem__(7, t.loc[6].to_numpy()), "row 7 repeats the connection"),
        (lambda t: t.pop("Excitatory"), "missing ['Excitatory']"),
        (lambda t: t.__setitem__("Excitatory x Connectivity", t["Connectivity"] / 2), "integers"),
    ],
    ids=["id mismatch", "index out of range", "repeated row", "missing column", "float weights"],
)
def test_bad_connectivity_is_refused_with_its_row(pair, tmp_path, change, message):
    neurons, connectivity = pair
    bad = rewrite(connectivity, tmp_path, change)
    with pytest.raises(NetworkError, match=r"bad\.parquet") as error:
        load_flywire(neurons, bad)
    assert message in str(error.value)


def flywire_config(pair, targets, silenced=()) -> dict:
    neurons, connectivity = pair
    spec = {"neurons": str(neurons), "connectivity": str(connectivity)}
    return {
        "study": "shiu",
        "seeds": [0, 1, 2],
        "analyses": [],
        "model": {"weight_per_synapse_mV": 0.275, "driven_refractory_ms": 0},
        "networks": {
            "fly": {"flywire": spec},
            "fly-silenced": {"flywire": spec, "silenced": list(silenced)},
        },
        "sweeps": {
            "sugar": {
                "networks": ["fly", "fly-silenced"],
                "modes": ["poisson_input"],
                "points": [{"rate_hz": 150, "n_sources": 1, "weight_mV": 68.75}],
                "targets": list(targets),
            }
        },
    }


def test_targets_are_flywire_ids_and_unknown_ones_are_named(pair):
    study = load_study(validated(flywire_config(pair, KEPT_IDS)))
    ids = read_neuron_ids(pair[0])
    assert {tuple(ids[list(run.targets)]) for run in study.runs} == {tuple(sorted(KEPT_IDS))}
    with pytest.raises(ValueError, match=r"sweeps.sugar.targets.*FlyWire ids.*\[12345\]"):
        load_study(validated(flywire_config(pair, [*KEPT_IDS, 12345])))
    with pytest.raises(ValueError, match=r"networks.fly-silenced.silenced.*\[777\]"):
        load_study(validated(flywire_config(pair, KEPT_IDS, silenced=[777])))
    bad = flywire_config(pair, KEPT_IDS)
    bad["networks"]["fly"]["flywire"]["neurons"] = "missing.csv"
    with pytest.raises(ConfigError, match=r"networks\.fly\.flywire\.neurons.*missing\.csv"):
        load_study(validated(bad))
    with pytest.raises(
        ConfigError,
        match=r"sweeps\.sugar\.targets.*\['GRN'\] are cell types.*"
        r"'fly' has none",
    ):
        load_study(validated(flywire_config(pair, ["GRN"])))


def typed_neurons(neurons, tmp_path, types: dict) -> str:
    """A copy of a neurons CSV with a ``cell_type`` column: ``types`` maps FlyWire ids to
    their type, the other neurons have none (a blank)."""
    table = pd.read_csv(neurons, index_col=0)
    table["cell_type"] = [types.get(i, "") for i in table.index]
    table.to_csv(tmp_path / "typed.csv")
    return str(tmp_path / "typed.csv")


def test_sets_may_name_cell_types_of_the_neurons_csv(pair, tmp_path):
    ids = read_neuron_ids(pair[0])
    sugar = {int(i): "sugar_GRN" for i in ids[[3, 10, 11]]}
    config = flywire_config(pair, ["sugar_GRN", int(ids[5])])
    for network in config["networks"].values():
        network["flywire"]["neurons"] = typed_neurons(pair[0], tmp_path, sugar)
    config["sweeps"]["sugar"]["silenced"] = {"none": [], "grn": ["sugar_GRN"]}
    study = load_study(validated(config))
    assert {run.targets for run in study.runs} == {(3, 5, 10, 11)}
    assert {run.silenced for run in study.runs} == {(), (3, 10, 11)}
    config["sweeps"]["sugar"]["targets"] = ["water_GRN"]
    with pytest.raises(ValueError, match=r"sweeps\.sugar\.targets.*\['water_GRN'\].*sugar_GRN"):
        load_study(validated(config))
    config["sweeps"]["sugar"]["targets"] = ["sugar_GRN", int(ids[3])]
    with pytest.raises(ConfigError, match=r"sweeps\.sugar\.targets.*names a neuron twice"):
        load_study(validated(config))


SCREEN_SEEDS = list(range(8))


@pytest.mark.workflow
def test_a_shiu_style_screen_finds_responders_and_what_silencing_removes(pair, tmp_path):
    """Drive the five strongest excitatory neurons (refractory 0) against a baseline
    without drive, intact and with the driven neurons' outgoing synapses silenced:
    the silenced arm is the known answer where nothing but the driven neurons responds."""
    neurons, connectivity = pair
    matrix, ids = load_flywire(neurons, connectivity)
    strength = np.asarray(matrix.multiply(matrix > 0).sum(axis=1)).ravel()
    strength[np.asarray(matrix.min(axis=1).toarray()).ravel() < 0] = 0  # excitatory only
    driven = sorted(ids[np.argsort(strength)[-5:]].tolist())
    config = flywire_config(pair, driven)
    del config["networks"]["fly-silenced"]
    typed = typed_neurons(neurons, tmp_path, dict.fromkeys(driven, "strong_type"))
    config["networks"]["fly"]["flywire"]["neurons"] = typed
    config |= {"seeds": SCREEN_SEEDS, "duration_ms": 500, "analyses": ["responders", "silencing"]}
    config["sweeps"]["sugar"] |= {  # driven by cell type, silenced by id: the same neurons
        "networks": ["fly"],
        "targets": {"baseline": [], "strong": ["strong_type"]},
        "silenced": {"none": [], "driven": driven},
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, "--cores", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    results = tmp_path / "results/shiu"
    with xr.open_dataset(results / "rates.nc", group="fly") as rates:
        np.testing.assert_array_equal(rates["flywire_id"].values, ids)
        typed = rates["flywire_id"].values[rates["cell_type"].values == "strong_type"]
        assert set(typed) == set(driven)
        assert rates["rate_hz_out"].sizes["seed"] == len(SCREEN_SEEDS)
        assert rates["driven_neuron"].sel(targets="baseline").sum() == 0
    rows = pd.read_csv(results / "neuron_rates/fly.csv").set_index("flywire_id")
    rows = rows[(rows["targets"] == "strong") & (rows["silenced"] == "none")].loc[driven]
    # refractory 0: every 150 Hz input event fires; the mean of 5 neurons x 8 x 0.5 s has
    # sd 2.7 Hz, so +-15 Hz is a 5.5 sd band (false-positive rate < 1e-7)
    assert abs(rows["mean_rate_hz"].mean() - 150) < 15

    verdict = json.loads((results / "analysis/responders.json").read_text())
    assert verdict["verdict"] == "responses beyond the driven neurons"
    assert verdict["controls"]["driven_neurons_respond"]["passed"] is True
    assert verdict["controls"]["baseline_halves"]["passed"] is True
    intact = pd.read_csv(results / "responders/fly/strong.csv", keep_default_na=False)
    assert set(driven) <= set(intact["flywire_id"]) and len(intact) > len(driven)
    types = intact.set_index("flywire_id")["cell_type"]
    assert (types.loc[driven] == "strong_type").all() and (types.drop(driven) == "").all()
    assert list(rows.columns[:1]) == ["cell_type"]
    assert (intact["p_adjusted"] <= verdict["alpha"]).all()
    assert (intact["ci95_low_hz"] <= intact["mean_rate_hz"]).all()
    silenced = pd.read_csv(results / "responders/fly/strong__silenced~driven.csv")
    assert set(silenced["flywire_id"]) == set(driven)  # nothing passes the driven neurons on

    silencing = json.loads((results / "analysis/silencing.json").read_text())
    assert silencing["verdict"] == "silencing changes responses"
    with xr.open_dataset(results / "analysis/silencing.nc") as numbers:
        tests = numbers[["neuron", "intact_hz", "silenced_hz", "verdict", "reachable"]]
        tests = tests.to_dataframe()
    assert len(tests) == len(intact)
    assert (tests["reachable"] == 1).all()  # every responder is downstream of the driven set
    others = tests[~np.isin(ids[tests["neuron"].to_numpy()], driven)]
    assert (others["silenced_hz"] == 0).all()  # they fire only through the silenced set,
    assert (others["verdict"] != "rises").all()
    # and a drop from 5 Hz or more is found (8 seeds: a weaker one may lack the power)
    assert (others.loc[others["intact_hz"] >= 5, "verdict"] == "drops").all()

    spikes = pq.read_table(results / "parquet/fly/strong.parquet").to_pandas()
    assert list(spikes.columns) == ["t", "trial", "flywire_id", "exp_name"]
    assert set(spikes["trial"]) == set(SCREEN_SEEDS) and set(spikes["exp_name"]) == {"strong"}
    assert ((spikes["t"] >= 0) & (spikes["t"] < 0.5)).all()
    counts = spikes.groupby(["trial", "flywire_id"]).size()
    n_spikes = counts.groupby("flywire_id").sum().reindex(intact["flywire_id"]).to_numpy()
    np.testing.assert_allclose(  # the export holds the spikes the rates count
        n_spikes / (0.5 * len(SCREEN_SEEDS)), intact["mean_rate_hz"].to_numpy(), rtol=1e-9
    )
    for figure in ("responders", "silencing"):
        assert (results / f"figures/{figure}.png").stat().st_size > 0
