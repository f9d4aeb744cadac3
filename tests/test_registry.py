"""The analysis registry: every entry is complete, and the workflow reads it."""

import inspect

import pytest
from conftest import MINIMAL, validated, with_change

from spikesweep.analyses import ANALYSES, INPUTS, analysis_status, selected_analyses
from spikesweep.errors import ConfigError
from spikesweep.report import figure_categories
from spikesweep.report.figures import DRAWERS
from spikesweep.study import load_study


def config_value(config: dict, path: str):
    for key in path.split("/"):
        config = config[key]
    return config


@pytest.mark.parametrize("entry", ANALYSES.values(), ids=lambda entry: entry.name)
def test_an_entry_names_a_function_its_inputs_and_parameters_fit(entry):
    parameters = inspect.signature(entry.function).parameters
    positional = [name for name, p in parameters.items() if p.kind is p.POSITIONAL_OR_KEYWORD]
    keywords = {name for name, p in parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert positional == list(entry.inputs) and set(entry.inputs) <= set(INPUTS)
    assert set(entry.parameters) <= keywords
    defaults = validated(MINIMAL)
    for path in entry.parameters.values():
        config_value(defaults, path)  # every parameter has a config value (or default)
    assert callable(entry.module.answer)
    assert entry.figure in DRAWERS


def test_analyses_that_do_not_apply_are_left_out():
    study = load_study(validated(MINIMAL))  # one mode, no recorded state, no lesion controls
    names = [entry.name for entry in selected_analyses(list(ANALYSES), study)]
    assert names == ["independence", "input_scaling"]
    status = analysis_status(["independence"], study)
    assert status["independence"] is None
    assert status["input_scaling"] == "not in the study's 'analyses'"
    assert "needs poisson_input and one of" in analysis_status(list(ANALYSES), study)["equivalence"]
    subthreshold = load_study(validated(with_change("sweeps.drive.points.0.weight_mV", 1)))
    assert "weight_mV reaches" in analysis_status(list(ANALYSES), subthreshold)["input_scaling"]
    single = load_study(validated(with_change("sweeps.drive.targets", [1])))
    assert "two or more neurons" in analysis_status(list(ANALYSES), single)["independence"]
    lesioned = load_study(validated(with_change("controls.lesion_inhibition", True)))
    assert "inhibition" in [entry.name for entry in selected_analyses(["inhibition"], lesioned)]
    assert set(figure_categories([])) == {"raster", "rates", "tuning"}  # every study's
    assert set(figure_categories([ANALYSES["independence"]])) == {
        "raster",
        "rates",
        "tuning",
        "independence",
    }


def test_an_unknown_analysis_is_refused_with_the_closest_name():
    study = load_study(validated(MINIMAL))
    with pytest.raises(
        ConfigError,
        match=r"'analyses': unknown analysis 'independance' \(did you mean 'independence'\?\)",
    ):
        selected_analyses(["independance"], study)
