"""Analytic predictions for Poisson-driven LIF neurons.

Brian2 marks ``v`` and ``g`` ``(unless refractory)``, which makes every write to
them, ``PoissonInput``'s and ``Synapses``' included, conditional on
``not_refractory``: input that arrives while a neuron is refractory is lost, not
postponed. With weights that cross threshold in one event, a driven neuron is
therefore a Poisson process with dead time, on Brian2's time grid.
"""

from brian2 import check_units, second
from brian2.core.functions import timestep

__all__ = ["suprathreshold_rate"]


@check_units(rate=1 / second, dt=second, refractory=second, result=1 / second)
def suprathreshold_rate(rate, n_sources, dt, refractory):
    """Output rate of a neuron whose every input event fires it, unless refractory.

    Parameters
    ----------
    rate : Quantity
        Rate of each of the ``n_sources`` Poisson sources.
    n_sources : int
        Number of sources (``PoissonInput``'s ``N``).
    dt : Quantity
        Simulation time step.
    refractory : Quantity
        Refractory period.

    Returns
    -------
    rate_out : Quantity
        Expected output rate, ``1 / (dt * (n_ref + 1 / p))``.

    Notes
    -----
    Per time step the neuron receives at least one event with probability
    ``p = 1 - (1 - rate * dt) ** n_sources`` (``PoissonInput`` draws a binomial
    per step). After a spike at step ``s`` the neuron is refractory until step
    ``s + n_ref`` with ``n_ref = timestep(refractory, dt)`` (Brian2's rule: the period
    in whole steps, truncated); from then on the first
    step with an event raises ``v`` above threshold in the synapses slot, and the
    spike is detected at the next step's threshold. The inter-spike interval is
    thus ``n_ref`` plus a geometric number of steps of mean ``1 / p``. For small
    ``rate * dt`` this is the continuous dead-time result
    ``n_sources * rate / (1 + n_sources * rate * refractory)``; at the forum's
    drive (150 Hz, N = 1, 2.2 ms) both give 112.8 Hz.
    """
    p = 1 - (1 - float(rate * dt)) ** n_sources
    n_ref = timestep(float(refractory), float(dt))
    return 1 / (float(dt) * (n_ref + 1 / p)) / second
