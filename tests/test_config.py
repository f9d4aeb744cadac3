"""Config: schema validation and the library's semantic checks name the key at fault."""

import copy

import pytest
import yaml
from conftest import MINIMAL, ROOT, run_at, validated, with_change, with_changes
from snakemake.exceptions import WorkflowError

from spikesweep.engine.plan import plan_batches
from spikesweep.errors import ConfigError
from spikesweep.networks.connectivity import network_from_source
from spikesweep.study import (
    INPUT_MODES,
    Run,
    config_hash,
    format_value,
    load_study,
    results_config,
)
from spikesweep.study.schema import check_schema


def test_default_config_expands_to_the_documented_runs(default_config):
    study = load_study(validated(default_config))
    forum = [run for run in study.runs if run.network == "forum3"]
    lesioned = [run for run in study.runs if run.network == "forum3-lesioned"]
    scan = [run for run in study.runs if run.network == "random3000"]
    # drives: modes x points x seeds; inhibition_fluctuation adds seeds 5-19 of poisson_input,
    # fluctuation seeds 5-99 of three modes (5-19 of poisson_input already run), and
    # forum_n_is_group_size one point of poisson_input
    assert len(forum) == 4 * 2 * 5 + 15 + (3 * 95 - 15) + 5
    assert len(lesioned) == 5 + 20  # the lesion controls of the inhibition sweeps
    assert len(scan) == 2 * 2 * 1 * 2  # rates x n_sources x weights x seeds
    assert {run.mode for run in forum} == set(INPUT_MODES)
    batches = plan_batches(study)
    assert sum(len(batch.runs) for batch in batches) == len(study.runs)
    # One program per network and mode, and per N of the PoissonGroup modes.
    programs = {(batch.network, batch.mode, batch.structure) for batch in batches}
    # forum3: poisson_input, per_neuron, two N each of poisson_group and shared_source;
    # forum3-lesioned; random3000
    assert len(programs) == 1 + 1 + 2 * 2 + 1 + 1


def test_drive_model_and_driven_sets_share_one_program():
    """A study that sweeps rate, N, weight, model parameters and driven neurons on one
    network under poisson_input compiles once."""
    grid = {
        "rate_hz": [50, 150],
        "n_sources": [1, 20, 200],
        "weight_mV": [0.1, 68.75],
        "tau_m_ms": [10, 20],
        "refractory_ms": [0, 2.2],
        "delay_ms": [1, 1.8],
    }
    sweeps = {
        name: {"networks": ["forum3"], "modes": ["poisson_input"], "grid": grid, "targets": t}
        for name, t in (("first", [0]), ("rest", [1, 2]))
    }
    sweeps["rest"]["grid"] = {**grid, "v_th_mV": [-50, -47]}  # distinct points
    study = load_study(validated({**MINIMAL, "sweeps": sweeps}))
    assert len(study.runs) == 2 * 3 * 2 * 2 * 2 * 2 * 5 * 3
    assert len({run.structure_id for run in study.runs}) == 1
    assert len(plan_batches(study)) == -(-len(study.runs) // study.batch_size)


def test_batches_group_runs_of_one_program_in_order(default_config):
    study = load_study(validated({**default_config, "batch_size": 3}))
    batches = plan_batches(study)
    assert all(1 <= len(batch.runs) <= 3 for batch in batches)
    for batch in batches:
        assert {run.structure_id for run in batch.runs} == {batch.structure}
        assert list(batch.runs) == sorted(batch.runs)
    names = [batch.rule_suffix for batch in batches]
    assert len(set(names)) == len(names) and all(name.isidentifier() for name in names)


def test_a_batch_asks_for_a_process_per_four_runs(default_config):
    """Compiled runs: one thread (a process of the program) per 4 runs of the batch;
    Brian2's runtime simulates in the job's own process: one thread."""
    for size, threads in ((1, 1), (4, 1), (5, 2), (20, 5)):
        config = validated({**default_config, "batch_size": size})
        full = [b for b in plan_batches(load_study(config)) if len(b.runs) == size]
        assert full and {batch.threads for batch in full} == {threads}
        runtime = load_study({**config, "codegen_target": "cython"})
        assert {batch.threads for batch in plan_batches(runtime)} == {1}


def test_batch_size_is_left_out_of_provenance(default_config):
    config = validated({**default_config, "batch_size": 7})
    assert "batch_size" not in results_config(config)
    assert results_config(config) == results_config(validated(default_config))


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("bogus_key", 1, "bogus_key"),
        ("model.tau_m_s", 0.02, "tau_m_s"),
        ("duration_ms", "one second", "duration_ms"),
        ("seeds", [0, "1"], "seeds"),
        ("sweeps.drive.modes", ["poisson_inputs"], "modes"),
        ("sweeps.drive.points", [{"rate_hz": -5, "n_sources": 1, "weight_mV": 1}], "rate_hz"),
        ("sweeps.drive.points", [{"rate_hz": 5, "n_sources": 0, "weight_mV": 1}], "n_sources"),
        ("study", "../escape", "study"),
    ],
)
def test_schema_rejects_and_names_the_key(path, value, named):
    with pytest.raises(WorkflowError) as error:
        validated(with_change(path, value))
    assert named in str(error.value)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("dt_ms", 0.3, "'dt_ms' (0.3) must divide 'duration_ms'"),
        ("sweeps.drive.networks", ["nowhere"], "unknown networks ['nowhere']"),
        ("sweeps.drive.targets", [0, 3], "neuron indices [3] are out of range"),
        ("networks.forum3.matrix", [[0, 1], [0]], "must be square"),
        ("networks.forum3", {"matrix": [[0]], "file": "x.npy"}, "exactly one source"),
        ("networks.forum3", {"file": "missing.npy"}, "no such file"),
    ],
)
def test_semantic_checks_name_the_key(path, value, message):
    with pytest.raises(ConfigError) as error:
        load_study(validated(with_change(path, value)))
    assert message in str(error.value)


def test_runs_shared_by_two_sweeps_are_run_once():
    config = copy.deepcopy(MINIMAL)
    config["sweeps"]["again"] = copy.deepcopy(config["sweeps"]["drive"])
    study = load_study(validated(config))
    assert len(study.runs) == len(validated(config)["seeds"])


def test_driven_sets_are_a_run_coordinate():
    """A list is a set named after its sweep; named sets are values of the ``targets`` axis;
    one name for two different sets is refused."""
    config = copy.deepcopy(MINIMAL)
    config["sweeps"]["again"] = {**copy.deepcopy(config["sweeps"]["drive"]), "targets": [0]}
    config["sweeps"]["screen"] = {
        **copy.deepcopy(config["sweeps"]["drive"]),
        "targets": {"first": [0], "last": [2], "every": "all"},
    }
    study = load_study(validated(config))
    sets = {(run.grid_point["targets"], run.targets) for run in study.runs}
    assert sets == {
        ("all", None),
        ("again", (0,)),
        ("first", (0,)),
        ("last", (2,)),
        ("every", None),
    }
    assert len({run.structure_id for run in study.runs}) == 1
    config["sweeps"]["screen"]["targets"]["again"] = [1]
    with pytest.raises(ConfigError, match="both name a set 'again' under 'targets'"):
        load_study(validated(config))


@pytest.mark.parametrize("study", sorted((ROOT / "config" / "studies").glob("*.yaml")), ids=str)
def test_shipped_studies_pass_the_schema(study):
    config = yaml.safe_load(study.read_text())
    check_schema(config, ROOT / "config" / "schema.yaml")
    validated(config)


def test_the_template_study_expands_to_runs():
    config = validated(yaml.safe_load((ROOT / "config/studies/template.yaml").read_text()))
    study = load_study(config)
    assert len(study.runs) == 3 * 4 * 5  # modes x grid points x seeds


def test_run_wildcards_use_short_exact_numbers():
    run = run_at("forum3", "poisson_input", 150.0, 20, 0.115, 3)
    assert run.wildcards == {
        "network": "forum3",
        "mode": "poisson_input",
        "targets": "all",
        "silenced": "none",
        "rate_hz": "150",
        "n_sources": "20",
        "weight_mV": "0.115",
        "v_rest_mV": "-52",
        "v_reset_mV": "-52",
        "v_th_mV": "-45",
        "tau_m_ms": "20",
        "tau_syn_ms": "5",
        "refractory_ms": "2.2",
        "driven_refractory_ms": "2.2",
        "delay_ms": "1.8",
        "weight_per_synapse_mV": "0.5",
        "seed": "3",
    }
    assert format_value(1e-7) == "0.0000001"


def test_run_paths_have_a_level_per_drive_axis_and_per_varying_axis():
    config = copy.deepcopy(MINIMAL)
    study = load_study(validated(config))
    assert study.path_axes == ("rate_hz", "n_sources", "weight_mV")
    config["sweeps"]["screen"] = {
        **copy.deepcopy(config["sweeps"]["drive"]),
        "targets": {"first": [0]},
        "points": [{"rate_hz": 150, "n_sources": 1, "weight_mV": 68.75, "tau_m_ms": 10}],
    }
    study = load_study(validated(config))
    assert study.path_axes == ("targets", "rate_hz", "n_sources", "weight_mV", "tau_m_ms")
    paths = {study.run_path.format(**run.wildcards) for run in study.runs}
    assert len(paths) == len(study.runs)
    assert (
        "forum3/mode~poisson_input/targets~first/rate_hz~150/n_sources~1/weight_mV~68.75/"
        "tau_m_ms~10/seed~0"
    ) in paths


def test_lesion_control_twins_the_named_sweeps_only():
    config = with_change("controls.lesion_inhibition", ["drive"])
    study = load_study(validated(config))
    assert study.networks["forum3-lesioned"] == {"lesion_of": MINIMAL["networks"]["forum3"]}
    assert len(study.runs) == 2 * len(validated(config)["seeds"])
    with pytest.raises(ConfigError, match=r"unknown sweeps \['nope'\]"):
        load_study(validated(with_change("controls.lesion_inhibition", ["nope"])))


def test_lesioned_network_keeps_only_positive_weights():
    lesioned, _ = network_from_source(
        "x", {"lesion_of": {"matrix": [[0, 5, 0], [0, 0, -2], [0, 0, 0]]}}
    )
    assert lesioned.toarray().tolist() == [[0, 5, 0], [0, 0, 0], [0, 0, 0]]


def test_a_run_round_trips_through_its_json():
    for run in load_study(validated(with_change("sweeps.drive.targets", [0, 2]))).runs:
        again = Run.from_json(run.to_json())
        assert again == run and again.to_json() == run.to_json()
        assert again.targets == (0, 2) and again.structure_id == run.structure_id


def test_the_model_section_gives_the_model_axes_of_every_point():
    study = load_study(validated(MINIMAL))
    changed = load_study(validated(with_change("model.tau_m_ms", 10)))
    (run,), (other,) = study.runs[:1], changed.runs[:1]
    assert run.grid_point["tau_m_ms"] == 20 and other.grid_point["tau_m_ms"] == 10
    assert run != other and config_hash(run.to_json()) != config_hash(other.to_json())
    assert run.structure_id == other.structure_id  # set per run, not compiled
    swept = load_study(
        validated(with_change("sweeps.drive.points.0.driven_refractory_ms", 0))
    ).runs[0]
    assert swept.grid_point["driven_refractory_ms"] == 0
    assert swept.grid_point["refractory_ms"] == 2.2


def test_schema_errors_name_the_key_in_a_sentence():
    """The concise check reports one violation: the dotted key, the value, the expectation."""
    schema = ROOT / "config" / "schema.yaml"
    config = copy.deepcopy(MINIMAL)
    del config["study"]
    with pytest.raises(ConfigError, match=r"^'study' is required \(study name;") as error:
        check_schema(config, schema)
    assert len(str(error.value)) < 300
    with pytest.raises(ConfigError, match=r"'sweep': unknown key \(did you mean 'sweeps'\?\)"):
        check_schema({**MINIMAL, "sweep": {}}, schema)
    with pytest.raises(ConfigError, match=r"'sweeps.drive.points.0.rate_hz': got -1: .*minimum"):
        check_schema(with_change("sweeps.drive.points.0.rate_hz", -1), schema)
    check_schema(MINIMAL, schema)  # a valid config passes


def test_silenced_sets_are_a_run_coordinate_of_one_program():
    config = with_changes(
        ["sweeps.drive.silenced", "sweeps.drive.silenced_synapses"],
        [{"intact": [], "cut": [1]}, "all"],
    )
    study = load_study(validated(config))
    sets = {(r.grid_point["silenced"], r.silenced, r.silenced_synapses) for r in study.runs}
    assert sets == {("intact", (), "all"), ("cut", (1,), "all")}
    assert len({run.structure_id for run in study.runs}) == 1
    assert {r.grid_point["silenced"] for r in load_study(validated(MINIMAL)).runs} == {"none"}
    with pytest.raises(ConfigError, match=r"out of range for network 'forum3'"):
        load_study(validated(with_change("sweeps.drive.silenced", [3])))
