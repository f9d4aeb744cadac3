"""The analysis registry: every entry is complete, and the workflow reads it."""

import inspect

import pytest
from conftest import MINIMAL, validated, with_change

from spikesweep.analyses import ANALYSES, INPUTS, selected_analyses
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
    study = load_study(validated(MINIMAL))  # no recorded state, no lesion controls
    names = [entry.name for entry in selected_analyses(list(ANALYSES), study)]
    assert names == ["equivalence", "independence", "input_scaling"]
    lesioned = load_study(validated(with_change("controls.lesion_inhibition", True)))
    assert "inhibition" in [entry.name for entry in selected_analyses(["inhibition"], lesioned)]
    assert figure_categories([]) == {}
    assert set(figure_categories([ANALYSES["independence"]])) == {"raster", "rates", "independence"}


def test_an_unknown_analysis_is_refused_with_the_closest_name():
    study = load_study(validated(MINIMAL))
    with pytest.raises(
        ConfigError,
        match=r"'analyses': unknown analysis 'independance' \(did you mean 'independence'\?\)",
    ):
        selected_analyses(["independance"], study)
