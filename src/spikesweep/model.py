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
    ``1 - rate * dt`` (1.5 % at 150 Hz and 0.1 ms); the tests show the rates
    to be statistically equivalent.

The drive weight (and the PoissonGroup rate, and poisson_count's rate) are
shared variables of the neurons, not constants, so that one compiled program
runs every value (:mod:`spikesweep.engine.standalone`);
:meth:`~spikesweep.study.runs.Run.run_values` lists them and
:meth:`Simulation.set_values` sets them.
"""

from dataclasses import dataclass

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
    ms,
    mV,
    second,
)

from spikesweep.study.axes import INPUT_MODES
from spikesweep.study.runs import Run

__all__ = ["EQUATIONS", "ModelParameters", "Simulation", "create_simulation"]

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


def _drive(neurons, targets: np.ndarray, run: Run) -> list:
    """The Brian2 objects that deliver the run's Poisson input to ``targets``.

    Only the axes of ``COMPILED_AXES[run.mode]`` are used here; the others are
    variables that :meth:`Simulation.set_values` sets.
    """
    n, rate_hz = run.grid_point["n_sources"], run.grid_point["rate_hz"]
    if run.mode == "poisson_input":
        # One PoissonInput per stretch of consecutive targets: a single one when
        # the targets are contiguous (``targets: all``).
        return [
            PoissonInput(
                neurons[a : b + 1], "v", N=n, rate=rate_hz * Hz, weight="drive_weight", order=k
            )
            for k, (a, b) in enumerate(_stretches(targets))
        ]
    if run.mode == "per_neuron":
        return [
            PoissonInput(
                neurons[i : i + 1], "v", N=n, rate=rate_hz * Hz, weight="drive_weight", order=k
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

    def set_values(self, run: Run) -> None:
        """Set the run's :meth:`~spikesweep.study.runs.Run.run_values` (given in SI units)."""
        for key, value in run.run_values().items():
            owner, variable = key.split(".")
            setattr(self.network[owner], f"{variable}_", value)  # "v_": without units


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
    connectivity: scipy.sparse.csr_array,
    model: ModelParameters,
    run: Run,
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
