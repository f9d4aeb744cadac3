"""A study's runs in batches: one job runs many simulations of one structure.

Runs are grouped by their structure (:func:`~spikesweep.standalone.build_id`:
what cpp_standalone compiles into one program) and cut, in the study's order,
into batches of at most ``batch_size`` runs. A batch is one Snakemake job (one
cluster job on SLURM): it pays Python's and Brian2's start-up once, then runs
each simulation and writes its own run file and cost record. A run's spikes
do not depend on the batch it lands in.

A batch that is interrupted (a kill, a node failure) loses no finished run:
each run's files are written as ``.{name}.kept`` beside their paths, then
hard-linked to them. Snakemake does not know the kept files, so they survive
its removal of the interrupted job's outputs; the rerun links back every run
whose kept file has its config hash instead of simulating it, and the kept
files go once the batch is done.
"""

import functools
import itertools
import logging
import os
import re
import resource
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from spikesweep.config import RunPoint, Study, config_hash
from spikesweep.standalone import RunCost, build_id, run_program
from spikesweep.storage import atomic_path, stored_config_hash, write_run
from spikesweep.trains import SpikeTrains

__all__ = ["Batch", "plan_batches", "run_batch", "runner", "write_cost"]

#: Simulates one run (a Study.run_config dict): its spike trains and cost.
Runner = Callable[[dict], tuple[SpikeTrains, RunCost]]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    """Consecutive runs of one structure, simulated by one job."""

    network: str
    mode: str
    build: str
    index: int
    runs: tuple[RunPoint, ...]

    @property
    def name(self) -> str:
        """Path-like name: ``{network}/mode~{mode}/{build}/batch~{index}``."""
        return f"{self.network}/mode~{self.mode}/{self.build}/batch~{self.index}"

    @property
    def rule_suffix(self) -> str:
        """The name as an identifier (for the batch's Snakemake rule)."""
        return re.sub(r"\W", "_", f"{self.network}_{self.mode}_{self.build}_{self.index}")


def plan_batches(study: Study) -> list[Batch]:
    """Group ``study.runs`` by structure and cut them into ``study.batch_size`` runs."""
    by_build: dict[tuple[str, str, str], list[RunPoint]] = {}
    for run in study.runs:
        key = (run.network, run.mode, build_id(study.run_config(run)))
        by_build.setdefault(key, []).append(run)
    return [
        Batch(*key, index, tuple(runs))
        for key, all_runs in sorted(by_build.items())
        for index, runs in enumerate(itertools.batched(all_runs, study.batch_size, strict=False))
    ]


def write_cost(path: str | Path, cost: RunCost) -> None:
    """Write a run's cost as a one-row TSV: Snakemake's benchmark columns ``s`` and
    ``max_rss`` (MB), and ``simulation_s`` (of ``s``, Brian2's run loop)."""
    with atomic_path(path) as tmp:
        tmp.write_text(
            "s\tmax_rss\tsimulation_s\n"
            f"{cost.wall_s:.4f}\t{cost.max_rss_mb:.2f}\t{cost.simulation_s:.4f}\n"
        )


def _simulate_in_process(connectivity, run_config: dict) -> tuple[SpikeTrains, RunCost]:
    import brian2

    from spikesweep.simulate import simulate_config

    started = time.perf_counter()
    trains = simulate_config(run_config, connectivity)
    # The batch process's peak so far: Brian2's runtime shares the process.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Brian2 keeps its run loop's time there (its own benchmarks read it).
    simulation_s = brian2.get_device()._last_run_time
    return trains, RunCost(time.perf_counter() - started, peak_mb, simulation_s)


def runner(build_dir: str | Path | None, network_path: str | Path) -> Runner:
    """How a batch simulates a run: the structure's compiled program, or Brian2's runtime.

    Parameters
    ----------
    build_dir : str or Path or None
        The structure's program (cpp_standalone), or None for the runtime
        targets (``codegen_target`` cython or numpy).
    network_path : str or Path
        The network's ``.npz`` (read by the runtime targets only).
    """
    if build_dir:
        return functools.partial(run_program, build_dir)
    # Imported here: a batch of compiled runs needs neither Brian2 nor pandas.
    from spikesweep.networks import load_network

    return functools.partial(_simulate_in_process, load_network(network_path))


def _kept(path: str | Path) -> Path:
    """Where a batch keeps a hard link of a finished run's file until it completes."""
    path = Path(path)
    return path.with_name(f".{path.name}.kept")


def _publish(*paths: str) -> None:
    """Give each kept file its path (a hard link; a copy where links are not supported)."""
    for path in paths:
        Path(path).unlink(missing_ok=True)
        try:
            os.link(_kept(path), path)
        except OSError:
            shutil.copyfile(_kept(path), path)


def _restore(run_config: dict, *paths: str) -> bool:
    """Publish a run that an interrupted job of this batch finished; False if none."""
    if not all(_kept(path).is_file() for path in paths):
        return False
    if stored_config_hash(_kept(paths[0])) != config_hash(run_config):
        return False
    _publish(*paths)
    return True


def run_batch(
    run_configs: list[dict],
    spikes_paths: list[str],
    cost_paths: list[str],
    simulate_run: Runner,
    command: str,
) -> None:
    """Simulate a batch, writing each run's file and cost as soon as it is done.

    Parameters
    ----------
    run_configs : list of dict
        :meth:`~spikesweep.config.Study.run_config` of each run, one structure.
    spikes_paths, cost_paths : list of str
        Where each run's NetCDF file and cost TSV go.
    simulate_run : callable
        Simulates a run (see :func:`runner`).
    command : str
        Recorded in each file's provenance.
    """
    for k, (run_config, spikes_path, cost_path) in enumerate(
        zip(run_configs, spikes_paths, cost_paths, strict=True), start=1
    ):
        point = run_config["point"]
        label = "run {}/{}: {} {} rate_hz={:g} n_sources={} weight_mV={:g} seed {}".format(
            k,
            len(run_configs),
            point["network"],
            point["mode"],
            point["rate_hz"],
            point["n_sources"],
            point["weight_mV"],
            point["seed"],
        )
        if _restore(run_config, spikes_path, cost_path):
            logger.info("%s: finished by an interrupted job, kept", label)
            continue
        trains, cost = simulate_run(run_config)
        write_run(_kept(spikes_path), trains, run_config, command)
        write_cost(_kept(cost_path), cost)
        _publish(spikes_path, cost_path)
        logger.info("%s: %d spikes in %.2f s", label, len(trains.step), cost.wall_s)
    for path in (*spikes_paths, *cost_paths):
        _kept(path).unlink(missing_ok=True)
