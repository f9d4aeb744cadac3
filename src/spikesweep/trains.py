"""The spike trains of one run, as simulations return them (NumPy only)."""

from dataclasses import dataclass

import numpy as np

__all__ = ["SpikeTrains"]


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

    @classmethod
    def from_monitor(
        cls, neuron, time_s, n_neurons: int, dt_s: float, state: dict | None = None
    ) -> "SpikeTrains":
        """Sort a spike monitor's record (neuron indices, times in s) by neuron, then time."""
        steps = np.round(np.asarray(time_s) / dt_s).astype(np.int32)
        neuron = np.asarray(neuron, dtype=np.int32)
        order = np.lexsort((steps, neuron))
        return cls(neuron[order], steps[order], n_neurons, dt_s, state)

    @property
    def counts(self) -> np.ndarray:
        """Spikes per neuron, shape (n_neurons,)."""
        return np.bincount(self.neuron, minlength=self.n_neurons).astype(np.int32)
