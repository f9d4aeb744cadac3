"""A study's configuration: semantic checks, and the runs its sweeps expand to.

The YAML config holds plain numbers whose units are in the key names and in
``config/schema.yaml``; they stay plain numbers here (no Brian2 import, so that
the workflow and batch jobs start fast) and become Brian2 quantities in
:mod:`spikesweep.model`. Structural checks (types, unknown keys, defaults) are
done by the JSON schema before :func:`load_study` sees the config; here we
check what a schema cannot express and expand the sweeps into one
:class:`~spikesweep.study.runs.Run` per simulation.
"""

import itertools
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from spikesweep.errors import ConfigError, NetworkError
from spikesweep.networks import connectivity, flywire
from spikesweep.study.axes import (
    DRIVE_AXES,
    GRID_AXES,
    LESIONED_SUFFIX,
    NAME_PATTERN,
    NUMERIC_AXES,
    run_path,
)
from spikesweep.study.runs import Run

__all__ = ["EXECUTION_KEYS", "Study", "load_study", "results_config"]

#: Config keys that change how a study runs, never its results: left out of the
#: provenance of datasets (see :func:`results_config`).
EXECUTION_KEYS = ("batch_size",)


def results_config(config: dict) -> dict:
    """``config`` without :data:`EXECUTION_KEYS`: what a study's results depend on."""
    return {key: value for key, value in config.items() if key not in EXECUTION_KEYS}


@dataclass(frozen=True)
class Study:
    """A validated study: its settings and the runs its sweeps expand to.

    ``networks`` maps every simulated network (lesion controls included) to
    its config source; ``state_networks`` are those whose runs record state.
    """

    name: str
    codegen_target: str
    batch_size: int
    networks: dict
    runs: tuple[Run, ...]
    state_networks: frozenset[str] = frozenset()

    @cached_property
    def path_axes(self) -> tuple[str, ...]:
        """The grid axes of run paths: the drive axes, and every axis whose value varies."""
        return tuple(
            axis.name
            for index, axis in enumerate(GRID_AXES)
            if axis in DRIVE_AXES or len({run.point[index] for run in self.runs}) > 1
        )

    @cached_property
    def run_path(self) -> str:
        """The ``str.format`` pattern of run paths (:func:`~spikesweep.study.axes.run_path`)."""
        return run_path(self.path_axes)

    @cached_property
    def experiments(self) -> dict[tuple[str, str], Run]:
        """Every experiment (the runs of one network, mode and grid point, over seeds), by
        ``(network, name)``: its first run.

        The name is the driven set's, then ``silenced~{set}`` when neurons are silenced,
        then ``{axis}~{value}`` for the mode and each other axis that varies in the
        study, joined by ``__`` (``sugar__silenced~MN9``).
        """
        varying = [
            name
            for name in ("mode", *self.path_axes)
            if name not in ("targets", "silenced")
            and len({run.coords[name] for run in self.runs}) > 1
        ]
        experiments, seen = {}, set()
        for run in self.runs:  # sorted: an experiment's first run comes first
            if (run.network, run.mode, run.point) in seen:
                continue
            seen.add((run.network, run.mode, run.point))
            wildcards = run.wildcards
            parts = [run.grid_point["targets"]]
            if run.silenced:
                parts.append(f"silenced~{run.grid_point['silenced']}")
            parts += [f"{name}~{wildcards[name]}" for name in varying]
            experiments.setdefault((run.network, "__".join(parts)), run)
        return experiments

    @cached_property
    def screened(self) -> dict[tuple[str, str], Run]:
        """The experiments that drive neurons and have a baseline: an experiment at the
        same network, mode, silenced set and other axes whose driven set is empty."""
        baselines = {
            (run.network, run.mode, *run.point[1:])
            for run in self.experiments.values()
            if run.targets == ()
        }
        return {
            key: run
            for key, run in self.experiments.items()
            if run.targets != () and (run.network, run.mode, *run.point[1:]) in baselines
        }


def _network_size(source: dict, flywire_ids: np.ndarray | None, config_dir: Path) -> int | None:
    """Number of neurons of a network source, where known without reading its connectivity."""
    if "lesion_of" in source:
        return _network_size(source["lesion_of"], flywire_ids, config_dir)
    if "matrix" in source:
        return len(source["matrix"])
    if "random" in source:
        return source["random"]["n"]
    if "file" in source:
        return connectivity.file_size(config_dir / source["file"], source.get("n_neurons"))
    return None if flywire_ids is None else len(flywire_ids)


def _flywire_neurons(
    name: str, source: dict, config_dir: Path
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """FlyWire ids and cell types (None where the CSV has none) of a ``flywire``
    network; None, None for other sources.

    Reads the neurons CSV only (seconds at most), so that targets and silenced
    neurons given by FlyWire id or cell type are checked before anything runs.
    """
    if "flywire" not in source:
        return None, None
    spec = source["flywire"]
    for role in ("neurons", "connectivity"):
        if not (config_dir / spec[role]).is_file():
            raise ConfigError(
                f"'networks.{name}.flywire.{role}': no such file {str(config_dir / spec[role])!r}."
            )
    neurons = config_dir / spec["neurons"]
    return flywire.read_neuron_ids(neurons), flywire.read_cell_types(neurons)


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


def _sweep_points(name: str, sweep: dict, model: dict) -> list[tuple]:
    """The grid points of a sweep: tuples of the values of :data:`NUMERIC_AXES`.

    Model axes that the sweep does not give take their value from ``model``;
    ``driven_refractory_ms``, absent there too, is the point's ``refractory_ms``.
    """
    key = f"sweeps.{name}"
    if ("points" in sweep) == ("grid" in sweep):
        raise ConfigError(f"'{key}' must have exactly one of 'points' or 'grid'.")
    if "grid" in sweep:
        grid = sweep["grid"]
        for axis, values in grid.items():
            if len(set(values)) != len(values):
                raise ConfigError(f"'{key}.grid.{axis}' has duplicate values: {values}.")
        points = [
            dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())
        ]
    else:
        points = sweep["points"]
    completed = []
    for point in points:
        values = {**model, **point}
        values.setdefault("driven_refractory_ms", values["refractory_ms"])
        completed.append(tuple(axis.dtype(values[axis.name]) for axis in NUMERIC_AXES))
    if len(set(completed)) != len(completed):
        raise ConfigError(f"'{key}.points' lists the same point twice.")
    return completed


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


def _neuron_sets(
    name: str,
    sweep: dict,
    key: str,
    network: str,
    size: int | None,
    flywire_ids: np.ndarray | None,
    cell_types: np.ndarray | None,
) -> dict[str, tuple[int, ...] | None]:
    """A sweep's sets of neurons under ``key`` (``targets`` or ``silenced``) in
    ``network``: set name -> sorted neuron indices (None: every neuron).

    The value is ``all`` (driven sets only), a list (a set named after the
    sweep), or a mapping of set names to lists (or ``all``). Absent: every
    neuron driven (``all``), none silenced (``none``). Neurons are FlyWire ids
    for ``flywire`` networks, neuron indices otherwise; a string names every
    neuron of a cell type (``cell_types``, of the neurons CSV).
    """
    spec = sweep.get(key, "all" if key == "targets" else {"none": []})
    if spec == "all":
        return {"all": None}
    named = spec if isinstance(spec, dict) else {name: spec}
    sets = {}
    for set_name, members in named.items():
        where = f"sweeps.{name}.{key}" + (f".{set_name}" if isinstance(spec, dict) else "")
        if members == "all":
            sets[set_name] = None
            continue
        if len(set(members)) != len(members):
            raise ConfigError(f"'{where}' lists a neuron twice: {members}.")
        types = [member for member in members if isinstance(member, str)]
        members = [member for member in members if not isinstance(member, str)]
        if types and cell_types is None:
            raise ConfigError(
                f"'{where}': {types} are cell types, but network {network!r} has none: name "
                f"cell types in a flywire network whose neurons CSV has a "
                f"'{flywire.CELL_TYPE_COLUMN}' column, or list neurons."
            )
        indices = set()
        if types:
            indices.update(flywire.cell_type_indices(types, cell_types, f"'{where}'").tolist())
        if flywire_ids is not None:
            what = f"'{where}' (FlyWire ids, as network {network!r} is a flywire network)"
            members = flywire.flywire_indices(members, flywire_ids, what).tolist()
        bad = [i for i in members if size is not None and not 0 <= i < size]
        if bad:
            raise ConfigError(
                f"'{where}': neuron indices {bad} are out of range for network "
                f"{network!r} of {size} neurons (valid: 0 to {size - 1})."
            )
        if len(indices) + len(members) != len(indices | set(members)):
            raise ConfigError(f"'{where}' names a neuron twice (by id and by its cell type).")
        sets[set_name] = tuple(sorted(indices | set(members)))
    return sets


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
        With ``runs`` sorted by network, mode, grid point and seed.

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
    flywire_neurons = {
        network: _flywire_neurons(network, source, Path(config_dir))
        for network, source in config["networks"].items()
    }
    flywire_neurons.update(  # a lesion control has its network's neurons
        {
            network: flywire_neurons[network.removesuffix(LESIONED_SUFFIX)]
            for network in networks.keys() - flywire_neurons.keys()
        }
    )
    flywire_ids = {network: ids for network, (ids, _) in flywire_neurons.items()}
    sizes = {
        network: _network_size(source, flywire_ids[network], Path(config_dir))
        for network, source in networks.items()
    }
    for network, source in config["networks"].items():  # silenced neurons, where checkable
        ids = flywire_ids[network]
        if ids is None and sizes[network] is not None:
            ids = np.arange(sizes[network])
        if ids is not None:
            try:
                connectivity.silenced_indices(network, source, ids)
            except NetworkError as error:
                raise ConfigError(str(error)) from error

    limit = config["record_state_max_neurons"]
    state_networks = frozenset(  # inline and random networks only
        network
        for network, size in sizes.items()
        if size is not None
        and size <= limit
        and {"matrix", "random"} & set(networks[network].get("lesion_of", networks[network]))
    )
    model = dict(config["model"])
    runs: dict[Run, tuple[str, Run]] = {}
    for sweep_name, sweep in config["sweeps"].items():
        unknown = [n for n in sweep["networks"] if n not in networks]
        if unknown:
            raise ConfigError(
                f"'sweeps.{sweep_name}.networks' names unknown networks {unknown}; "
                f"defined under 'networks': {sorted(networks)}."
            )
        sets = {
            (network, key): _neuron_sets(
                sweep_name, sweep, key, network, sizes[network], *flywire_neurons[network]
            )
            for network in sweep["networks"]
            for key in ("targets", "silenced")
        }
        silenced_synapses = sweep.get("silenced_synapses", "outgoing")
        seeds = sweep.get("seeds", config["seeds"])
        if len(set(seeds)) != len(seeds):
            raise ConfigError(f"seeds of sweep {sweep_name!r} list a seed twice: {seeds}.")
        points = _sweep_points(sweep_name, sweep, model)
        for network, mode, point, seed in itertools.product(
            sweep["networks"], sweep["modes"], points, seeds
        ):
            twins = [network + LESIONED_SUFFIX] if sweep_name in lesioned_sweeps else []
            for (set_name, targets), (silenced_name, silenced), simulated in itertools.product(
                sets[network, "targets"].items(),
                sets[network, "silenced"].items(),
                [network, *twins],
            ):
                run = Run(
                    simulated,
                    mode,
                    (set_name, silenced_name, *point),
                    seed,
                    targets=targets,
                    silenced=silenced,
                    silenced_synapses=silenced_synapses,
                    duration_ms=float(config["duration_ms"]),
                    dt_ms=float(config["dt_ms"]),
                    codegen_target=config["codegen_target"],
                    source=networks[simulated],
                    record_state=simulated in state_networks,
                    precision=config["precision"],
                )
                previous_sweep, previous_run = runs.setdefault(run, (sweep_name, run))
                for key, name_of in (("targets", set_name), ("silenced", silenced_name)):
                    if getattr(previous_run, key) != getattr(run, key) or (
                        key == "silenced"
                        and previous_run.silenced_synapses != run.silenced_synapses
                    ):
                        raise ConfigError(
                            f"sweeps {previous_sweep!r} and {sweep_name!r} both name a set "
                            f"{name_of!r} under '{key}' for network {network!r}, with "
                            f"different neurons or synapses; name the sets apart "
                            f"('{key}: {{name: [...]}}')."
                        )
    return Study(
        name=name,
        codegen_target=config["codegen_target"],
        batch_size=config["batch_size"],
        networks=networks,
        runs=tuple(sorted(runs)),
        state_networks=state_networks,
    )
