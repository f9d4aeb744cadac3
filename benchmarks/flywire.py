"""Benchmark: a Shiu-style whole-brain experiment, spikesweep against rebuild-per-trial.

Not a test. Writes a synthetic connectome in the FlyWire v783 format and size
(138,639 neurons, 15,091,983 connections, ``python -m spikesweep.networks.synthetic``)
into a temporary folder, drives 20 neurons (the first 20 sugar GRN ids of
config/studies/flywire.yaml, which the generator places at random) with
PoissonInput at 150 Hz x 68.75 mV, refractory 0 for them, 1 s, 3 seeds (or
``--seeds``), and runs the experiment two ways in this process's run:

(a) spikesweep: ``snakemake --cores 2`` on a flywire study. Load = rule
    ``network`` (reading and validating the file pair), build = rule ``compile``
    (code generation and compilation), per run = the batch job's wall time
    divided by its runs (Python start-up and NetCDF writing included), of
    which Brian2's run loop (the program's time steps: the runs' cost
    records' ``simulation_s``, Brian2's last run time), peak
    RSS = the largest ``max_rss`` of any job (Snakemake's benchmark records),
    bytes per spike = ``spikes.nc`` (all runs, the counterpart of their one
    parquet per experiment) over the spikes;
(b) Shiu et al.'s approach (benchmarks/shiu_style.py): every trial reads the
    files and rebuilds the network on Brian2's Cython runtime, spikes to one
    brotli parquet; trials one after the other, each in a fresh process,
    after an untimed one that fills Brian2's Cython cache; peak RSS = the
    largest of those processes.
    A trial's time is split into reading and building, and ``Network.run``
    (of which the time inside Brian2's code objects).

Whole experiment = wall time of each (Shiu-style: without its warm-up trial,
with a process start and Brian2 import per trial that joblib workers share).
Prints a Markdown table (the README's) with ratios measured in the same run.

    .venv/bin/python benchmarks/flywire.py [--neurons N --connections M --seeds S]
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import xarray as xr
import yaml

from spikesweep.networks.synthetic import write_synthetic

ROOT = Path(__file__).resolve().parents[1]
N_DRIVEN = 20


def spikesweep_study(neurons: Path, connectivity: Path, targets: list[int], n_seeds: int) -> dict:
    study = yaml.safe_load((ROOT / "config/studies/flywire.yaml").read_text())
    study["seeds"] = list(range(n_seeds))
    study["networks"]["fly"]["flywire"] = {
        "neurons": str(neurons),
        "connectivity": str(connectivity),
    }
    study["sweeps"]["sugar"]["targets"] = targets
    del study["sweeps"]["sugar"]["silenced"]  # one experiment: the intact network
    study["analyses"] = []
    return study


def run_spikesweep(workdir: Path, study: dict) -> dict:
    (workdir / "config.yaml").write_text(yaml.safe_dump(study))
    started = time.perf_counter()
    subprocess.run(
        [
            *(sys.executable, "-m", "snakemake", "--snakefile", ROOT / "Snakefile"),
            *("--directory", workdir, "--configfile", workdir / "config.yaml", "--cores", "2"),
        ],
        check=True,
        capture_output=True,
    )
    wall_s = time.perf_counter() - started
    results = workdir / "results" / study["study"]

    def records(kind: str) -> pd.DataFrame:  # Snakemake's benchmark records of a rule kind
        paths = (results / "benchmarks" / kind).rglob("*.tsv")
        return pd.concat([pd.read_csv(path, sep="\t") for path in paths])

    jobs = {kind: records(kind) for kind in ("networks", "builds", "batches")}
    runs = records("runs")
    with xr.open_dataset(results / "spikes.nc") as spikes:
        n_spikes = int(spikes.sizes["spike"])
    return {
        "wall_s": wall_s,
        "load_s": float(jobs["networks"]["s"].sum()),
        "build_s": float(jobs["builds"]["s"].sum()),
        "run_s": float(jobs["batches"]["s"].sum()) / len(study["seeds"]),
        "simulation_s": float(runs["simulation_s"].mean()),
        "max_rss_gb": max(float(job["max_rss"].max()) for job in jobs.values()) / 1024,
        "spikes": n_spikes,
        "bytes_per_spike": (results / "spikes.nc").stat().st_size / n_spikes,
    }


def run_shiu_style(
    workdir: Path, neurons: Path, connectivity: Path, targets: list[int], n_seeds: int
) -> dict:
    output = workdir / "experiment.parquet"
    started = time.perf_counter()
    process = subprocess.run(
        [
            *(sys.executable, ROOT / "benchmarks/shiu_style.py", neurons, connectivity, output),
            *("--trials", str(n_seeds), "--targets", *map(str, targets)),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    wall_s = time.perf_counter() - started
    result = json.loads(process.stdout.strip().splitlines()[-1])
    return {
        "wall_s": wall_s - result["warm_up_s"],
        "run_s": sum(result["trial_s"]) / n_seeds,
        **{key: sum(result[key]) / n_seeds for key in ("build_s", "network_run_s", "loop_s")},
        "max_rss_gb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2,
        "spikes": result["spikes"],
        "bytes_per_spike": result["parquet_bytes"] / result["spikes"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, default=138_639)
    parser.add_argument("--connections", type=int, default=15_091_983)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    targets = yaml.safe_load((ROOT / "config/studies/flywire.yaml").read_text())
    targets = targets["sweeps"]["sugar"]["targets"][:N_DRIVEN]
    with tempfile.TemporaryDirectory(prefix="spikesweep-flywire-") as folder:
        folder = Path(folder)
        neurons, connectivity = folder / "Completeness.csv", folder / "Connectivity.parquet"
        started = time.perf_counter()
        write_synthetic(neurons, connectivity, args.neurons, args.connections, 0, targets)
        print(f"synthetic connectome written in {time.perf_counter() - started:.0f} s")
        # Shiu-style first: its peak RSS is read from RUSAGE_CHILDREN, the largest child so far.
        (folder / "shiu").mkdir()
        theirs = run_shiu_style(folder / "shiu", neurons, connectivity, targets, args.seeds)
        print(f"Shiu-style: {theirs}")
        (folder / "spikesweep").mkdir()
        ours = run_spikesweep(
            folder / "spikesweep", spikesweep_study(neurons, connectivity, targets, args.seeds)
        )
        print(f"spikesweep: {ours}")
    rows = [
        ("load + build, once (s)", f"{ours['load_s']:.1f} + {ours['build_s']:.1f}", "-", ""),
        (
            "per run / trial (s)",
            f"{ours['run_s']:.1f}",
            f"{theirs['run_s']:.1f}",
            f"{ours['run_s'] / theirs['run_s']:.2f}",
        ),
        (
            "of which Brian2's run loop (s)",
            f"{ours['simulation_s']:.1f}",
            f"{theirs['network_run_s']:.1f} (code objects {theirs['loop_s']:.1f})",
            f"{ours['simulation_s'] / theirs['network_run_s']:.2f}",
        ),
        ("of which reading the files and building (s)", "-", f"{theirs['build_s']:.1f}", ""),
        (
            f"whole experiment, {args.seeds} seeds (s)",
            f"{ours['wall_s']:.0f}",
            f"{theirs['wall_s']:.0f}",
            f"{ours['wall_s'] / theirs['wall_s']:.2f}",
        ),
        (
            "peak RSS (GB)",
            f"{ours['max_rss_gb']:.2f}",
            f"{theirs['max_rss_gb']:.2f}",
            f"{ours['max_rss_gb'] / theirs['max_rss_gb']:.2f}",
        ),
        ("spikes, all runs", f"{ours['spikes']}", f"{theirs['spikes']}", ""),
        (
            "output bytes per spike",
            f"{ours['bytes_per_spike']:.2f}",
            f"{theirs['bytes_per_spike']:.2f}",
            f"{ours['bytes_per_spike'] / theirs['bytes_per_spike']:.2f}",
        ),
    ]
    print(f"\n{args.neurons} neurons, {args.connections} connections, {N_DRIVEN} driven, 1 s\n")
    print("| | spikesweep | Shiu-style | ratio |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
