"""A study: its config checked, the runs its sweeps expand to, and their coordinates.

Modules
-------
axes
    The swept axes (one definition), input modes, names and run paths.
runs
    :class:`Run`, one simulation from config to engine, and its hash.
config
    :func:`load_study`: semantic checks of a config and its expansion into runs.
"""

from spikesweep.study.axes import (
    AXIS_NAMES,
    COMPILED_AXES,
    GRID_AXES,
    INPUT_MODES,
    LESIONED_SUFFIX,
    RUN_COORDS,
    format_value,
    run_path,
)
from spikesweep.study.config import Study, load_study, results_config
from spikesweep.study.runs import Run, config_hash

__all__ = [
    "AXIS_NAMES",
    "COMPILED_AXES",
    "GRID_AXES",
    "INPUT_MODES",
    "LESIONED_SUFFIX",
    "RUN_COORDS",
    "Run",
    "Study",
    "config_hash",
    "format_value",
    "load_study",
    "results_config",
    "run_path",
]
