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
"""

import logging
import time
from dataclasses import dataclass

import brian2
import numpy as np
import scipy.sparse
from brian2 import (
    Network,
    NeuronGroup,
    PoissonGroup,
    PoissonInput,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    check_units,
    ms,
    mV,
    second,
)

from spikesweep.config import INPUT_MODES, ModelParameters, RunPoint

__all__ = ["SpikeTrains", "simulate", "simulate_config"]

logger = logging.getLogger(__name__)

EQUATIONS = """
dv/dt = (v_rest - v + g) / tau_m : volt (unless refractory)
dg/dt = -g / tau_syn             : volt (unless refractory)
"""


@dataclass(frozen=True)
class SpikeTrains:
    """The spikes of one run, sorted by neuron, then time.

    Attributes
    ----------
    neuron : ndarray of int32, shape (n_spikes,)
        Index of the neuron that fired.
    step : ndarray of int32, shape (n_spikes,)
        Time step of the spike; its time is ``step * dt_s`` seconds.
    n_neurons : int
        Size of the network (neurons that never fired included).
    dt_s : float
        Simulation time step in seconds.
    state : dict of str to ndarray, optional
        Recorded ``v`` and ``g`` in mV, float32, shape (n_neurons, n_steps),
        at the start of each step; ``None`` when not recorded.
    """

    neuron: np.ndarray
    step: np.ndarray
    n_neurons: int
    dt_s: float
    state: dict | None = None

    @property
    def counts(self) -> np.ndarray:
        """Spikes per neuron, shape (n_neurons,)."""
        return np.bincount(self.neuron, minlength=self.n_neurons).astype(np.int32)


def _neurons(n: int, model: ModelParameters) -> NeuronGroup:
    neurons = NeuronGroup(
        n,
        EQUATIONS,
        method="linear",
        threshold="v > v_th",
        reset="v = v_reset; g = 0*mV",
        refractory=model.refractory,
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
    """The Brian2 objects that deliver the run's Poisson input to ``targets``."""
    rate, weight, n = run.rate, run.weight, run.n_sources
    if run.mode == "poisson_input":
        # One PoissonInput per stretch of consecutive targets: a single one when
        # the targets are contiguous (``targets: all``).
        return [
            PoissonInput(neurons[a : b + 1], "v", N=n, rate=rate, weight=weight, order=k)
            for k, (a, b) in enumerate(_stretches(targets))
        ]
    if run.mode == "per_neuron":
        return [
            PoissonInput(neurons[i : i + 1], "v", N=n, rate=rate, weight=weight, order=k)
            for k, i in enumerate(targets)
        ]
    if run.mode == "poisson_group":  # source k * n + s feeds target k only
        pre = np.arange(n * len(targets))
        return _poisson_sources(neurons, rate, weight, pre, np.repeat(targets, n))
    if run.mode == "shared_source":  # every source feeds every target
        pre = np.repeat(np.arange(n), len(targets))
        return _poisson_sources(neurons, rate, weight, pre, np.tile(targets, n))
    raise ValueError(f"Unknown input mode {run.mode!r}; expected one of {INPUT_MODES}.")


def _poisson_sources(neurons, rate, weight, pre: np.ndarray, post: np.ndarray) -> list:
    """A ``PoissonGroup`` whose source ``pre[k]`` adds ``weight`` to ``v`` of ``post[k]``."""
    sources = PoissonGroup(pre.max() + 1, rate, name="sources")
    synapses = Synapses(sources, neurons, on_pre=f"v += {weight!r}", namespace={}, name="drive")
    synapses.connect(i=pre, j=post)
    return [sources, synapses]


def _stretches(targets: np.ndarray) -> list[tuple[int, int]]:
    """Split sorted indices into inclusive (first, last) runs of consecutive values."""
    breaks = np.flatnonzero(np.diff(targets) != 1)
    firsts = np.r_[targets[0], targets[breaks + 1]]
    lasts = np.r_[targets[breaks], targets[-1]]
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


def _progress(label: str):
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
    """Simulate one grid point and return its spike trains.

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
        Brian2 code-generation target (default ``"cython"``).
    record_state : bool, optional
        Record ``v`` and ``g`` of every neuron at every step (default False;
        n_neurons x n_steps x 8 bytes: for small networks only).

    Returns
    -------
    trains : SpikeTrains
        All spikes, sorted by neuron then time.
    """
    n = connectivity.shape[0]
    targets = np.arange(n) if run.targets == "all" else np.asarray(run.targets, dtype=np.int64)
    if targets.size and (targets.min() < 0 or targets.max() >= n):
        raise ValueError(
            f"'targets' {run.targets} out of range for network {run.network!r} of {n} neurons."
        )
    brian2.prefs.codegen.target = codegen_target
    brian2.defaultclock.dt = dt
    brian2.seed(run.seed)
    neurons = _neurons(n, model)
    monitor = SpikeMonitor(neurons, name="spikes")
    objects = [neurons, monitor, *_drive(neurons, targets, run)]
    if connectivity.nnz:
        objects.append(_recurrent_synapses(neurons, connectivity, model))
    if record_state:
        state_monitor = StateMonitor(neurons, ["v", "g"], record=True, name="state")
        objects.append(state_monitor)
    network = Network(*objects)
    label = f"{run.network} {run.mode} seed {run.seed}"
    started = time.perf_counter()
    network.run(duration, namespace={}, report=_progress(label), report_period=10 * second)
    steps = np.round(np.asarray(monitor.t_) / float(dt)).astype(np.int32)
    neuron = np.asarray(monitor.i, dtype=np.int32)
    order = np.lexsort((steps, neuron))
    logger.info(
        "%s: %d spikes in %.2f s of wall time",
        label,
        len(steps),
        time.perf_counter() - started,
    )
    state = (
        {name: (getattr(state_monitor, name) / mV).astype(np.float32) for name in ("v", "g")}
        if record_state
        else None
    )
    return SpikeTrains(neuron[order], steps[order], n, float(dt), state)


def simulate_config(run_config: dict, connectivity: scipy.sparse.csr_array) -> SpikeTrains:
    """Simulate the run that a :meth:`~spikesweep.config.Study.run_config` dict describes."""
    targets = run_config["targets"]
    run = RunPoint(**run_config["point"], targets="all" if targets == "all" else tuple(targets))
    return simulate(
        connectivity,
        ModelParameters.from_config(run_config["model"]),
        run,
        duration=run_config["duration_ms"] * ms,
        dt=run_config["dt_ms"] * ms,
        codegen_target=run_config["codegen_target"],
        record_state=run_config["record_state"],
    )
