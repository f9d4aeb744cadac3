"""One simulation, from config to engine: :class:`Run`, and the hash that identifies it."""

import hashlib
import json
from dataclasses import dataclass, field

from spikesweep.study.axes import AXIS_NAMES, COMPILED_AXES, GRID_AXES

__all__ = ["Run", "config_hash"]


def config_hash(config: dict) -> str:
    """SHA-256 of the canonical JSON of ``config`` (sorted keys, no spaces)."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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
        Sorted indices of the driven neurons; None drives every neuron.
    duration_ms, dt_ms : float
        Simulated time and time step.
    codegen_target : str
        Brian2's code-generation target.
    model : dict
        The config's ``model`` section (``*_mV``, ``*_ms`` keys).
    source : dict
        The network's config source.
    record_state : bool
        Whether ``v`` and ``g`` of every neuron are recorded at every step.
    """

    network: str
    mode: str
    point: tuple
    seed: int
    targets: tuple[int, ...] | None = field(default=None, compare=False)
    duration_ms: float = field(default=1000.0, compare=False)
    dt_ms: float = field(default=0.1, compare=False)
    codegen_target: str = field(default="cpp_standalone", compare=False)
    model: dict = field(default_factory=dict, compare=False, repr=False)
    source: dict = field(default_factory=dict, compare=False, repr=False)
    record_state: bool = field(default=False, compare=False)

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

    def run_values(self) -> dict[str, float]:
        """The grid values set per run, not compiled in (SI units: V, Hz).

        Keys are ``"object.variable"`` names of the Brian2 objects that
        :func:`spikesweep.model.create_simulation` creates (as cpp_standalone's
        ``run_args`` take them). With the seed, they are all that distinguishes
        the runs of one structure: the axes of ``COMPILED_AXES[mode]`` are
        compiled in.
        """
        point = self.grid_point
        values = {"neurons.drive_weight": point["weight_mV"] * 1e-3}
        if self.mode in ("poisson_group", "shared_source"):
            values["sources.rates"] = point["rate_hz"]
        if self.mode == "poisson_count":
            values["neurons.drive_rate"] = point["n_sources"] * point["rate_hz"]
        return values

    def to_json(self) -> dict:
        """Everything the simulation depends on, as a JSON-able dict."""
        return {
            "duration_ms": self.duration_ms,
            "dt_ms": self.dt_ms,
            "codegen_target": self.codegen_target,
            "model": self.model,
            "network": {"name": self.network, "source": self.source},
            "point": self.coords,
            "targets": "all" if self.targets is None else list(self.targets),
            "record_state": self.record_state,
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
            duration_ms=config["duration_ms"],
            dt_ms=config["dt_ms"],
            codegen_target=config["codegen_target"],
            model=config["model"],
            source=config["network"]["source"],
            record_state=config["record_state"],
        )

    def structure(self) -> dict:
        """The part of :meth:`to_json` that is compiled into a program.

        Everything but the seed and the grid axes the mode sets per run: runs
        with the same structure share one cpp_standalone program.
        """
        point = self.grid_point
        compiled = {axis: point[axis] for axis in COMPILED_AXES[self.mode]}
        return {
            **self.to_json(),
            "point": {"network": self.network, "mode": self.mode, **compiled},
        }

    @property
    def structure_id(self) -> str:
        """A short name for the run's structure (12 hex digits of its hash)."""
        return config_hash(self.structure())[:12]

    @property
    def label(self) -> str:
        """The run in words, for log lines."""
        point = " ".join(f"{name}={value:g}" for name, value in self.grid_point.items())
        return f"{self.network} {self.mode} {point} seed {self.seed}"
