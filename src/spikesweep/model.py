"""The Brian2 objects of a run: the forum's LIF network under Poisson drive.

The model is the one of the forum thread (Shiu et al. 2023)::

    dv/dt = (v_rest - v + g) / tau_m : volt (unless refractory)
    dg/dt = -g / tau_syn             : volt (unless refractory)

with threshold ``v > v_th``, reset ``v = v_reset; g = 0 mV``, and synapses
``g += w`` after ``delay``. The forum's reset also held ``w = 0``, which names no
variable of the neurons: Brian2 treats it as a temporary and it does nothing,
so it is left out.

Input modes (each event adds ``weight`` to ``v`` in the ``synapses`` slot, as
``PoissonInput`` does; ``v`` is ``(unless refractory)``, so Brian2 drops events
that arrive while the neuron is refractory, recurrent ones included):

``poisson_input``
    ``PoissonInput(target=driven neurons, N=n_sources)``.
``per_neuron``
    the forum's loop: one ``PoissonInput(N=n_sources)`` per driven neuron.
``poisson_group``
    a ``PoissonGroup`` of ``n_sources`` independent sources per driven neuron,
    connected by ``Synapses`` (what ``PoissonInput`` approximates).
``shared_source``
    one ``PoissonGroup`` of ``n_sources`` sources, each reaching every driven
    neuron: identical input, the positive control for independence.

Everything a study sweeps is a variable of these objects, set per run
(:meth:`~spikesweep.study.runs.Run.run_values`, :meth:`Simulation.set_values`),
so that one compiled program runs every value: the model parameters (shared
variables of the neurons and synapses, the delay of the synaptic pathway),
the drive weight, the driven neurons (a mask, which the drive connects to in
each run: :meth:`Simulation.connect_drive`), and ``PoissonInput``'s rate and
``N``. Brian2 compiles the latter two into a ``BinomialFunction``; here
:data:`POISSON_INPUT_COUNT` draws the same binomial counts from variables,
consuming Brian2's random numbers exactly as Brian2's does (the same spikes
for the same seed, in both of its regimes). What stays compiled is listed in
:data:`~spikesweep.study.axes.COMPILED_AXES`. A change to the code these
objects generate must raise :data:`~spikesweep.study.runs.PROGRAM_REVISION`,
so that programs built before it are not reused.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse
from brian2 import (
    Function,
    Hz,
    Network,
    NeuronGroup,
    PoissonGroup,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    prefs,
    second,
)
from brian2.core.functions import DEFAULT_FUNCTIONS
from brian2.utils.logger import BrianLogger

from spikesweep.study.axes import INPUT_MODES
from spikesweep.study.runs import Run

__all__ = ["EQUATIONS", "FLOAT_DTYPES", "POISSON_INPUT_COUNT", "Simulation", "create_simulation"]

#: The floating-point type of the model's variables for each ``precision``. Time
#: (``t``, ``dt``, spike times) stays float64 in both, as Brian2 keeps it.
FLOAT_DTYPES = {"double": np.float64, "single": np.float32}

EQUATIONS = """
dv/dt = (v_rest - v + g) / tau_m : volt (unless refractory)
dg/dt = -g / tau_syn             : volt (unless refractory)
"""

#: Refractoriness on step counts: a spike at step ``s`` sets ``refractory_end_step``
#: to ``s + refractory_steps``, and the neuron leaves refractoriness at the first
#: step that is not before it. This is Brian2's own rule for a refractory period,
#: ``timestep(t - lastspike, dt) >= timestep(refractory, dt)``, with the period's
#: step count computed once per run (:meth:`~spikesweep.study.runs.Run.run_values`)
#: instead of two double-to-int64 conversions per neuron and step (about 40 % of a
#: whole-brain run loop; measured in docs/whole-brain.md).
_REFRACTORY = """
refractory_end_step : integer
"""

#: The variables a run sets (besides the equations' own).
_RUN_VARIABLES = """
v_rest : volt (shared, constant)
v_reset : volt (shared, constant)
v_th : volt (shared, constant)
tau_m : second (shared, constant)
tau_syn : second (shared, constant)
refractory_steps : integer (constant)
driven : boolean (constant)
transmits : boolean (constant)
receives : boolean (constant)
drive_weight : volt (shared, constant)
"""

#: The binomial's constants (:func:`~spikesweep.study.runs.binomial_values`).
_BINOMIAL_VARIABLES = """
drive_n : integer (shared, constant)
drive_normal : boolean (shared, constant)
drive_loc : 1 (shared, constant)
drive_scale : 1 (shared, constant)
drive_p : 1 (shared, constant)
drive_q : 1 (shared, constant)
drive_qn : 1 (shared, constant)
drive_bound : 1 (shared, constant)
drive_reverse : boolean (shared, constant)
"""
_BINOMIAL_ARGUMENTS = (
    "driven, drive_n, drive_normal, drive_loc, drive_scale, "
    "drive_p, drive_q, drive_qn, drive_bound, drive_reverse"
)
#: The same from a drive synapse (drawn for a non-refractory target only).
_DRIVE_ARGUMENTS = "not_refractory_post, " + ", ".join(
    f"{name.strip()}_post" for name in _BINOMIAL_ARGUMENTS.split(",")[1:]
)

# Brian2's BinomialFunction code (brian2/input/binomial.py), its literals made
# arguments: the same operations on the same values, the same calls of _rand
# and _randn. Not driven: no draw, as Brian2 draws for its targets only.
_BINOMIAL_CPP = """
double poisson_input_count(const char driven, const int32_t n, const char normal,
                           const double loc, const double scale, const double p,
                           const double q, const double qn, const double bound,
                           const char reverse, const int _vectorisation_idx)
{
    if (!driven)
        return 0;
    if (normal)
        return (float)(_randn(_vectorisation_idx) * scale + loc);
    long X = 0;
    double px = qn;
    double U = _rand(_vectorisation_idx);
    while (U > px)
    {
        X++;
        if (X > bound)
        {
            X = 0;
            px = qn;
            U = _rand(_vectorisation_idx);
        } else
        {
            U -= px;
            px = ((n - X + 1) * p * px) / (X * q);
        }
    }
    return reverse ? n - X : X;
}
"""
_BINOMIAL_CYTHON = """
cdef double poisson_input_count(char driven, int n, char normal, double loc, double scale,
                                double p, double q, double qn, double bound, char reverse,
                                int _vectorisation_idx):
    cdef long X = 0
    cdef double px = qn
    cdef double U
    cdef float approximate
    if not driven:
        return 0
    if normal:
        approximate = _randn(_vectorisation_idx) * scale + loc
        return approximate
    U = _rand(_vectorisation_idx)
    while U > px:
        X += 1
        if X > bound:
            X = 0
            px = qn
            U = _rand(_vectorisation_idx)
        else:
            U -= px
            px = ((n - X + 1) * p * px) / (X * q)
    return n - X if reverse else X
"""


def _python_count(*arguments):
    raise NotImplementedError("poisson_input_count has C++ and Cython implementations only.")


#: ``PoissonInput``'s binomial count of events per step, from run-time variables
#: (arguments: ``driven``, then the constants of
#: :func:`~spikesweep.study.runs.binomial_values`).
POISSON_INPUT_COUNT = Function(
    _python_count,
    arg_units=[1] * 10,
    arg_types=["boolean", "integer", "boolean", *["float"] * 6, "boolean"],
    return_unit=1,
    return_type="float",
    stateless=False,
    auto_vectorise=True,
)
for _target, _code in (("cpp", {"support_code": _BINOMIAL_CPP}), ("cython", _BINOMIAL_CYTHON)):
    POISSON_INPUT_COUNT.implementations.add_implementation(
        _target,
        _code,
        dependencies={"_rand": DEFAULT_FUNCTIONS["rand"], "_randn": DEFAULT_FUNCTIONS["randn"]},
        name="poisson_input_count",
    )


# The drive synapses write v_post with random draws, which Brian2 warns may depend on the
# order of the synapses; each driven neuron has exactly one, so no two write the same v
# (and they run in index order). That warning is the only message of this Brian2 module.
BrianLogger.suppress_hierarchy("brian2.codegen.generators.base")


def _neurons(n: int, mode: str, codeobj_class) -> NeuronGroup:
    equations = EQUATIONS + _REFRACTORY + _RUN_VARIABLES
    if mode in ("poisson_input", "per_neuron"):
        equations += _BINOMIAL_VARIABLES
    return NeuronGroup(
        n,
        equations,
        method="linear",
        threshold="v > v_th",
        reset="v = v_reset; g = 0*mV; refractory_end_step = t_in_timesteps + refractory_steps",
        refractory="refractory_end_step > t_in_timesteps",
        namespace={"poisson_input_count": POISSON_INPUT_COUNT},
        codeobj_class=codeobj_class,
        name="neurons",
    )


def _recurrent_synapses(neurons, connectivity: scipy.sparse.csr_array, codeobj_class) -> Synapses:
    """The network's synapses: ``w`` is the connectivity weight, in units of
    ``weight_per_synapse``; the (homogeneous) delay is set per run. Silenced
    neurons transmit nothing (``transmits`` false), and receive nothing where
    their incoming synapses are silenced too (``receives``): the same ``g`` as
    without those synapses, as ``x * 1 = x`` and ``g + 0 = g``."""
    coo = connectivity.tocoo()
    synapses = Synapses(
        neurons,
        neurons,
        "w : 1 (constant)\nweight_per_synapse : volt (shared, constant)",
        on_pre="g += w * weight_per_synapse * int(transmits_pre) * int(receives_post)",
        delay=0 * second,
        namespace={},
        codeobj_class=codeobj_class,
        name="recurrent",
    )
    synapses.connect(i=coo.row.astype(np.int32), j=coo.col.astype(np.int32))
    synapses.w[:] = coo.data
    return synapses


def _drive(neurons, targets: np.ndarray, run: Run, codeobj_class) -> list:
    """The Brian2 objects that deliver the run's Poisson input to ``targets``.

    Only what ``COMPILED_AXES[run.mode]`` names is used here; the rest are
    variables that :meth:`Simulation.set_values` sets.
    """
    # PoissonInput's code, "v += weight * binomial count": on the driven neurons
    # through one synapse each from a one-neuron source, connected per run where
    # "driven" is true (Simulation.connect_drive), so that the loop visits the
    # driven neurons only, in index order as one PoissonInput on its targets; and
    # it draws for non-refractory ones only, as PoissonInput does. per_neuron: one
    # runner on each (compiled-in) driven neuron, in order.
    if run.mode == "poisson_input":
        source = NeuronGroup(1, "", name="drive_source")
        synapses = Synapses(
            source, neurons, namespace={"poisson_input_count": POISSON_INPUT_COUNT}, name="drive"
        )
        synapses.run_regularly(
            f"v_post += drive_weight_post * poisson_input_count({_DRIVE_ARGUMENTS})",
            when="synapses",
            name="drive_runner",
        )
        return [source, synapses]
    count = f"v += drive_weight * poisson_input_count({_BINOMIAL_ARGUMENTS})"
    if run.mode == "per_neuron":
        for k, i in enumerate(targets):
            neurons[i : i + 1].run_regularly(count, when="synapses", order=k, name=f"drive_{k}")
        return []
    n = run.grid_point["n_sources"]
    if not len(targets):  # no source without a target
        return []
    if run.mode == "poisson_group":  # source k * n + s feeds target k only
        pre = np.arange(n * len(targets))
        return _poisson_sources(neurons, pre, np.repeat(targets, n), codeobj_class)
    if run.mode == "shared_source":  # every source feeds every target
        pre = np.repeat(np.arange(n), len(targets))
        return _poisson_sources(neurons, pre, np.tile(targets, n), codeobj_class)
    raise ValueError(f"Unknown input mode {run.mode!r}; expected one of {INPUT_MODES}.")


def _poisson_sources(neurons, pre: np.ndarray, post: np.ndarray, codeobj_class) -> list:
    """A ``PoissonGroup`` whose source ``pre[k]`` adds the drive weight to ``v`` of ``post[k]``."""
    sources = PoissonGroup(pre.max() + 1, 0 * Hz, name="sources")
    synapses = Synapses(
        sources,
        neurons,
        on_pre="v_post += drive_weight_post",
        namespace={},
        codeobj_class=codeobj_class,
        name="drive",
    )
    synapses.connect(i=pre, j=post)
    return [sources, synapses]


@dataclass
class Simulation:
    """The Brian2 objects of one network structure, ready to run."""

    network: Network
    spikes: SpikeMonitor
    state: StateMonitor | None
    drive: Synapses | None = None

    def run_values(self, run: Run) -> dict:
        """``run``'s :meth:`~spikesweep.study.runs.Run.run_values` that these objects
        have (a network without synapses has no synaptic ones)."""
        values = run.run_values(len(self.network["neurons"]))
        names = {obj.name for obj in self.network.objects}
        return {key: value for key, value in values.items() if key.split(".")[0] in names}

    def value_dtypes(self, run: Run) -> dict[str, str]:
        """The NumPy type of the variable that each of ``run``'s run values sets."""
        return {
            key: np.dtype(self.network[owner].variables[variable].dtype).name
            for key in self.run_values(run)
            for owner, variable in [key.split(".")]
        }

    def set_values(self, run: Run) -> None:
        """Set ``run``'s run values (given in SI units)."""
        for key, value in self.run_values(run).items():
            owner, variable = key.split(".")
            if variable == "_pre_delay":
                self.network[owner].delay = value * second
            else:
                setattr(self.network[owner], f"{variable}_", value)  # "v_": without units

    def connect_drive(self) -> None:
        """Connect ``poisson_input``'s drive to the neurons whose ``driven`` value is
        set (after :meth:`set_values`; in a cpp_standalone program, after the run's
        values are applied, so that each run connects its own driven set)."""
        if self.drive is not None:
            self.drive.connect(condition="driven_post")


def _target_indices(run: Run, n_neurons: int) -> np.ndarray:
    """Sorted indices of the neurons that ``run`` drives."""
    if run.targets is None:
        return np.arange(n_neurons)
    targets = np.asarray(run.targets, dtype=np.int64)
    if targets.size and (targets.min() < 0 or targets.max() >= n_neurons):
        raise ValueError(
            f"'targets' {run.targets} out of range for network {run.network!r} "
            f"of {n_neurons} neurons."
        )
    return targets


def create_simulation(
    connectivity: scipy.sparse.csr_array, run: Run, codeobj_class=None
) -> Simulation:
    """Create the Brian2 objects of ``run``'s structure (run values not yet set),
    with a state monitor of every neuron where the run records state.

    The structure is the network, the input mode and what the mode compiles
    in (:data:`~spikesweep.study.axes.COMPILED_AXES`), in the run's precision
    (Brian2's ``core.default_float_dtype``, set here). ``codeobj_class`` is
    the code-object class of the neurons' and synapses' code (Brian2's default
    if None; a ``PoissonGroup`` of sources always has Brian2's).
    """
    prefs.core.default_float_dtype = FLOAT_DTYPES[run.precision]
    n = connectivity.shape[0]
    neurons = _neurons(n, run.mode, codeobj_class)
    spikes = SpikeMonitor(neurons, name="spikes")
    objects = [neurons, spikes, *_drive(neurons, _target_indices(run, n), run, codeobj_class)]
    if connectivity.nnz:
        objects.append(_recurrent_synapses(neurons, connectivity, codeobj_class))
    state = (
        StateMonitor(neurons, ["v", "g"], record=True, name="state") if run.record_state else None
    )
    if state is not None:
        objects.append(state)
    network = Network(*objects)
    drive = network["drive"] if run.mode == "poisson_input" else None
    return Simulation(network, spikes, state, drive)
