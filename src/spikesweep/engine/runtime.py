"""Brian2's runtime targets (cython, numpy): a run simulated in the calling process."""

import logging
import resource
import time

import brian2
import scipy.sparse
from brian2 import check_units, ms, second

from spikesweep.engine import RunCost
from spikesweep.model import ModelParameters, create_simulation
from spikesweep.spikes import STATE_VARIABLES, SpikeTrains
from spikesweep.study.runs import Run

__all__ = ["run_in_process", "simulate"]

logger = logging.getLogger(__name__)


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
    run: Run,
    duration,
    dt,
    codegen_target: str = "cython",
    record_state: bool = False,
) -> SpikeTrains:
    """Simulate one run with Brian2's runtime and return its spike trains.

    Parameters
    ----------
    connectivity : csr_array, shape (n, n)
        Weights ``[pre, post]`` in multiples of ``model.weight_per_synapse``.
    model : ModelParameters
        Neuron and synapse parameters.
    run : Run
        Input mode, grid point, seed and driven neurons.
    duration, dt : Quantity
        Simulated time and time step.
    codegen_target : {"cython", "numpy"}, optional
        Brian2 runtime code-generation target (default ``"cython"``); see
        :mod:`spikesweep.engine.standalone` for ``cpp_standalone``.
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
    simulation = create_simulation(connectivity, model, run, record_state)
    simulation.set_values(run)
    simulation.network.run(
        duration, namespace={}, report=_progress(run.label), report_period=10 * second
    )
    state = (
        {name: getattr(simulation.state, f"{name}_") for name in STATE_VARIABLES}
        if record_state
        else None
    )
    spikes = simulation.spikes
    return SpikeTrains.from_monitor(
        spikes.i, spikes.t_, connectivity.shape[0], float(dt), round(float(duration / dt)), state
    )


def run_in_process(connectivity: scipy.sparse.csr_array, run: Run) -> tuple[SpikeTrains, RunCost]:
    """Simulate ``run`` with its settings in this process: a :data:`~spikesweep.engine.Runner`
    once ``connectivity`` is bound."""
    started = time.perf_counter()
    trains = simulate(
        connectivity,
        ModelParameters.from_config(run.model),
        run,
        duration=run.duration_ms * ms,
        dt=run.dt_ms * ms,
        codegen_target=run.codegen_target,
        record_state=run.record_state,
    )
    # The batch process's peak so far: Brian2's runtime shares the process.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Brian2 keeps its run loop's time there (its own benchmarks read it).
    simulation_s = brian2.get_device()._last_run_time
    return trains, RunCost(time.perf_counter() - started, peak_mb, simulation_s)
