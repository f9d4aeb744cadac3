"""Brian2's runtime (Cython): a run simulated in the calling process."""

import logging
import resource
import time

import brian2
import scipy.sparse
from brian2 import ms, second

from spikesweep.engine import RunCost
from spikesweep.engine.standalone import COMPILE_FLAGS
from spikesweep.model import create_simulation
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


def simulate(connectivity: scipy.sparse.csr_array, run: Run) -> SpikeTrains:
    """Simulate one run with Brian2's runtime (its ``codegen_target``) and return its
    spike trains.

    Parameters
    ----------
    connectivity : csr_array, shape (n, n)
        Weights ``[pre, post]`` in multiples of the run's ``weight_per_synapse_mV``.
    run : Run
        Its network's input mode, grid point, seed, driven neurons, duration,
        time step and whether ``v`` and ``g`` are recorded (n_neurons x n_steps
        x 8 bytes: for small networks only).

    Returns
    -------
    trains : SpikeTrains
        All spikes, sorted by neuron then time.
    """
    brian2.prefs.codegen.target = run.codegen_target
    brian2.prefs.codegen.cpp.extra_compile_args_gcc = COMPILE_FLAGS
    brian2.defaultclock.dt = run.dt_ms * ms
    brian2.seed(run.seed)
    simulation = create_simulation(connectivity, run)
    simulation.set_values(run)
    simulation.connect_drive()
    simulation.network.run(
        run.duration_ms * ms,
        namespace={},
        report=_progress(run.label),
        report_period=10 * second,
    )
    state = (
        {name: getattr(simulation.state, f"{name}_") for name in STATE_VARIABLES}
        if run.record_state
        else None
    )
    spikes = simulation.spikes
    n_steps = round(run.duration_ms / run.dt_ms)
    return SpikeTrains.from_monitor(
        spikes.i, spikes.t_, connectivity.shape[0], run.dt_ms * 1e-3, n_steps, state
    )


def run_in_process(connectivity: scipy.sparse.csr_array, run: Run) -> tuple[SpikeTrains, RunCost]:
    """Simulate ``run`` in this process: a :data:`~spikesweep.engine.Runner` once
    ``connectivity`` is bound."""
    started = time.perf_counter()
    trains = simulate(connectivity, run)
    # The batch process's peak so far: Brian2's runtime shares the process.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Brian2 keeps its run loop's time there (its own benchmarks read it).
    simulation_s = brian2.get_device()._last_run_time
    return trains, RunCost(time.perf_counter() - started, peak_mb, simulation_s)
