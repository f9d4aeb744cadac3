"""Benchmark: a Shiu-style activation screen on one compiled program (not a test).

Writes the synthetic whole-brain connectome (FlyWire v783 format and size, as
benchmarks/flywire.py does), then screens 20 driven sets (20 neurons each,
drawn with a fixed seed from the neurons CSV) and a baseline without drive x
30 seeds: PoissonInput at 150 Hz x 68.75 mV, refractory 0 for the driven
neurons, 1 s each, through ``snakemake --cores 2``, end to end: collection,
the summaries, the responders analysis, the responder tables and the parquet
exports. The driven neurons are run values, so the study compiles one program
(checked).

Prints, from this run's records: the measured screen (network load, the one
build, the runs, the analysis), the wall time and peak memory of every job that
reads the collected results against the runs' own peak (Snakemake's benchmark
records), next to what the same screen costs when the driven set is
compiled in, as it was before run-time targets: one build per experiment,
that is this run's wall time plus 19 more builds of the measured build time,
one per core at a time. (Measuring it would take 19 more whole-brain builds.)

    .venv/bin/python benchmarks/screen.py [--neurons N --connections M --seeds S]
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from flywire import ROOT, run_spikesweep

from spikesweep.networks.flywire import read_neuron_ids
from spikesweep.networks.synthetic import write_synthetic

N_EXPERIMENTS = 20
N_DRIVEN = 20
CORES = 2
#: The jobs that read collected results: their benchmark records below results/.../benchmarks.
POST_SIMULATION = {
    "collect (spikes.nc, rates.nc)": "collect.tsv",
    "summary": "summary.tsv",
    "neuron_rates": "neuron_rates/*.tsv",
    "responders analysis": "analysis/responders.tsv",
    "responder table (per experiment)": "responders/*/*.tsv",
    "parquet export (per experiment)": "parquet/*/*.tsv",
}


def screen_study(neurons: Path, connectivity: Path, n_seeds: int) -> dict:
    """The screen: flywire.yaml's model and drive, a named driven set per experiment."""
    study = yaml.safe_load((ROOT / "config/studies/flywire.yaml").read_text())
    study["study"] = "screen"
    study["seeds"] = list(range(n_seeds))
    study["networks"]["fly"]["flywire"] = {
        "neurons": str(neurons),
        "connectivity": str(connectivity),
    }
    ids = read_neuron_ids(neurons)
    rng = np.random.default_rng(2026)
    drive = study["sweeps"]["sugar"]
    sets = {
        f"experiment{k:02d}": sorted(rng.choice(ids, N_DRIVEN, replace=False).tolist())
        for k in range(N_EXPERIMENTS)
    }
    study["sweeps"] = {"screen": {**drive, "targets": {"baseline": [], **sets}}}
    del study["sweeps"]["screen"]["silenced"]  # an activation screen
    return study


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, default=138_639)
    parser.add_argument("--connections", type=int, default=15_091_983)
    parser.add_argument("--seeds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spikesweep-screen-") as folder:
        folder = Path(folder)
        neurons, connectivity = folder / "Completeness.csv", folder / "Connectivity.parquet"
        started = time.perf_counter()
        write_synthetic(neurons, connectivity, args.neurons, args.connections, 0)
        print(f"synthetic connectome written in {time.perf_counter() - started:.0f} s")
        (folder / "screen").mkdir()
        study = screen_study(neurons, connectivity, args.seeds)
        ours = run_spikesweep(folder / "screen", study)
        results = folder / "screen/results/screen"
        builds = sorted((results / "builds").glob("*/*/*"))
        stages = {  # each job that reads the collected results: the most costly of its kind
            stage: pd.concat(
                pd.read_csv(path, sep="\t") for path in (results / "benchmarks").glob(pattern)
            )[["s", "max_rss"]].max()
            for stage, pattern in POST_SIMULATION.items()
        }
        verdict = json.loads((results / "analysis/responders.json").read_text())["verdict"]
    assert len(builds) == 1, f"the screen compiled {len(builds)} programs"
    n_runs = (N_EXPERIMENTS + 1) * args.seeds
    rebuilt_s = ours["wall_s"] + (N_EXPERIMENTS - 1) * ours["build_s"] / CORES
    print(
        f"\n{N_EXPERIMENTS} driven sets and a baseline x {args.seeds} seeds ({n_runs} runs "
        f"of 1 s) on "
        f"{args.neurons:,} neurons, --cores {CORES}\n"
    )
    print("| | one program (measured) | a program per experiment (from the same run) |")
    print("|---|---|---|")
    print(f"| builds | 1 | {N_EXPERIMENTS} |")
    print(
        f"| load + build (s) | {ours['load_s']:.0f} + {ours['build_s']:.0f} | "
        f"{ours['load_s']:.0f} + {N_EXPERIMENTS} x {ours['build_s']:.0f} |"
    )
    per_run_s = ours["run_s"] * args.seeds / n_runs  # run_spikesweep divides by the seeds
    print(
        f"| per run (s), of which run loop | {per_run_s:.1f}, "
        f"{ours['simulation_s']:.1f} | the same |"
    )
    print(f"| whole screen (s) | {ours['wall_s']:.0f} | {rebuilt_s:.0f} |")
    print(f"| peak RSS (GB) | {ours['max_rss_gb']:.2f} | the same |")
    print(f"\nverdict: {verdict}")
    print("\n| job after the runs (the costliest of its kind) | wall (s) | peak RSS (GB) |")
    print("|---|---|---|")
    for stage, record in stages.items():
        print(f"| {stage} | {record['s']:.1f} | {record['max_rss'] / 1024:.2f} |")
    peak = max(record["max_rss"] for record in stages.values()) / 1024
    print(f"\nlargest peak after the runs / runs' peak: {peak / ours['max_rss_gb']:.2f}x")
    print(f"\nrebuild per experiment / one program: {rebuilt_s / ours['wall_s']:.2f}x")


if __name__ == "__main__":
    main()
