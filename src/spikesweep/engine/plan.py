"""A study's runs in batches: one job runs many simulations of one structure.

Runs are grouped by their structure (:attr:`~spikesweep.study.runs.Run.structure_id`:
what cpp_standalone compiles into one program) and cut, in the study's order,
into batches of at most ``batch_size`` runs. A batch is one Snakemake job (one
cluster job on SLURM): it pays Python's and Brian2's start-up once, then runs
each simulation (:mod:`spikesweep.engine.batches`). A run's spikes do not
depend on the batch it lands in.

A batch of compiled runs asks for one thread per :data:`RUNS_PER_PROCESS` runs:
the job runs that many processes of the program side by side (Snakemake gives
it at most ``--cores`` and ``--max-threads``), so that a study of fewer
batches than cores still uses the cores, and the last batches do not leave
cores idle while one runs alone.
"""

import itertools
import math
import re
from dataclasses import dataclass

from spikesweep.study.config import Study
from spikesweep.study.runs import Run

__all__ = ["RUNS_PER_PROCESS", "Batch", "plan_batches"]

#: Runs per process of a batch job, at least (each process reads the network
#: once; each takes the batch's next run when it is free).
RUNS_PER_PROCESS = 4


@dataclass(frozen=True)
class Batch:
    """Consecutive runs of one structure, simulated by one job."""

    network: str
    mode: str
    structure: str
    index: int
    runs: tuple[Run, ...]
    #: Processes that simulate the runs side by side, at most (the job's threads).
    threads: int

    @property
    def name(self) -> str:
        """Path-like name: ``{network}/mode~{mode}/{structure}/batch~{index}``."""
        return f"{self.network}/mode~{self.mode}/{self.structure}/batch~{self.index}"

    @property
    def rule_suffix(self) -> str:
        """The name as an identifier (for the batch's Snakemake rule)."""
        return re.sub(r"\W", "_", f"{self.network}_{self.mode}_{self.structure}_{self.index}")


def plan_batches(study: Study) -> list[Batch]:
    """Group ``study.runs`` by structure and cut them into ``study.batch_size`` runs."""
    by_structure: dict[tuple[str, str, str], list[Run]] = {}
    for run in study.runs:
        key = (run.network, run.mode, run.structure_id)
        by_structure.setdefault(key, []).append(run)
    return [
        Batch(*key, index, runs, _threads(study, runs))
        for key, all_runs in sorted(by_structure.items())
        for index, runs in enumerate(itertools.batched(all_runs, study.batch_size, strict=False))
    ]


def _threads(study: Study, runs: tuple[Run, ...]) -> int:
    """A batch's threads: one per RUNS_PER_PROCESS runs of a compiled program; one for
    Brian2's runtime targets, which simulate in the job's own process."""
    if study.codegen_target != "cpp_standalone":
        return 1
    return math.ceil(len(runs) / RUNS_PER_PROCESS)
