"""A study's configuration: semantic checks, units, and the runs it implies.

The YAML config holds plain numbers whose units are in the key names and in
``config/schema.yaml``; they stay plain numbers here (no Brian2 import, so that
the workflow and batch jobs start fast) and become Brian2 quantities in
:mod:`spikesweep.simulate`. Structural checks (types, unknown keys, defaults) are done by the
JSON schema before :func:`load_study` sees the config; here we check what a
schema cannot express and expand the sweeps into one :class:`RunPoint` per
simulation.
"""

import hashlib
import itertools
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "COMPILED_AXES",
    "DRIVE_AXES",
    "EXECUTION_KEYS",
    "INPUT_MODES",
    "LESIONED_SUFFIX",
    "NAME_PATTERN",
    "ConfigError",
    "RunPoint",
    "Study",
    "config_hash",
    "format_value",
    "load_study",
    "results_config",
    "run_values",
]

logger = logging.getLogger(__name__)

#: The input modes of the contract (section 3), in their canonical order, and
#: ``poisson_count`` (ours: see :mod:`spikesweep.simulate`).
INPUT_MODES = ("poisson_input", "per_neuron", "poisson_group", "shared_source", "poisson_count")

#: Drive axes that each input mode compiles into Brian2's generated code (a new
#: program per value with cpp_standalone); the other axes and the seed are set
#: per run.
COMPILED_AXES = {
    "poisson_input": ("rate_hz", "n_sources"),
    "per_neuron": ("rate_hz", "n_sources"),
    "poisson_group": ("n_sources",),
    "shared_source": ("n_sources",),
    "poisson_count": (),
}

#: Suffix of the lesion-control twin of a network (negative weights removed).
LESIONED_SUFFIX = "-lesioned"

#: Study and network names: they become path components, so no separators or dots.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]+$")

#: The drive of a run: the grid axes of sweeps (Hz, count, mV).
DRIVE_AXES = ("rate_hz", "n_sources", "weight_mV")


#: Config keys that change how a study runs, never its results: left out of the
#: provenance of datasets (see :func:`results_config`).
EXECUTION_KEYS = ("batch_size",)


class ConfigError(ValueError):
    """A config value that is well-typed but makes no sense (names the key)."""


def format_value(value) -> str:
    """Format a grid value for a path: shortest exact decimal, no trailing zeros.

    Examples
    --------
    >>> format_value(150.0), format_value(68.75), format_value(3)
    ('150', '68.75', '3')
    """
    return np.format_float_positional(float(value), trim="-")


def results_config(config: dict) -> dict:
    """``config`` without :data:`EXECUTION_KEYS`: what a study's results depend on."""
    return {key: value for key, value in config.items() if key not in EXECUTION_KEYS}


def config_hash(config: dict) -> str:
    """SHA-256 of the canonical JSON of ``config`` (sorted keys, no spaces)."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, order=True)
class RunPoint:
    """One simulation: a network, an input mode, a drive and a seed.

    ``targets`` (the driven neurons: ``"all"`` or a tuple of indices) is carried
    along but is not part of the run's identity, which is its output path.
    """

    network: str
    mode: str
    rate_hz: float
    n_sources: int
    weight_mV: float
    seed: int
    targets: str | tuple[int, ...] = field(default="all", compare=False)

    @property
    def wildcards(self) -> dict[str, str]:
        """The run's path components, as Snakemake wildcards."""
        return {
            "network": self.network,
            "mode": self.mode,
            "rate_hz": format_value(self.rate_hz),
            "n_sources": str(self.n_sources),
            "weight_mV": format_value(self.weight_mV),
            "seed": str(self.seed),
        }

    def coords(self) -> dict:
        """The grid coordinates of this run (no targets), JSON-able."""
        return {k: v for k, v in asdict(self).items() if k != "targets"}

    @classmethod
    def from_run_config(cls, run_config: dict) -> "RunPoint":
        """The run a :meth:`Study.run_config` dict describes."""
        targets = run_config["targets"]
        return cls(**run_config["point"], targets="all" if targets == "all" else tuple(targets))


def run_values(run: RunPoint) -> dict[str, float]:
    """The drive values of ``run`` that are set per run, not compiled in (SI units: V, Hz).

    Keys are ``"object.variable"`` names of the Brian2 objects that
    :func:`spikesweep.simulate.build_simulation` creates (as cpp_standalone's
    ``run_args`` take them). With the seed, they are all that distinguishes
    the runs of one structure: the axes of ``COMPILED_AXES[run.mode]`` are
    compiled in.
    """
    values = {"neurons.drive_weight": run.weight_mV * 1e-3}
    if run.mode in ("poisson_group", "shared_source"):
        values["sources.rates"] = run.rate_hz
    if run.mode == "poisson_count":
        values["neurons.drive_rate"] = run.n_sources * run.rate_hz
    return values


@dataclass(frozen=True)
class Study:
    """A validated study: its settings and the runs its sweeps expand to."""

    name: str
    duration_ms: float
    dt_ms: float
    codegen_target: str
    batch_size: int
    model: dict
    networks: dict
    runs: tuple[RunPoint, ...]
    state_networks: frozenset[str] = frozenset()

    def run_config(self, run: RunPoint) -> dict:
        """Everything a simulation depends on, as a JSON-able dict.

        This dict is the simulate rule's parameter, is stored as the run file's
        ``config`` attribute, and its :func:`config_hash` identifies the run.
        """
        return {
            "duration_ms": self.duration_ms,
            "dt_ms": self.dt_ms,
            "codegen_target": self.codegen_target,
            "model": self.model,
            "network": {"name": run.network, "source": self.networks[run.network]},
            "point": run.coords(),
            "targets": list(run.targets) if run.targets != "all" else "all",
            "record_state": run.network in self.state_networks,
        }


def _network_size(source: dict, flywire_ids: np.ndarray | None) -> int | None:
    """Number of neurons of a network source, where known without reading its connectivity."""
    if "lesion_of" in source:
        return _network_size(source["lesion_of"], flywire_ids)
    if "matrix" in source:
        return len(source["matrix"])
    if "random" in source:
        return source["random"]["n"]
    return None if flywire_ids is None else len(flywire_ids)


def _flywire_ids(name: str, source: dict, config_dir: Path) -> np.ndarray | None:
    """FlyWire ids of a ``flywire`` network; None for other sources.

    Reads the neurons CSV only (seconds at most), so that targets and silenced
    neurons given by FlyWire id are checked before anything runs.
    """
    if "flywire" not in source:
        return None
    from spikesweep import flywire  # pandas and pyarrow: only for FlyWire studies

    spec = source["flywire"]
    for role in ("neurons", "connectivity"):
        if not (config_dir / spec[role]).is_file():
            raise ConfigError(
                f"'networks.{name}.flywire.{role}': no such file {str(config_dir / spec[role])!r}."
            )
    ids = flywire.read_neuron_ids(config_dir / spec["neurons"])
    flywire.flywire_indices(spec.get("silenced", []), ids, f"'networks.{name}.flywire.silenced'")
    return ids


def _check_network(name: str, source: dict, config_dir: Path) -> None:
    key = f"networks.{name}"
    if not NAME_PATTERN.match(name):
        raise ConfigError(
            f"'{key}': network names may hold only letters, digits, '-' and '_' "
            f"(they become file names), got {name!r}."
        )
    kinds = sorted(set(source) & {"matrix", "random", "file", "flywire"})
    if len(kinds) != 1:
        raise ConfigError(
            f"'{key}' must have exactly one source (matrix, random, file or flywire), "
            f"got {kinds or 'none'}."
        )
    if "matrix" in source:
        rows = source["matrix"]
        if any(len(row) != len(rows) for row in rows):
            raise ConfigError(
                f"'{key}.matrix' must be square (n rows of n weights), got row lengths "
                f"{[len(row) for row in rows]}."
            )
    if "random" in source:
        low, high = source["random"]["weights"]
        if low > high:
            raise ConfigError(f"'{key}.random.weights' must be [low, high], got {[low, high]}.")
        if low == high == 0:
            raise ConfigError(f"'{key}.random.weights' must include a non-zero weight.")
    if "file" in source:
        path = config_dir / source["file"]
        if not path.is_file():
            raise ConfigError(f"'{key}.file': no such file {str(path)!r}.")


def _sweep_points(name: str, sweep: dict) -> list[tuple[float, int, float]]:
    key = f"sweeps.{name}"
    if ("points" in sweep) == ("grid" in sweep):
        raise ConfigError(f"'{key}' must have exactly one of 'points' or 'grid'.")
    if "grid" in sweep:
        grid = sweep["grid"]
        for axis in DRIVE_AXES:
            values = grid[axis]
            if len(set(values)) != len(values):
                raise ConfigError(f"'{key}.grid.{axis}' has duplicate values: {values}.")
        points = list(itertools.product(*(grid[axis] for axis in DRIVE_AXES)))
    else:
        points = [tuple(point[axis] for axis in DRIVE_AXES) for point in sweep["points"]]
        if len(set(points)) != len(points):
            raise ConfigError(f"'{key}.points' lists the same point twice.")
    return [(float(rate), int(n), float(weight)) for rate, n, weight in points]


def _lesioned_sweeps(config: dict) -> set[str]:
    """Names of the sweeps whose runs get a lesion-control twin."""
    lesion = config["controls"]["lesion_inhibition"]
    if lesion is True or lesion is False:
        return set(config["sweeps"]) if lesion else set()
    unknown = sorted(set(lesion) - set(config["sweeps"]))
    if unknown:
        raise ConfigError(
            f"'controls.lesion_inhibition' names unknown sweeps {unknown}; "
            f"defined under 'sweeps': {sorted(config['sweeps'])}."
        )
    return set(lesion)


def _targets(
    name: str, sweep: dict, network: str, size: int | None, flywire_ids: np.ndarray | None
) -> str | tuple[int, ...]:
    """The sorted neuron indices a sweep drives in ``network`` (or ``"all"``).

    Targets are FlyWire ids for ``flywire`` networks, neuron indices otherwise.
    """
    targets = sweep.get("targets", "all")
    if targets == "all":
        return "all"
    key = f"sweeps.{name}.targets"
    if len(set(targets)) != len(targets):
        raise ConfigError(f"'{key}' lists a neuron twice: {targets}.")
    if flywire_ids is not None:
        from spikesweep import flywire

        what = f"'{key}' (FlyWire ids, as network {network!r} is a flywire network)"
        return tuple(sorted(flywire.flywire_indices(targets, flywire_ids, what).tolist()))
    bad = [i for i in targets if size is not None and not 0 <= i < size]
    if bad:
        raise ConfigError(
            f"'{key}': neuron indices {bad} are out of range for network "
            f"{network!r} of {size} neurons (valid: 0 to {size - 1})."
        )
    return tuple(sorted(targets))


def load_study(config: dict, config_dir: str | Path = ".") -> Study:
    """Check a schema-validated config and expand its sweeps into runs.

    Parameters
    ----------
    config : dict
        The config, already validated (and completed with defaults) against
        ``config/schema.yaml``.
    config_dir : str or Path, optional
        Directory that relative network file paths are resolved against
        (default: the working directory, as Snakemake does).

    Returns
    -------
    study : Study
        With ``runs`` sorted by network, mode, rate, sources, weight and seed.

    Raises
    ------
    ConfigError
        Naming the key and the value at fault.
    """
    name = config["study"]
    if not NAME_PATTERN.match(name):
        raise ConfigError(
            f"'study' may hold only letters, digits, '-' and '_' (it names the results "
            f"folder), got {name!r}."
        )
    duration_steps = config["duration_ms"] / config["dt_ms"]
    if not np.isclose(duration_steps, round(duration_steps), rtol=0, atol=1e-9):
        raise ConfigError(
            f"'dt_ms' ({config['dt_ms']}) must divide 'duration_ms' ({config['duration_ms']}) "
            "into a whole number of steps."
        )
    networks = dict(config["networks"])
    for network, source in networks.items():
        _check_network(network, source, Path(config_dir))
    lesioned_sweeps = _lesioned_sweeps(config)
    for sweep_name in sorted(lesioned_sweeps):
        for network in config["sweeps"][sweep_name]["networks"]:
            twin = network + LESIONED_SUFFIX
            if twin in config["networks"]:
                raise ConfigError(
                    f"'networks.{twin}': the name is taken by the lesion control of "
                    f"{network!r} ('controls.lesion_inhibition'); rename the network."
                )
            if network in config["networks"]:
                networks[twin] = {"lesion_of": config["networks"][network]}
    flywire_ids = {
        network: _flywire_ids(network, source, Path(config_dir))
        for network, source in config["networks"].items()
    }
    flywire_ids.update(  # a lesion control has its network's neurons
        {
            network: flywire_ids[network.removesuffix(LESIONED_SUFFIX)]
            for network in networks.keys() - flywire_ids.keys()
        }
    )
    sizes = {
        network: _network_size(source, flywire_ids[network]) for network, source in networks.items()
    }

    runs: dict[RunPoint, tuple[str, RunPoint]] = {}
    for sweep_name, sweep in config["sweeps"].items():
        unknown = [n for n in sweep["networks"] if n not in networks]
        if unknown:
            raise ConfigError(
                f"'sweeps.{sweep_name}.networks' names unknown networks {unknown}; "
                f"defined under 'networks': {sorted(networks)}."
            )
        targets = {
            network: _targets(sweep_name, sweep, network, sizes[network], flywire_ids[network])
            for network in sweep["networks"]
        }
        seeds = sweep.get("seeds", config["seeds"])
        if len(set(seeds)) != len(seeds):
            raise ConfigError(f"seeds of sweep {sweep_name!r} list a seed twice: {seeds}.")
        for network, mode, (rate, n, weight), seed in itertools.product(
            sweep["networks"], sweep["modes"], _sweep_points(sweep_name, sweep), seeds
        ):
            twins = [network + LESIONED_SUFFIX] if sweep_name in lesioned_sweeps else []
            for simulated in [network, *twins]:
                run = RunPoint(simulated, mode, rate, n, weight, seed, targets[network])
                previous_sweep, previous_run = runs.setdefault(run, (sweep_name, run))
                if previous_run.targets != run.targets:
                    raise ConfigError(
                        f"sweeps {previous_sweep!r} and {sweep_name!r} both run "
                        f"{run.wildcards} with different 'targets'; give them distinct points "
                        "or the same targets."
                    )
    limit = config["record_state_max_neurons"]
    state_networks = frozenset(
        network for network, size in sizes.items() if size is not None and size <= limit
    )
    return Study(
        name=name,
        duration_ms=float(config["duration_ms"]),
        dt_ms=float(config["dt_ms"]),
        codegen_target=config["codegen_target"],
        batch_size=config["batch_size"],
        model=dict(config["model"]),
        networks=networks,
        runs=tuple(sorted(runs)),
        state_networks=state_networks,
    )
