"""The forum's Brian2 formulation of a run: the reference that spikesweep's model must match.

Everything is compiled in, as a user would write it: the model parameters as
constants, ``PoissonInput(N, rate)`` on the driven neurons (one per stretch of
consecutive indices, a subgroup being a slice), the weights as volts.

The drive weight is given as a string (``"0.115*mV"``): a ``Quantity`` weight
reaches Brian2's code through its repr in the best unit (``115. * uvolt``),
which is 1.15e-4 V rounded twice, one ulp from ``0.115 * mV``.
"""

import brian2
import numpy as np
from brian2 import Hz, Network, NeuronGroup, PoissonInput, SpikeMonitor, Synapses, ms, mV

from spikesweep.engine.standalone import COMPILE_FLAGS
from spikesweep.model import EQUATIONS, FLOAT_DTYPES
from spikesweep.study import Run


def _stretches(targets: np.ndarray) -> list[tuple[int, int]]:
    """Sorted indices as inclusive (first, last) runs of consecutive values."""
    breaks = np.flatnonzero(np.diff(targets) != 1)
    firsts = np.r_[targets[0], targets[breaks + 1]]
    lasts = np.r_[targets[breaks], targets[-1]]
    return list(zip(firsts.tolist(), lasts.tolist(), strict=True))


def reference_network(connectivity, run: Run) -> tuple[Network, SpikeMonitor]:
    """The forum's objects for ``run`` (modes ``poisson_input`` and ``per_neuron``)."""
    point = run.grid_point
    n = connectivity.shape[0]
    targets = np.arange(n) if run.targets is None else np.asarray(run.targets)
    refractory = point["refractory_ms"] * ms
    if point["driven_refractory_ms"] != point["refractory_ms"]:  # Shiu et al.'s "rfc"
        periods = np.full(n, point["refractory_ms"])
        periods[targets] = point["driven_refractory_ms"]
        refractory = "rfc"
    neurons = NeuronGroup(
        n,
        EQUATIONS + ("rfc : second (constant)" if refractory == "rfc" else ""),
        threshold="v > v_th",
        reset="v = v_reset; g = 0*mV",
        refractory=refractory,
        method="linear",
        namespace={
            "v_rest": point["v_rest_mV"] * mV,
            "v_reset": point["v_reset_mV"] * mV,
            "v_th": point["v_th_mV"] * mV,
            "tau_m": point["tau_m_ms"] * ms,
            "tau_syn": point["tau_syn_ms"] * ms,
        },
    )
    neurons.v = point["v_rest_mV"] * mV
    if refractory == "rfc":
        neurons.rfc = periods * ms
    rate, weight = point["rate_hz"] * Hz, f"{point['weight_mV']!r}*mV"
    groups = (
        [neurons[a : b + 1] for a, b in _stretches(targets)]
        if run.mode == "poisson_input"
        else [neurons[i : i + 1] for i in targets]
    )
    inputs = [
        PoissonInput(group, "v", N=point["n_sources"], rate=rate, weight=weight, order=k)
        for k, group in enumerate(groups)
    ]
    objects = [neurons, *inputs]
    if connectivity.nnz:
        coo = connectivity.tocoo()
        synapses = Synapses(
            neurons, neurons, "w : volt", on_pre="g += w", delay=point["delay_ms"] * ms
        )
        synapses.connect(i=coo.row, j=coo.col)
        synapses.w = coo.data * (point["weight_per_synapse_mV"] * mV)
        objects.append(synapses)
    spikes = SpikeMonitor(neurons)
    return Network(*objects, spikes), spikes


def reference_spikes(connectivity, run: Run, directory=None) -> tuple[np.ndarray, ...]:
    """Neuron indices and time steps of the reference's spikes, sorted by neuron then
    step, and every neuron's final ``v`` (V).

    With ``directory``, on cpp_standalone (call in a fresh process), else on Cython.
    """
    if directory is None:
        brian2.prefs.codegen.target = "cython"
    else:
        brian2.set_device("cpp_standalone", directory=str(directory))
    brian2.prefs.codegen.cpp.extra_compile_args_gcc = COMPILE_FLAGS
    brian2.prefs.core.default_float_dtype = FLOAT_DTYPES[run.precision]
    brian2.defaultclock.dt = run.dt_ms * ms
    brian2.seed(run.seed)
    network, spikes = reference_network(connectivity, run)
    network.run(run.duration_ms * ms, namespace={})
    steps = np.round(spikes.t_[:] / (run.dt_ms * 1e-3)).astype(np.int64)
    neuron = np.asarray(spikes.i[:], dtype=np.int64)
    order = np.lexsort((steps, neuron))
    return neuron[order], steps[order], spikes.source.v_[:]
