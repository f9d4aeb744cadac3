"""Analyses that turn a study's datasets into statistical verdicts, and their registry.

Each analysis is a module of this package named after it, whose function of
the same name takes the datasets its entry lists as ``inputs`` (positional,
in that order) and the ``parameters`` as keywords, and returns an
:class:`~spikesweep.analyses.result.AnalysisResult`; its ``answer`` function
words a stored verdict for ``answers.md``. :data:`ANALYSES` registers them:
the workflow's rules, the figures, the answers and the report read it.

This module imports only the study layer, so that the workflow can read the
registry without importing SciPy or xarray; :attr:`Analysis.module` imports an
analysis where it runs.

Modules
-------
result
    :class:`AnalysisResult`, the verdict of an analysis, written as JSON and NetCDF.
inputs
    The datasets an analysis reads, opened on demand; :func:`run_analysis`.
statistics
    The statistics SciPy does not provide in the form the analyses need.
theory
    Analytic predictions (the dead-time rate of suprathreshold drive).
independence, equivalence, input_scaling, propagation, inhibition
    The analyses of the forum's questions.
responders, silencing
    The analyses of Shiu-style screens.
"""

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from spikesweep.errors import ConfigError
from spikesweep.study.axes import INDEPENDENT_INPUT_MODES, LESIONED_SUFFIX
from spikesweep.study.config import Study

__all__ = [
    "ANALYSES",
    "INPUTS",
    "REFERENCE_MODE",
    "Analysis",
    "analysis_status",
    "selected_analyses",
    "state_runs",
]

#: The mode the equivalence analysis compares the other independent-input modes with.
REFERENCE_MODE = "poisson_input"

#: The datasets an analysis may read, by the name its function's argument has.
INPUTS = {
    "spikes": "spikes.nc, decoded (a SpikeDataset)",
    "driven": "the neurons of each driven set, per network (of rates.nc)",
    "rates": "rates.nc (an xarray.DataTree, read on access)",
    "networks": "the connectivity of every network",
    "state_runs": "the runs with recorded v and g, decoded",
    "costs": "each run's cost record",
}


@dataclass(frozen=True)
class Analysis:
    """A registered analysis: what it asks, what it reads, when it applies, what it draws.

    Attributes
    ----------
    name : str
        Its name: the module and function, the ``analyses`` config value, the
        ``{analysis}`` wildcard and the file names ``{name}.json``, ``{name}.nc``.
    label, question : str
        The forum question it answers (``"Q1"``) and that question in words.
    inputs : tuple of str
        Keys of :data:`INPUTS`, in the order of the function's arguments.
    parameters : dict of str to str
        Keyword of the function -> config path (``"analysis/alpha"``).
    applies : callable
        ``applies(study)``: None when the analysis applies, else why not.
    figure : str
        Name of its figure (``figures/{figure}.png``).
    category : str
        The report's category for its figures.
    """

    name: str
    label: str
    question: str
    inputs: tuple[str, ...]
    parameters: dict[str, str]
    figure: str
    category: str
    applies: Callable[[Study], str | None] = field(default=lambda study: None, repr=False)

    @property
    def module(self) -> ModuleType:
        """The analysis' module (imported on first use)."""
        return importlib.import_module(f"{__name__}.{self.name}")

    @property
    def function(self) -> Callable:
        """The function that computes the analysis."""
        return getattr(self.module, self.name)


def state_runs(study: Study) -> list:
    """The runs with recorded state, except shared_source (common input confounds responses)."""
    return [
        run
        for run in study.runs
        if run.network in study.state_networks and run.mode != "shared_source"
    ]


def _needs_pairs(study: Study) -> str | None:
    if not any(run.targets is None or len(run.targets) > 1 for run in study.runs):
        return "needs runs that drive two or more neurons"
    return None


def _needs_compared_modes(study: Study) -> str | None:
    modes: dict[tuple, set[str]] = {}
    for run in study.runs:
        modes.setdefault((run.network, run.point), set()).add(run.mode)
    compared = [mode for mode in INDEPENDENT_INPUT_MODES if mode != REFERENCE_MODE]
    if not any(REFERENCE_MODE in found and found & set(compared) for found in modes.values()):
        return (
            f"needs {REFERENCE_MODE} and one of {', '.join(compared)} at the same network and point"
        )
    return None


def _needs_suprathreshold_points(study: Study) -> str | None:
    for run in study.runs:
        gap_mV = run.grid_point["v_th_mV"] - run.grid_point["v_reset_mV"]
        if run.mode in INDEPENDENT_INPUT_MODES and run.grid_point["weight_mV"] >= gap_mV:
            return None
    return "needs a point whose weight_mV reaches v_th_mV - v_reset_mV (one event fires a neuron)"


def _needs_state(study: Study) -> str | None:
    if not state_runs(study):
        return "needs runs with recorded state ('record_state_max_neurons')"
    return None


def _needs_lesion_controls(study: Study) -> str | None:
    if not any(network.endswith(LESIONED_SUFFIX) for network in study.networks):
        return "needs lesion controls ('controls.lesion_inhibition')"
    return None


def _needs_baseline(study: Study) -> str | None:
    if not study.screened:
        return (
            "needs a baseline: a driven set with no neurons ('targets: {baseline: []}') "
            "next to the driven sets, at the same points"
        )
    return None


def _needs_silencing_arms(study: Study) -> str | None:
    silenced = {bool(run.silenced) for run in study.screened.values()}
    if silenced != {False, True}:
        return (
            "needs a screen (a driven set and a baseline) with an intact arm and a "
            "silenced set ('silenced: {none: [], name: [...]}')"
        )
    return None


_ALPHA = {"alpha": "analysis/alpha"}
_SCREEN = {**_ALPHA, "min_rate_hz": "analysis/min_response_hz"}

#: Every analysis, in the order of the forum's questions.
ANALYSES = {
    entry.name: entry
    for entry in (
        Analysis(
            name="equivalence",
            label="Q1",
            question="Is a loop of one `PoissonInput` per neuron the same as one "
            "`PoissonInput` on the whole group?",
            inputs=("rates", "driven", "costs"),
            parameters=_ALPHA,
            figure="equivalence",
            category="Q1 input modes",
            applies=_needs_compared_modes,
        ),
        Analysis(
            name="independence",
            label="Q1.1/Q1.2",
            question="Are the driven neurons' spike trains independent, or do they share the "
            "same Poisson process?",
            inputs=("spikes", "networks"),
            parameters={
                "bin_ms": "analysis/bin_ms",
                "transient_ms": "analysis/transient_ms",
                **_ALPHA,
            },
            figure="independence",
            category="Q1.1/Q1.2 independence",
            applies=_needs_pairs,
        ),
        Analysis(
            name="input_scaling",
            label="Q1.3",
            question="What is the purpose of `N`?",
            inputs=("rates", "driven"),
            parameters={"dt_ms": "dt_ms", **_ALPHA},
            figure="input_scaling",
            category="Q1.3 what N does",
            applies=_needs_suprathreshold_points,
        ),
        Analysis(
            name="propagation",
            label="Q2",
            question="Do upstream spikes raise the downstream neurons' potential?",
            inputs=("state_runs", "networks"),
            parameters={
                "window_ms": "analysis/response_window_ms",
                **_ALPHA,
            },
            figure="propagation",
            category="Q2 propagation",
            applies=_needs_state,
        ),
        Analysis(
            name="inhibition",
            label="Q4",
            question="Do negative weights inhibit?",
            inputs=("rates", "networks"),
            parameters=_ALPHA,
            figure="inhibition",
            category="Q4 inhibition",
            applies=_needs_lesion_controls,
        ),
        Analysis(
            name="responders",
            label="S1",
            question="Which neurons respond to each activation?",
            inputs=("rates", "driven"),
            parameters=_SCREEN,
            figure="responders",
            category="S1 responders",
            applies=_needs_baseline,
        ),
        Analysis(
            name="silencing",
            label="S2",
            question="Which responses drop when a set of neurons is silenced?",
            inputs=("rates", "driven", "networks"),
            parameters=_SCREEN,
            figure="silencing",
            category="S2 silencing",
            applies=_needs_silencing_arms,
        ),
    )
}


def analysis_status(names: list[str], study: Study) -> dict[str, str | None]:
    """Why each registered analysis is not run on ``study``: None for those that are.

    ``names`` is the config's ``analyses`` list; an analysis runs when it is
    listed and applies to the study.

    Raises
    ------
    ConfigError
        For a name that is not an analysis, with the closest one.
    """
    for name in names:
        if name not in ANALYSES:
            close = difflib.get_close_matches(name, ANALYSES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"'analyses': unknown analysis {name!r}{hint}; expected some of {list(ANALYSES)}."
            )
    return {
        name: entry.applies(study) if name in names else "not in the study's 'analyses'"
        for name, entry in ANALYSES.items()
    }


def selected_analyses(names: list[str], study: Study) -> list[Analysis]:
    """The analyses of ``names`` (the config's ``analyses``) that apply to ``study``."""
    status = analysis_status(names, study)
    return [ANALYSES[name] for name in names if status[name] is None]
