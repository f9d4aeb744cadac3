"""Brian2 simulation of one grid point: the forum's LIF network under Poisson drive.

The model is the one of the forum thread (Shiu et al. 2023)::

    dv/dt = (v_rest - v + g) / tau_m : volt (unless refractory)
    dg/dt = -g / tau_syn             : volt (unless refractory)

with threshold ``v > v_th``, reset ``v = v_reset; g = 0 mV``, and synapses
``g += w`` after ``delay``. The forum's reset also held ``w = 0``, which names no
variable of the neurons: Brian2 treats it as a temporary and it does nothing,
so it is left out.

Input modes (each event adds ``weight`` to ``v``, in the ``synapses`` slot,
whether or not the neuron is refractory, exactly as ``PoissonInput`` does):

``poisson_input``
    one ``PoissonInput(target=driven neurons, N=n_sources)``.
``per_neuron``
    the forum's loop: one ``PoissonInput(N=n_sources)`` per driven neuron.
``poisson_group``
    a ``PoissonGroup`` of ``n_sources`` independent sources per driven neuron,
    connected by ``Synapses`` (what ``PoissonInput`` approximates).
``shared_source``
    one ``PoissonGroup`` of ``n_sources`` sources, each reaching every driven
    neuron: identical input, the positive control for independence.
``poisson_count``
    ours: each step, a driven neuron gets ``weight`` times a Poisson count of
    mean ``n_sources * rate * dt``. ``PoissonInput`` draws a binomial count
    ``B(n_sources, rate * dt)`` whose parameters are compiled into the code;
    here the rate is a variable, so one compiled program serves every rate
    and ``n_sources``. The two counts differ in variance by the factor
    ``1 - rate * dt`` (1.5 % at 150 Hz and 0.1 ms); tests/test_simulate.py
    shows the rates to be statistically equivalent.

The drive weight (and the PoissonGroup rate, and poisson_count's rate) are
shared variables of the neurons, not constants: :func:`run_values` sets them,
so that a compiled program runs every value (:mod:`spikesweep.standalone`);
:func:`spikesweep.config.run_values` lists them.
"""

import logging
from dataclasses import dataclass

import brian2
import numpy as np
import scipy.sparse
from brian2 import (
    Hz,
    Network,
    NeuronGroup,
    PoissonGroup,
    PoissonInput,
    Quantity,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    check_units,
    ms,
    mV,
    second,
)

from spikesweep.config import INPUT_MODES, RunPoint, run_values
from spikesweep.trains import SpikeTrains

__all__ = [
    "ModelParameters",
    "Simulation",
    "build_simulation",
    "simulate",
    "simulate_config",
]

logger = logging.getLogger(__name__)

EQUATIONS = """
dv/dt = (v_rest - v + g) / tau_m : volt (unless refractory)
dg/dt = -g / tau_syn             : volt (unless refractory)
"""


@dataclass(frozen=True)
class ModelParameters:
    """Parameters of the leaky integrate-and-fire model (Shiu et al. 2023).

    All values are Brian2 quantities; build them from the ``model`` config
    section with :meth:`from_config`.
    """

    v_rest: Quantity
    v_reset: Quantity
    v_th: Quantity
    tau_m: Quantity
    tau_syn: Quantity
    refractory: Quantity
    delay: Quantity
    weight_per_synapse: Quantity
    #: Refractory period of the driven neurons; None: ``refractory`` for all.
    driven_refractory: Quantity | None = None

    @classmethod
    def from_config(cls, model: dict) -> "ModelParameters":
        """Convert the ``model`` config section (``*_mV``, ``*_ms`` keys) to quantities."""
        return cls(
            v_rest=model["v_rest_mV"] * mV,
            v_reset=model["v_reset_mV"] * mV,
            v_th=model["v_th_mV"] * mV,
            tau_m=model["tau_m_ms"] * ms,
            tau_syn=model["tau_syn_ms"] * ms,
            refractory=model["refractory_ms"] * ms,
            delay=model["delay_ms"] * ms,
            weight_per_synapse=model["weight_per_synapse_mV"] * mV,
            driven_refractory=(
                model["driven_refractory_ms"] * ms if "driven_refractory_ms" in model else None
            ),
        )


def _neurons(n: int, model: ModelParameters, mode: str, targets: np.ndarray) -> NeuronGroup:
    equations = EQUATIONS + "drive_weight : volt (shared, constant)\n"
    if mode == "poisson_count":
        equations += "drive_rate : Hz (shared, constant)\ndriven : 1 (constant)\n"
    refractory = model.refractory
    if model.driven_refractory is not None:  # per neuron, as Shiu et al.'s "rfc"
        equations += "refractory_period : second (constant)\n"
        refractory = "refractory_period"
    neurons = NeuronGroup(
        n,
        equations,
        method="linear",
        threshold="v > v_th",
        reset="v = v_reset; g = 0*mV",
        refractory=refractory,
        namespace={
            "v_rest": model.v_rest,
            "v_reset": model.v_reset,
            "v_th": model.v_th,
            "tau_m": model.tau_m,
            "tau_syn": model.tau_syn,
        },
        name="neurons",
    )
    neurons.v = model.v_rest
    neurons.g = 0 * mV
    if model.driven_refractory is not None:
        periods = np.full(n, float(model.refractory))
        periods[targets] = float(model.driven_refractory)
        neurons.refractory_period = periods * second
    if mode == "poisson_count":
        driven = np.zeros(n)
        driven[targets] = 1
        neurons.driven = driven
    return neurons


def _recurrent_synapses(neurons, connectivity: scipy.sparse.csr_array, model: ModelParameters):
    coo = connectivity.tocoo()
    synapses = Synapses(
        neurons,
        neurons,
        "w : volt",
        on_pre="g += w",
        delay=model.delay,
        namespace={},
        name="recurrent",
    )
    synapses.connect(i=coo.row.astype(np.int32), j=coo.col.astype(np.int32))
    synapses.w[:] = coo.data * model.weight_per_synapse
    return synapses


def _drive(neurons, targets: np.ndarray, run: RunPoint) -> list:
    """The Brian2 objects that deliver the run's Poisson input to ``targets``.

    Only the axes of ``COMPILED_AXES[run.mode]`` are used here; the others are
    variables that :func:`run_values` sets.
    """
    n = run.n_sources
    if run.mode == "poisson_input":
        # One PoissonInput per stretch of consecutive targets: a single one when
        # the targets are contiguous (``targets: all``).
        return [
            PoissonInput(
                neurons[a : b + 1], "v", N=n, rate=run.rate_hz * Hz, weight="drive_weight", order=k
            )
            for k, (a, b) in enumerate(_stretches(targets))
        ]
    if run.mode == "per_neuron":
        return [
            PoissonInput(
                neurons[i : i + 1], "v", N=n, rate=run.rate_hz * Hz, weight="drive_weight", order=k
            )
            for k, i in enumerate(targets)
        ]
    if run.mode == "poisson_group":  # source k * n + s feeds target k only
        pre = np.arange(n * len(targets))
        return _poisson_sources(neurons, pre, np.repeat(targets, n))
    if run.mode == "shared_source":  # every source feeds every target
        pre = np.repeat(np.arange(n), len(targets))
        return _poisson_sources(neurons, pre, np.tile(targets, n))
    if run.mode == "poisson_count":
        # Each step, driven neurons get Poisson(n_sources rate dt) events at once:
        # the sum of n_sources Poisson processes, drawn per neuron from a rate
        # variable instead of PoissonInput's compiled-in binomial.
        # (run_regularly adds its runner to the neurons' contained objects.)
        neurons.run_regularly(
            "v += drive_weight * poisson(driven * drive_rate * dt)", when="synapses", name="drive"
        )
        return []
    raise ValueError(f"Unknown input mode {run.mode!r}; expected one of {INPUT_MODES}.")


def _poisson_sources(neurons, pre: np.ndarray, post: np.ndarray) -> list:
    """A ``PoissonGroup`` whose source ``pre[k]`` adds the drive weight to ``v`` of ``post[k]``."""
    sources = PoissonGroup(pre.max() + 1, 0 * Hz, name="sources")
    synapses = Synapses(
        sources, neurons, on_pre="v_post += drive_weight_post", namespace={}, name="drive"
    )
    synapses.connect(i=pre, j=post)
    return [sources, synapses]


def _stretches(targets: np.ndarray) -> list[tuple[int, int]]:
    """Split sorted indices into inclusive (first, last) runs of consecutive values."""
    breaks = np.flatnonzero(np.diff(targets) != 1)
    firsts = np.r_[targets[0], targets[breaks + 1]]
    lasts = np.r_[targets[breaks], targets[-1]]
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


@dataclass
class Simulation:
    """The Brian2 objects of one network structure, ready to run."""

    network: Network
    spikes: SpikeMonitor
    state: StateMonitor | None

    def set_values(self, run: RunPoint) -> None:
        """Set the run's :func:`~spikesweep.config.run_values` (given in SI units)."""
        for key, value in run_values(run).items():
            owner, variable = key.split(".")
            setattr(self.network[owner], f"{variable}_", value)  # "v_": without units


def _target_indices(run: RunPoint, n_neurons: int) -> np.ndarray:
    """Sorted indices of the neurons that ``run`` drives."""
    if run.targets == "all":
        return np.arange(n_neurons)
    targets = np.asarray(run.targets, dtype=np.int64)
    if targets.size and (targets.min() < 0 or targets.max() >= n_neurons):
        raise ValueError(
            f"'targets' {run.targets} out of range for network {run.network!r} "
            f"of {n_neurons} neurons."
        )
    return targets


def build_simulation(
    connectivity: scipy.sparse.csr_array,
    model: ModelParameters,
    run: RunPoint,
    record_state: bool = False,
) -> Simulation:
    """Create the Brian2 objects of ``run``'s structure (run values not yet set).

    The structure is the network, the input mode, the driven neurons and the
    drive axes that the mode compiles in (``COMPILED_AXES``).
    """
    n = connectivity.shape[0]
    targets = _target_indices(run, n)
    neurons = _neurons(n, model, run.mode, targets)
    spikes = SpikeMonitor(neurons, name="spikes")
    objects = [neurons, spikes, *_drive(neurons, targets, run)]
    if connectivity.nnz:
        objects.append(_recurrent_synapses(neurons, connectivity, model))
    state = StateMonitor(neurons, ["v", "g"], record=True, name="state") if record_state else None
    if state is not None:
        objects.append(state)
    return Simulation(Network(*objects), spikes, state)


def _progress(label: str):
    """A Brian2 ``report`` callable that logs the progress of a run."""

    def report(elapsed, completed, start, duration):
        logger.info(
            "%s: %.0f%% of %s simulated in %.1f s", label, 100 * completed, duration, elapsed
        )

    return report


@check_units(duration=second, dt=second, record_state=bool)
def simulate(
    connectivity: scipy.sparse.csr_array,
    model: ModelParameters,
    run: RunPoint,
    duration,
    dt,
    codegen_target: str = "cython",
    record_state: bool = False,
) -> SpikeTrains:
    """Simulate one grid point with Brian2's runtime and return its spike trains.

    Parameters
    ----------
    connectivity : csr_array, shape (n, n)
        Weights ``[pre, post]`` in multiples of ``model.weight_per_synapse``.
    model : ModelParameters
        Neuron and synapse parameters.
    run : RunPoint
        Input mode, drive, seed and driven neurons (``"all"`` or indices).
    duration, dt : Quantity
        Simulated time and time step.
    codegen_target : {"cython", "numpy"}, optional
        Brian2 runtime code-generation target (default ``"cython"``); see
        :mod:`spikesweep.standalone` for ``cpp_standalone``.
    record_state : bool, optional
        Record ``v`` and ``g`` of every neuron at every step (default False;
        n_neurons x n_steps x 8 bytes: for small networks only).

    Returns
    -------
    trains : SpikeTrains
        All spikes, sorted by neuron then time.
    """
    brian2.prefs.codegen.target = codegen_target
    brian2.defaultclock.dt = dt
    brian2.seed(run.seed)
    simulation = build_simulation(connectivity, model, run, record_state)
    simulation.set_values(run)
    label = f"{run.network} {run.mode} seed {run.seed}"
    simulation.network.run(
        duration, namespace={}, report=_progress(label), report_period=10 * second
    )
    state = (
        {name: (getattr(simulation.state, name) / mV).astype(np.float32) for name in ("v", "g")}
        if record_state
        else None
    )
    spikes = simulation.spikes
    return SpikeTrains.from_monitor(spikes.i, spikes.t_, connectivity.shape[0], float(dt), state)


def simulate_config(run_config: dict, connectivity: scipy.sparse.csr_array) -> SpikeTrains:
    """Simulate the run that a :meth:`~spikesweep.config.Study.run_config` dict describes."""
    return simulate(
        connectivity,
        ModelParameters.from_config(run_config["model"]),
        RunPoint.from_run_config(run_config),
        duration=run_config["duration_ms"] * ms,
        dt=run_config["dt_ms"] * ms,
        codegen_target=run_config["codegen_target"],
        record_state=run_config["record_state"],
    )
