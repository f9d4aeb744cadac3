"""One simulation, from config to engine: :class:`Run`, and the hash that identifies it."""

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from spikesweep.study.axes import AXIS_NAMES, COMPILED_AXES, GRID_AXES

__all__ = ["PROGRAM_REVISION", "Run", "binomial_values", "config_hash"]


def config_hash(config: dict) -> str:
    """SHA-256 of the canonical JSON of ``config`` (sorted keys, no spaces)."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _literal(value: float) -> float:
    """``value`` as Brian2 writes it into generated code (``%.15f``), read back."""
    return float(f"{value:.15f}")


#: Revision of the program that :mod:`spikesweep.model` generates for a structure, part
#: of :meth:`Run.structure`: raised whenever the generated code or its run values change,
#: so that a study's programs built by an earlier spikesweep are rebuilt, not reused.
PROGRAM_REVISION = 3


def binomial_values(n: int, p: float) -> dict:
    """The constants that Brian2's ``BinomialFunction(n, p)`` compiles into its C++ code.

    Brian2 samples ``B(n, p)`` by inversion (NumPy's ``rk_binomial_inversion``,
    on ``1 - p`` when ``p > 0.5``), or, when ``n p > 5`` and ``n (1 - p) > 5``,
    by the normal approximation ``randn() * scale + loc`` rounded to float32.
    It computes the constants in Python and writes each with 15 decimals into
    the code; here they are computed the same way and rounded the same way, so
    that :data:`spikesweep.model` draws, from run-time values, exactly the
    counts of Brian2's compiled ones. (Brian2's Cython code uses ``p`` where
    its C++ uses ``1 - p`` when ``p > 0.5``; both here follow the C++.)

    Returns
    -------
    dict
        ``n``, ``normal``, then ``loc``, ``scale`` (normal) or ``p``, ``q``,
        ``qn``, ``bound``, ``reverse`` (inversion); the others 0.
    """
    values = dict.fromkeys(("loc", "scale", "p", "q", "qn", "bound"), 0.0)
    values.update(n=int(n), normal=bool(n * p > 5 and n * (1 - p) > 5), reverse=False)
    if values["normal"]:
        values["loc"] = _literal(n * p)
        values["scale"] = _literal(np.sqrt(n * p * (1 - p)))
        return values
    reverse = p > 0.5
    p_drawn = 1.0 - p if reverse else p
    q = 1.0 - p_drawn
    values.update(
        p=_literal(p_drawn),
        q=_literal(q),
        qn=_literal(np.exp(n * np.log(q))),
        bound=_literal(min(n, n * p_drawn + 10.0 * np.sqrt(n * p_drawn * q + 1))),
        reverse=bool(reverse),
    )
    return values


@dataclass(frozen=True, order=True)
class Run:
    """One simulation: a network, an input mode, a grid point and a seed, with its settings.

    A run's identity (equality, order, hash) is its coordinates; the settings
    are what every run of a study shares. :meth:`to_json` is the run's form at
    the Snakemake boundary and in its file's provenance; its
    :func:`config_hash` identifies the run's data.

    Attributes
    ----------
    network, mode : str
        Network name and input mode.
    point : tuple
        Values of :data:`~spikesweep.study.axes.GRID_AXES`, in their order.
    seed : int
        Seed of Brian2's random numbers.
    targets : tuple of int or None
        Sorted indices of the driven neurons (the set named by the point's
        ``targets``); None drives every neuron.
    silenced : tuple of int
        Sorted indices of the silenced neurons (the set named by the point's
        ``silenced``): their outgoing synapses transmit nothing.
    silenced_synapses : {"outgoing", "all"}
        With ``all``, their incoming synapses transmit nothing either.
    duration_ms, dt_ms : float
        Simulated time and time step.
    codegen_target : str
        Brian2's code-generation target.
    source : dict
        The network's config source.
    record_state : bool
        Whether ``v`` and ``g`` of every neuron are recorded at every step.
    precision : {"double", "single"}
        Floating-point type of the simulation's variables (float64 or float32).
    """

    network: str
    mode: str
    point: tuple
    seed: int
    targets: tuple[int, ...] | None = field(default=None, compare=False)
    silenced: tuple[int, ...] = field(default=(), compare=False)
    silenced_synapses: str = field(default="outgoing", compare=False)
    duration_ms: float = field(default=1000.0, compare=False)
    dt_ms: float = field(default=0.1, compare=False)
    codegen_target: str = field(default="cpp_standalone", compare=False)
    source: dict = field(default_factory=dict, compare=False, repr=False)
    record_state: bool = field(default=False, compare=False)
    precision: str = field(default="double", compare=False)

    @property
    def coords(self) -> dict:
        """Network, mode, each grid axis and seed of the run (JSON-able values)."""
        return {
            "network": self.network,
            "mode": self.mode,
            **dict(zip(AXIS_NAMES, self.point, strict=True)),
            "seed": self.seed,
        }

    @property
    def grid_point(self) -> dict:
        """The run's value of each grid axis."""
        return dict(zip(AXIS_NAMES, self.point, strict=True))

    @property
    def wildcards(self) -> dict[str, str]:
        """The run's path components, as Snakemake wildcards."""
        return {
            "network": self.network,
            "mode": self.mode,
            **{axis.name: axis.format(v) for axis, v in zip(GRID_AXES, self.point, strict=True)},
            "seed": str(self.seed),
        }

    def driven_mask(self, n_neurons: int) -> np.ndarray:
        """Whether each of the network's ``n_neurons`` neurons is driven: shape (n_neurons,)."""
        driven = np.zeros(n_neurons, dtype=bool)
        driven[slice(None) if self.targets is None else list(self.targets)] = True
        return driven

    def run_values(self, n_neurons: int) -> dict:
        """The values a compiled program takes per run (SI units: V, s, Hz).

        Keys are ``"object.variable"`` names of the Brian2 objects that
        :func:`spikesweep.model.create_simulation` creates (as cpp_standalone's
        ``run_args`` take them); values are numbers, or arrays of one value per
        neuron. With the seed, they are all that distinguishes the runs of one
        structure.
        """
        point = self.grid_point
        driven = self.driven_mask(n_neurons)
        intact = np.ones(n_neurons, dtype=bool)
        intact[list(self.silenced)] = False
        refractory_s = np.where(
            driven, point["driven_refractory_ms"] * 1e-3, point["refractory_ms"] * 1e-3
        )
        # Brian2's timestep(refractory, dt): (t + 1e-3 dt) / dt truncated, dt = dt_ms * ms
        dt_s = self.dt_ms * 1e-3
        refractory_steps = ((refractory_s + 1e-3 * dt_s) / dt_s).astype(np.int32)
        values = {
            "neurons.v": point["v_rest_mV"] * 1e-3,  # the initial potential
            **{
                f"neurons.{name}": point[f"{name}_mV"] * 1e-3
                for name in ("v_rest", "v_reset", "v_th")
            },
            **{f"neurons.{name}": point[f"{name}_ms"] * 1e-3 for name in ("tau_m", "tau_syn")},
            "neurons.refractory_steps": refractory_steps,
            "neurons.driven": driven,
            "neurons.transmits": intact,
            "neurons.receives": intact if self.silenced_synapses == "all" else np.ones_like(intact),
            "neurons.drive_weight": point["weight_mV"] * 1e-3,
            "recurrent.weight_per_synapse": point["weight_per_synapse_mV"] * 1e-3,
            "recurrent._pre_delay": point["delay_ms"] * 1e-3,
        }
        if self.mode in ("poisson_input", "per_neuron"):
            # p as Brian2 computes it: rate * dt, with dt = dt_ms * ms
            p = point["rate_hz"] * (self.dt_ms * 1e-3)
            binomial = binomial_values(point["n_sources"], p)
            values.update({f"neurons.drive_{key}": value for key, value in binomial.items()})
        else:
            values["sources.rates"] = point["rate_hz"]
        return values

    def to_json(self) -> dict:
        """Everything the simulation depends on, as a JSON-able dict."""
        return {
            "duration_ms": self.duration_ms,
            "dt_ms": self.dt_ms,
            "codegen_target": self.codegen_target,
            "network": {"name": self.network, "source": self.source},
            "point": self.coords,
            "targets": "all" if self.targets is None else list(self.targets),
            "silenced": list(self.silenced),
            "silenced_synapses": self.silenced_synapses,
            "record_state": self.record_state,
            "precision": self.precision,
        }

    @classmethod
    def from_json(cls, config: dict) -> "Run":
        """The run that :meth:`to_json` wrote."""
        coords = config["point"]
        targets = config["targets"]
        return cls(
            network=coords["network"],
            mode=coords["mode"],
            point=tuple(axis.dtype(coords[axis.name]) for axis in GRID_AXES),
            seed=int(coords["seed"]),
            targets=None if targets == "all" else tuple(targets),
            silenced=tuple(config["silenced"]),
            silenced_synapses=config["silenced_synapses"],
            duration_ms=config["duration_ms"],
            dt_ms=config["dt_ms"],
            codegen_target=config["codegen_target"],
            source=config["network"]["source"],
            record_state=config["record_state"],
            precision=config["precision"],
        )

    def structure(self) -> dict:
        """The part of :meth:`to_json` that is compiled into a program.

        The network, duration, time step, precision, recorded state and input mode, what
        the mode compiles in (:data:`~spikesweep.study.axes.COMPILED_AXES`) and
        :data:`PROGRAM_REVISION`: runs with the same structure share one
        cpp_standalone program.
        """
        compiled = COMPILED_AXES[self.mode]
        point = {axis: value for axis, value in self.grid_point.items() if axis in compiled}
        structure = {
            **self.to_json(),
            "point": {"network": self.network, "mode": self.mode, **point},
            "program_revision": PROGRAM_REVISION,
        }
        if "targets" not in compiled:
            del structure["targets"]
        del structure["silenced"], structure["silenced_synapses"]
        return structure

    @property
    def structure_id(self) -> str:
        """A short name for the run's structure (12 hex digits of its hash)."""
        return config_hash(self.structure())[:12]

    @property
    def label(self) -> str:
        """The run in words, for log lines."""
        point = " ".join(
            f"{axis.name}={axis.format(value)}"
            for axis, value in zip(GRID_AXES, self.point, strict=True)
        )
        return f"{self.network} {self.mode} {point} seed {self.seed}"
