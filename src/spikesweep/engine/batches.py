"""A batch's runs, simulated side by side by the job's processes, each kept as soon as
it is done.

A batch job runs its runs in the batch's order on as many processes of the
structure's program as it has threads (:func:`runners`): each process takes
the next run when it is free, so the processes stay busy to the batch's last
run whatever the runs' lengths. A run's file does not depend on the process
that simulates it.

A batch that is interrupted (a kill, a node failure, a signal to Snakemake
alone) loses no finished run: each run's file is written as ``.{name}.kept``
beside its path, then hard-linked to it, and its cost row as ``.{stem}.tsv.kept``
(the batch's cost table is written from these once every run is done). Snakemake does
not know the kept files, so they survive its removal of an interrupted job's
outputs; the rerun links back every run whose kept file has its config hash
instead of simulating it. The kept links stay until the runs are collected
(:func:`release_kept`): Snakemake may discard a job that did finish, when it
was itself interrupted meanwhile. A batch whose Snakemake process is gone
(SIGINT or SIGTERM to Snakemake alone leaves its jobs running) stops before
its next run.
"""

import concurrent.futures
import contextlib
import functools
import logging
import os
import queue
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from spikesweep.engine import RunCost, Runner
from spikesweep.engine.standalone import programs
from spikesweep.files import atomic_path
from spikesweep.networks.connectivity import load_network
from spikesweep.spikes import SpikeTrains
from spikesweep.storage import stored_config_hash, write_run
from spikesweep.study.axes import RUN_COORDS
from spikesweep.study.runs import Run, config_hash

__all__ = ["COST_COLUMNS", "release_kept", "run_batch", "runners"]

logger = logging.getLogger(__name__)

#: Columns of a batch's cost table (TSV, one row per run): the run's coordinates,
#: Snakemake's benchmark columns ``s`` (wall time) and ``max_rss`` (MB), and
#: ``simulation_s`` (of ``s``, Brian2's run loop).
COST_COLUMNS = (*RUN_COORDS, "s", "max_rss", "simulation_s")


def _cost_row(run: Run, cost: RunCost) -> str:
    """A run's row of its batch's cost table."""
    coords = [str(value) for value in run.coords.values()]
    numbers = [f"{cost.wall_s:.4f}", f"{cost.max_rss_mb:.2f}", f"{cost.simulation_s:.4f}"]
    return "\t".join(coords + numbers) + "\n"


@contextlib.contextmanager
def runners(
    build_dir: str | Path | None, network_path: str | Path, workers: int = 1
) -> Iterator[list[Runner]]:
    """How a batch simulates its runs (a context manager): ``workers`` processes of the
    structure's compiled program, started once for the batch, or Brian2's runtime in
    this process (one runner).

    Parameters
    ----------
    build_dir : str or Path or None
        The structure's program (cpp_standalone), or None for the runtime
        targets (``codegen_target`` cython or numpy).
    network_path : str or Path
        The network's ``.npz`` (read by the runtime targets only).
    workers : int
        How many processes of the program run the batch's runs at once.
    """
    if build_dir:
        with programs(build_dir, workers) as started:
            yield started
        return
    # Imported here: a batch of compiled runs does not pay Brian2's import.
    from spikesweep.engine.runtime import run_in_process

    yield [functools.partial(run_in_process, load_network(network_path))]


def _kept(path: str | Path) -> Path:
    """Where a batch keeps a hard link of a finished run's file until it completes."""
    path = Path(path)
    return path.with_name(f".{path.name}.kept")


def _kept_cost(path: str | Path) -> Path:
    """Where a batch keeps the cost row of the run whose file is ``path``."""
    return _kept(Path(path).with_suffix(".tsv"))


def _publish(path: str) -> None:
    """Give a kept run file its path (a hard link; a copy where links are not supported)."""
    Path(path).unlink(missing_ok=True)
    try:
        os.link(_kept(path), path)
    except OSError:
        shutil.copyfile(_kept(path), path)


def _restore(run: Run, path: str) -> bool:
    """Publish a run that an interrupted job of this batch finished; False if none."""
    if not (_kept(path).is_file() and _kept_cost(path).is_file()):
        return False
    if stored_config_hash(_kept(path)) != config_hash(run.to_json()):
        return False
    _publish(path)
    return True


class _Stopped(Exception):
    """A batch's run not started: the Snakemake run that started the job is gone."""


def run_batch(
    runs: list[Run],
    spikes_paths: list[str],
    costs_path: str,
    simulate: Sequence[Runner],
    command: str,
    keep_going: Callable[[], bool] = lambda: True,
) -> None:
    """Simulate a batch, writing each run's file as soon as it is done, then its cost table.

    Each runner of ``simulate`` runs one run at a time, taking the next run in
    the batch's order when it is free; this process writes the files. A run
    that fails, or a stop, lets the runs under way finish and be kept, starts
    no other, and raises.

    Parameters
    ----------
    runs : list of Run
        The batch's runs, one structure.
    spikes_paths : list of str
        Where each run's NetCDF file goes.
    costs_path : str
        Where the batch's cost table goes (:data:`COST_COLUMNS`, a row per run).
    simulate : sequence of Runner
        The runners that simulate the runs side by side (see :func:`runners`).
    command : str
        Recorded in each file's provenance.
    keep_going : callable, optional
        Asked before each run; when it says False the batch stops with a
        ``RuntimeError`` (its finished runs kept). The workflow passes
        :func:`spikesweep.engine.locks.snakemake_alive`.
    """
    labels = [f"run {k}/{len(runs)}: {run.label}" for k, run in enumerate(runs, start=1)]
    todo = []
    for k, (run, spikes_path) in enumerate(zip(runs, spikes_paths, strict=True)):
        if _restore(run, spikes_path):
            logger.info("%s: finished by an interrupted job, kept", labels[k])
        else:
            todo.append(k)
    free = queue.SimpleQueue()
    for simulate_run in simulate:
        free.put(simulate_run)

    def simulate_next(k: int):
        if not keep_going():
            raise _Stopped
        simulate_run = free.get()  # one is free: as many threads as runners
        try:
            return simulate_run(runs[k])
        finally:
            free.put(simulate_run)

    failures = {}
    pool = concurrent.futures.ThreadPoolExecutor(len(simulate))
    try:
        futures = {pool.submit(simulate_next, k): k for k in todo}
        for future in concurrent.futures.as_completed(futures):
            k = futures[future]
            try:
                trains, cost = future.result()
            except Exception as error:  # the runs not started are cancelled
                failures[k] = error
                for other in futures:
                    other.cancel()
                continue
            _keep(runs[k], spikes_paths[k], trains, cost, command)
            logger.info("%s: %d spikes in %.2f s", labels[k], len(trains.step), cost.wall_s)
    finally:  # waits for the runs under way
        pool.shutdown(cancel_futures=True)
    errors = [
        error
        for _, error in sorted(failures.items())
        if not isinstance(error, _Stopped | concurrent.futures.CancelledError)
    ]
    if errors:
        raise errors[0]
    if failures:
        raise RuntimeError(
            f"The Snakemake run that started this job is gone; stopping before "
            f"{labels[min(failures)]} ({len(runs) - len(failures)} of {len(runs)} runs "
            "done and kept). Rerun the same command."
        )
    with atomic_path(costs_path) as tmp:
        rows = [_kept_cost(path).read_text() for path in spikes_paths]
        tmp.write_text("\t".join(COST_COLUMNS) + "\n" + "".join(rows))


def _keep(run: Run, spikes_path: str, trains: SpikeTrains, cost: RunCost, command: str) -> None:
    """Write a finished run's file and cost row where they are kept, and publish the file."""
    write_run(_kept(spikes_path), trains, run, command)
    with atomic_path(_kept_cost(spikes_path)) as tmp:
        tmp.write_text(_cost_row(run, cost))
    _publish(spikes_path)


def release_kept(paths) -> None:
    """Remove what a batch kept of the finished runs whose files are ``paths``
    (once they are collected)."""
    for path in paths:
        _kept(path).unlink(missing_ok=True)
        _kept_cost(path).unlink(missing_ok=True)
