"""The coordinates of a run: its network, input mode, grid point and seed.

:data:`GRID_AXES` is the one definition of the swept axes: the config keys of
``grid`` and ``points``, the run paths, the Snakemake wildcards, the
coordinates of spike datasets and the dimensions of ``rates.nc`` are all read
from it, so that adding an axis is one entry here. The driven and silenced
sets (:data:`SET_AXES`) are named by a sweep's ``targets`` and ``silenced``; the drive axes
(:data:`DRIVE_AXES`) must be given by every point; the model axes
(:data:`MODEL_AXES`) default to the study's ``model`` section.
"""

import functools
import re
from dataclasses import dataclass

import numpy as np

__all__ = [
    "AXIS_NAMES",
    "COMPILED_AXES",
    "DRIVE_AXES",
    "GRID_AXES",
    "INDEPENDENT_INPUT_MODES",
    "INPUT_MODES",
    "LESIONED_SUFFIX",
    "MODEL_AXES",
    "NAME_PATTERN",
    "NUMERIC_AXES",
    "RUN_COORDS",
    "SET_AXES",
    "Axis",
    "format_value",
    "run_path",
]

#: The input modes, in their canonical order (see :mod:`spikesweep.model`).
INPUT_MODES = ("poisson_input", "per_neuron", "poisson_group", "shared_source")

#: Modes whose inputs are independent across neurons by construction (all but
#: ``shared_source``, whose identical input is the independence analysis' positive control).
INDEPENDENT_INPUT_MODES = ("poisson_input", "per_neuron", "poisson_group")

#: What each input mode compiles into its program (a new program per value with
#: cpp_standalone): grid axes, and ``targets`` where the driven neurons are
#: Brian2 objects of their own. Every other axis, the driven set of
#: ``poisson_input`` and the seed are set per run.
COMPILED_AXES = {
    "poisson_input": (),
    "per_neuron": ("targets",),
    "poisson_group": ("n_sources", "targets"),
    "shared_source": ("n_sources", "targets"),
}

#: Suffix of the lesion-control twin of a network (negative weights removed).
LESIONED_SUFFIX = "-lesioned"

#: Study and network names: they become path components, so no separators or dots.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")


def format_value(value) -> str:
    """Format a grid value for a path: shortest exact decimal, no trailing zeros.

    Examples
    --------
    >>> format_value(150.0), format_value(68.75), format_value(3)
    ('150', '68.75', '3')
    """
    return _shortest_decimal(float(value) + 0.0)  # + 0.0: -0.0 is 0.0, as for Run equality


@functools.cache  # a study repeats each axis' few values in every run's path
def _shortest_decimal(value: float) -> str:
    return np.format_float_positional(value, trim="-")


@dataclass(frozen=True)
class Axis:
    """A swept axis: its config key, value type, and its description in datasets."""

    name: str
    dtype: type
    long_name: str
    units: str | None = None

    @property
    def storage_dtype(self) -> type:
        """NumPy type of the axis in NetCDF files (``str``: a character array)."""
        return {float: np.float64, int: np.int32, str: str}[self.dtype]

    @property
    def attrs(self) -> dict[str, str]:
        """CF attributes of the axis' coordinate variable."""
        return {"long_name": self.long_name, **({"units": self.units} if self.units else {})}

    def format(self, value) -> str:
        """The value as a path component."""
        return {float: format_value, int: lambda v: str(int(v)), str: str}[self.dtype](value)


#: The driven and the silenced neurons: names of sets, given by a sweep's
#: ``targets`` ("all": every neuron) and ``silenced`` ("none": no neuron).
SET_AXES = (
    Axis("targets", str, "driven neurons: all, or the name of a set"),
    Axis("silenced", str, "silenced neurons: none, or the name of a set"),
)
#: The drive: what every grid point gives.
DRIVE_AXES = (
    Axis("rate_hz", float, "rate of each Poisson source", "Hz"),
    Axis("n_sources", int, "Poisson sources per driven neuron (PoissonInput N)"),
    Axis("weight_mV", float, "jump in v per input event", "mV"),
)
#: The model's parameters (Shiu et al. 2023 by default): a point may sweep them.
MODEL_AXES = (
    Axis("v_rest_mV", float, "resting potential", "mV"),
    Axis("v_reset_mV", float, "reset potential", "mV"),
    Axis("v_th_mV", float, "firing threshold", "mV"),
    Axis("tau_m_ms", float, "membrane time constant", "ms"),
    Axis("tau_syn_ms", float, "synaptic time constant", "ms"),
    Axis("refractory_ms", float, "refractory period", "ms"),
    Axis("driven_refractory_ms", float, "refractory period of the driven neurons", "ms"),
    Axis("delay_ms", float, "synaptic delay", "ms"),
    Axis("weight_per_synapse_mV", float, "jump in g per unit of connectivity weight", "mV"),
)
#: The swept axes of a run, in the order of run paths and dataset dimensions.
GRID_AXES = (*SET_AXES, *DRIVE_AXES, *MODEL_AXES)
#: The axes with numbers: those of grids and points.
NUMERIC_AXES = (*DRIVE_AXES, *MODEL_AXES)
AXIS_NAMES = tuple(axis.name for axis in GRID_AXES)
#: What identifies a run: its network, input mode, grid point and seed.
RUN_COORDS = ("network", "mode", *AXIS_NAMES, "seed")


def run_path(axes=AXIS_NAMES) -> str:
    """The path of a run below a stage folder, as a ``str.format`` pattern.

    ``{network}/mode~{mode}/rate_hz~{rate_hz}/.../seed~{seed}``: one
    ``{axis}~{value}`` level per name in ``axes`` (in the order of
    :data:`GRID_AXES`), filled from :attr:`spikesweep.study.runs.Run.wildcards`.
    """
    names = [name for name in AXIS_NAMES if name in axes]
    levels = [f"{name}~{{{name}}}" for name in ("mode", *names, "seed")]
    return "/".join(["{network}", *levels])
