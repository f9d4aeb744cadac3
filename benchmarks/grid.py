"""Benchmark: compile once, run many, on a 100-point grid of random3000 (not a test).

The same grid (5 rates x 4 n_sources x 5 weights, 1 seed, 1 s simulated) runs
through ``snakemake --cores 2 simulations`` in temporary folders:

(a) naive: one job per point, each a fresh process on Brian2's Cython runtime
    (``codegen_target: cython``, ``batch_size: 1``), Cython cache warmed by a
    first pass that is not timed;
(b) spikesweep with its defaults: ``cpp_standalone`` with ``poisson_input``,
    one program for the whole grid (rate and N are run values), one batch of
    100 runs on one process of the program per core;
(b') the same in batches of 20 (five jobs, each on one process per core);
(c) the floor: the compiled program's own run times (the cost records of (b))
    summed and divided by the cores, plus one build.

What (b) adds to (c) is broken down: Snakemake's own start (a dry run of the
same study) and exit (a workflow of one empty job, timed from its job's end
to Snakemake's exit), the network job, and the batch job beyond its runs.

Then the forum's loop (``per_neuron``: one PoissonInput per neuron, 1 run) on
random networks of 30 and 300 neurons with the engine (build included), and at
n = 30 on the Cython runtime with a cold cache (each PoissonInput is a Cython
module of its own; n = 300 would take most of an hour).

Every wall time is measured in this run, so ratios compare like with like on a
shared, noisy machine. Peak memory is the largest ``max_rss`` of any job
(Snakemake's benchmark records).

    .venv/bin/python benchmarks/grid.py [--quick]

``--quick`` shrinks the grid to 2 x 2 x 2 points (a smoke test of the script).
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
CORES = 2
RANDOM3000 = {"random": {"n": 3000, "density": 0.01, "weights": [-5, 5], "seed": 7}}
GRID = {
    "rate_hz": [50, 100, 150, 200, 250],
    "n_sources": [1, 2, 3, 4],
    "weight_mV": [1, 2, 4, 8, 16],
}
QUICK_GRID = {"rate_hz": [50, 150], "n_sources": [1, 2], "weight_mV": [2, 8]}


def study(network: dict, mode: str, grid: dict, **settings) -> dict:
    return {
        "study": "grid",
        "seeds": [0],
        "networks": {"net": network},
        "sweeps": {"grid": {"networks": ["net"], "modes": [mode], "grid": grid}},
        **settings,
    }


def forum_loop(n: int, **settings) -> dict:
    """The forum's drive on a random network of ``n`` neurons, one PoissonInput each."""
    network = {"random": {"n": n, "density": 0.01, "weights": [-5, 5], "seed": 7}}
    drive = {"rate_hz": [150], "n_sources": [1], "weight_mV": [68.75]}
    return study(network, "per_neuron", drive, **settings)


def run(workdir: Path, config: dict, cython_cache: Path, *options: str) -> float:
    """Run the study's simulations in ``workdir`` (with Snakemake ``options``); return
    the wall time (s)."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    # Brian2 reads ./brian_preferences: keep its Cython cache where we choose.
    (workdir / "brian_preferences").write_text(
        f"codegen.runtime.cython.cache_dir = '{cython_cache}'\n"
    )
    command = [
        *(sys.executable, "-m", "snakemake", "--snakefile", ROOT / "Snakefile"),
        *("--directory", workdir, "--configfile", workdir / "config.yaml"),
        *("--cores", str(CORES), "simulations", *options),
    ]
    started = time.perf_counter()
    subprocess.run([str(part) for part in command], check=True, capture_output=True)
    return time.perf_counter() - started


def records(workdir: Path, kind: str) -> pd.DataFrame:
    """Cost records under results/grid/benchmarks/{kind}/: a row per job, per run for "runs"."""
    paths = sorted((workdir / "results/grid/benchmarks" / kind).rglob("*.tsv"))
    if not paths:
        return pd.DataFrame({"s": [], "max_rss": []})
    return pd.concat([pd.read_csv(path, sep="\t") for path in paths], ignore_index=True)


def snakemake_exit_s(workdir: Path) -> float:
    """Seconds from the end of a workflow's one job to Snakemake's exit."""
    workdir.mkdir()
    (workdir / "Snakefile").write_text(
        'rule done:\n    output: "done"\n    shell: "touch {output}"\n'
    )
    command = [sys.executable, "-m", "snakemake", "--cores", "1", "--directory", str(workdir)]
    command += ["--snakefile", str(workdir / "Snakefile")]
    subprocess.run(command, check=True, capture_output=True)
    return time.time() - (workdir / "done").stat().st_mtime


def peak_mb(workdir: Path) -> float:
    return max(records(workdir, kind)["max_rss"].max() for kind in ("batches", "builds"))


def main(quick: bool) -> None:
    grid = QUICK_GRID if quick else GRID
    n_points = len(grid["rate_hz"]) * len(grid["n_sources"]) * len(grid["weight_mV"])
    rows = []
    with tempfile.TemporaryDirectory(prefix="spikesweep-grid-") as tmp:
        tmp = Path(tmp)
        cache = tmp / "cython-cache"
        naive = study(RANDOM3000, "poisson_input", grid, codegen_target="cython", batch_size=1)
        run(tmp / "warm-up", {**naive, "batch_size": n_points}, cache)
        wall = run(tmp / "naive", naive, cache)
        rows.append(("(a) naive: Cython runtime, a job per point", wall, peak_mb(tmp / "naive")))
        engine = tmp / "poisson_input"
        config = study(RANDOM3000, "poisson_input", grid)
        start_s = run(tmp / "dry-run", config, cache, "--dry-run")
        wall = run(engine, config, cache)
        rows.append(("(b) spikesweep, poisson_input", wall, peak_mb(engine)))
        wall = run(tmp / "batches-of-20", {**config, "batch_size": 20}, cache)
        rows.append(("(b') the same in batches of 20", wall, peak_mb(tmp / "batches-of-20")))
        runs_s = records(engine, "runs")["s"].sum()
        floor = runs_s / CORES + records(engine, "builds")["s"].sum()
        rows.append(("(c) floor: run loops / cores + one build", floor, float("nan")))
        overheads = [
            ("Snakemake's start (a dry run of the study)", start_s),
            ("Snakemake's exit after its last job", snakemake_exit_s(tmp / "exit")),
            ("the network job", records(engine, "networks")["s"].sum()),
            (
                "the batch job beyond its runs / cores",
                records(engine, "batches")["s"].sum() - runs_s / CORES,
            ),
        ]
        loops = []
        for n, target, cython_cache in (
            (30, "cpp_standalone", cache),
            (300, "cpp_standalone", cache),
            (30, "cython", tmp / "cold-cache"),
        ):
            workdir = tmp / f"loop-{n}-{target}"
            wall = run(workdir, forum_loop(n, codegen_target=target), cython_cache)
            build = records(workdir, "builds")["s"].sum() if target == "cpp_standalone" else 0
            loops.append((f"per_neuron n={n}, {target}", wall, build, peak_mb(workdir)))

    print(f"\n{n_points}-point grid on random3000, 1 s simulated per point, --cores {CORES}\n")
    print(f"| {'variant':<48} | wall (s) | peak RSS per job (MB) |")
    print(f"|{'-' * 50}|----------|-----------------------|")
    for name, wall, peak in rows:
        print(f"| {name:<48} | {wall:8.1f} | {peak:21.0f} |")
    naive_s, engine_s, batches_s, floor_s = (row[1] for row in rows)
    print(f"\n(a) / (b): {naive_s / engine_s:.1f}x   (target: at least 3.3x)")
    print(f"(b) / (c): {engine_s / floor_s:.2f}   (target: at most 1.15)")
    print(f"(b') / (c): {batches_s / floor_s:.2f}")
    print(f"(a) / (c): {naive_s / floor_s:.1f}x   (the ceiling of (a) / (b))")
    print(f"\nWhat (b) adds to (c), {engine_s - floor_s:.1f} s:\n")
    for name, seconds in overheads:
        print(f"  {name:<48} {seconds:5.1f} s")
    print("\nThe forum's loop, one PoissonInput per neuron:\n")
    print(f"| {'variant':<48} | wall (s) | build (s) | peak RSS (MB) |")
    print(f"|{'-' * 50}|----------|-----------|---------------|")
    for name, wall, build, peak in loops:
        print(f"| {name:<48} | {wall:8.1f} | {build:9.1f} | {peak:13.0f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 2 x 2 x 2 grid")
    main(parser.parse_args().quick)
