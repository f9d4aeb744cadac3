"""Benchmark: a Shiu-style whole-brain experiment, spikesweep against rebuild-per-trial,
and the whole-brain run loop against the forum's formulation and a plain LIF loop.

Not a test. Writes a synthetic connectome in the FlyWire v783 format and size
(138,639 neurons, 15,091,983 connections, ``python -m spikesweep.networks.synthetic``)
into a temporary folder, drives 20 neurons (the first 20 sugar GRN ids of
config/studies/flywire.yaml, which the generator places at random) with
PoissonInput at 150 Hz x 68.75 mV, refractory 0 for them, 1 s, 3 seeds (or
``--seeds``), and measures, all in this process's run:

(a) spikesweep: ``snakemake --cores 2`` on a flywire study, once with
    ``precision: double`` and once with ``single``. Load = rule ``network``
    (reading and validating the file pair), build = rule ``compile``, per run
    = the batch job's wall time divided by its runs (Python start-up, the
    program's start and reading of the network, NetCDF writing included), run
    in the program = each run's cost record ``s`` (from its values to its
    written spikes), run loop = its ``simulation_s`` (Brian2's run loop), peak
    RSS = the largest ``max_rss`` of any job, bytes per spike = ``spikes.nc``
    over the spikes;
(b) the forum's formulation (benchmarks/forum_standalone.py): the same first
    run (seed 0) as the forum's Brian2 code writes it, compiled on
    cpp_standalone with spikesweep's flags and run as Brian2 runs a program;
    its spikes are compared with spikesweep's float64 run of that seed;
(c) Shiu et al.'s approach (benchmarks/shiu_style.py): every trial reads the
    files and rebuilds the network on Brian2's Cython runtime, spikes to one
    brotli parquet; trials one after the other, each in a fresh process,
    after an untimed one that fills Brian2's Cython cache; peak RSS = the
    largest of those processes; a trial's time is split into reading and
    building, and ``Network.run`` (of which the time inside Brian2's code
    objects);
(d) benchmarks/lif_floor.cpp, a branch-free LIF update of as many neurons
    for 10,000 steps without synapses, compiled for the x86-64 baseline and
    for x86-64-v3 (as in its header).

Whole experiment = wall time of each (Shiu-style: without its warm-up trial,
with a process start and Brian2 import per trial that joblib workers share).
Float32 against float64: per seed, the trains that are identical, the spikes
at the same step (and within one step) of the same neuron, and per-neuron rate
differences against the float64 rates' spread over seeds. Prints Markdown
tables (docs/whole-brain.md's) with ratios measured in the same run.

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

import numpy as np
import pandas as pd
import xarray as xr
import yaml

from spikesweep.networks.synthetic import write_synthetic
from spikesweep.spikes import SpikeDataset

ROOT = Path(__file__).resolve().parents[1]
N_DRIVEN = 20


def spikesweep_study(
    neurons: Path, connectivity: Path, targets: list[int], n_seeds: int, precision: str
) -> dict:
    study = yaml.safe_load((ROOT / "config/studies/flywire.yaml").read_text())
    study["study"] = f"flywire-{precision}"
    study["precision"] = precision
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
    workdir.mkdir()
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
        trains = {coords["seed"]: run for coords, run in SpikeDataset.from_xarray(spikes)}
    return {
        "wall_s": wall_s,
        "load_s": float(jobs["networks"]["s"].sum()),
        "build_s": float(jobs["builds"]["s"].sum()),
        "run_s": float(jobs["batches"]["s"].sum()) / len(study["seeds"]),
        "program_run_s": float(runs["s"].mean()),
        "simulation_s": float(runs["simulation_s"].mean()),
        "max_rss_gb": max(float(job["max_rss"].max()) for job in jobs.values()) / 1024,
        "spikes": n_spikes,
        "bytes_per_spike": (results / "spikes.nc").stat().st_size / n_spikes,
        "trains": trains,
    }


def run_forum(workdir: Path, study: dict) -> dict:
    """The forum's formulation of the study's first run (benchmarks/forum_standalone.py)."""
    workdir.mkdir()
    (workdir / "config.yaml").write_text(yaml.safe_dump(study))
    process = subprocess.run(
        [
            *(sys.executable, ROOT / "benchmarks/forum_standalone.py"),
            *(workdir / "config.yaml", workdir / "build", workdir / "spikes.npz"),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(process.stdout.strip().splitlines()[-1])
    with np.load(workdir / "spikes.npz") as spikes:
        result.update(neuron=spikes["neuron"], step=spikes["step"])
    return result


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


def run_lif_floor(workdir: Path) -> dict[str, float]:
    """Seconds of benchmarks/lif_floor.cpp's loops, by precision and instruction set."""
    seconds = {}
    for target, flags in (("x86-64", []), ("x86-64-v3", ["-march=x86-64-v3"])):
        program = workdir / f"lif_floor_{target}"
        source = ROOT / "benchmarks/lif_floor.cpp"
        subprocess.run(
            ["g++", "-O3", "-ffast-math", *flags, "-std=c++17", source, "-o", program], check=True
        )
        for line in subprocess.run(
            [program], check=True, capture_output=True, text=True
        ).stdout.splitlines():
            precision, _, time_s, *_ = line.split()  # "f64 branchless: 3.87 s (...)"
            seconds[f"{precision} {target}"] = float(time_s)
    return seconds


def spike_keys(trains) -> np.ndarray:
    """Each spike as one integer, neuron * n_steps + step."""
    return trains.neuron.astype(np.int64) * trains.n_steps + trains.step


def precision_differences(double: dict, single: dict) -> dict:
    """How float32 spikes differ from float64's, over the seeds both ran."""
    rows = []
    for seed, d in sorted(double.items()):
        f = single[seed]
        d_keys, f_keys = spike_keys(d), spike_keys(f)
        active = np.flatnonzero((d.counts > 0) | (f.counts > 0))
        d_steps, f_steps = d.steps_per_neuron(), f.steps_per_neuron()
        identical = sum(np.array_equal(d_steps[i], f_steps[i]) for i in active)
        within_one = np.isin(f_keys, np.concatenate([d_keys - 1, d_keys, d_keys + 1]))
        rate_difference = np.abs(f.counts - d.counts)[active] / d.duration_s
        rows.append(
            {
                "spikes": (len(d_keys), len(f_keys)),
                "identical_trains": identical / len(active),
                "same_step": np.isin(f_keys, d_keys).sum() / len(d_keys),
                "within_one_step": within_one.sum() / len(d_keys),
                "mean_rate_difference_hz": float(rate_difference.mean()),
                "max_rate_difference_hz": float(rate_difference.max()),
            }
        )
    rates = np.array([d.counts / d.duration_s for _, d in sorted(double.items())])
    fired = rates.max(axis=0) > 0
    spread = float(rates[:, fired].std(axis=0, ddof=1).mean()) if len(rates) > 1 else float("nan")
    return {"seeds": rows, "double_rate_spread_hz": spread}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, default=138_639)
    parser.add_argument("--connections", type=int, default=15_091_983)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    targets = yaml.safe_load((ROOT / "config/studies/flywire.yaml").read_text())
    targets = targets["sweeps"]["sugar"]["targets"]["sugar"][:N_DRIVEN]
    with tempfile.TemporaryDirectory(prefix="spikesweep-flywire-") as folder:
        folder = Path(folder)
        neurons, connectivity = folder / "Completeness.csv", folder / "Connectivity.parquet"
        started = time.perf_counter()
        write_synthetic(neurons, connectivity, args.neurons, args.connections, 0, targets)
        print(f"synthetic connectome written in {time.perf_counter() - started:.0f} s")
        floor = run_lif_floor(folder)
        print(f"lif_floor.cpp: {floor}")
        # Shiu-style first: its peak RSS is read from RUSAGE_CHILDREN, the largest child so far.
        (folder / "shiu").mkdir()
        theirs = run_shiu_style(folder / "shiu", neurons, connectivity, targets, args.seeds)
        print(f"Shiu-style: {theirs}")
        studies = {
            precision: spikesweep_study(neurons, connectivity, targets, args.seeds, precision)
            for precision in ("double", "single")
        }
        ours = {
            precision: run_spikesweep(folder / precision, study)
            for precision, study in studies.items()
        }
        for precision, result in ours.items():
            print(f"spikesweep {precision}: { {k: v for k, v in result.items() if k != 'trains'} }")
        forum = run_forum(folder / "forum", studies["double"])
        print(f"forum's formulation: { {k: forum[k] for k in ('build_s', 'run_s', 'loop_s')} }")
    double, single = ours["double"], ours["single"]
    reference = double["trains"][0]
    identical = np.array_equal(reference.neuron, forum["neuron"]) and np.array_equal(
        reference.step, forum["step"]
    )
    print(f"\n{args.neurons} neurons, {args.connections} connections, {N_DRIVEN} driven, 1 s\n")
    print_loop_table(double, single, forum, theirs, floor, identical)
    print_experiment_table(double, theirs, args.seeds)
    print_precision_table(precision_differences(double["trains"], single["trains"]))


def print_table(header: list[str], rows: list[tuple]) -> None:
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def print_loop_table(double, single, forum, theirs, floor, identical) -> None:
    """Per simulated second, on one core: the run loop and a run around it."""
    loop = double["simulation_s"]
    rows = [
        (
            "spikesweep, `precision: double`",
            f"{loop:.2f}",
            f"{double['program_run_s']:.2f} ({double['run_s']:.2f})",
            "identical to the forum's" if identical else "**differ from the forum's**",
        ),
        (
            "spikesweep, `precision: single`",
            f"{single['simulation_s']:.2f}",
            f"{single['program_run_s']:.2f} ({single['run_s']:.2f})",
            "float32: see below",
        ),
        (
            "the forum's Brian2 code, cpp_standalone, same flags",
            f"{forum['loop_s']:.2f}",
            f"{forum['run_s']:.2f}",
            f"{forum['spikes']} (seed 0)",
        ),
        (
            "Shiu-style trial (Cython runtime, rebuilt)",
            f"{theirs['network_run_s']:.2f}",
            f"{theirs['run_s']:.2f}",
            "own seeds",
        ),
        *(
            (f"lif_floor.cpp, {key.split()[0]}, {key.split()[1]}", f"{value:.2f}", "-", "-")
            for key, value in floor.items()
        ),
    ]
    print_table(["", "run loop (s)", "run (s): in the program (batch job per run)", "spikes"], rows)
    print(
        f"float64 loop against the forum's: {loop / forum['loop_s']:.2f}; against "
        f"lif_floor f64 x86-64-v3: {loop / floor['f64 x86-64-v3']:.2f}. float32 loop against "
        f"lif_floor f32 x86-64-v3: {single['simulation_s'] / floor['f32 x86-64-v3']:.2f}. "
        f"A run in the program against its loop: {double['program_run_s'] / loop:.2f} (double), "
        f"{single['program_run_s'] / single['simulation_s']:.2f} (single).\n"
    )


def print_experiment_table(ours, theirs, n_seeds) -> None:
    """The experiment, spikesweep (float64) against Shiu-style."""
    rows = [
        ("load + build, once (s)", f"{ours['load_s']:.1f} + {ours['build_s']:.1f}", "-", ""),
        *(
            (label, f"{ours[a]:.2f}", f"{theirs[b]:.2f}", f"{ours[a] / theirs[b]:.2f}")
            for label, a, b in (
                ("per run / trial (s)", "run_s", "run_s"),
                ("of which the run loop (s)", "simulation_s", "network_run_s"),
            )
        ),
        ("of which reading the files and building (s)", "-", f"{theirs['build_s']:.1f}", ""),
        (
            f"whole experiment, {n_seeds} seeds (s)",
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
    print_table(["", "spikesweep", "Shiu-style", "ratio"], rows)


def print_precision_table(differences: dict) -> None:
    """float32 against float64, per seed."""
    rows = [
        (
            str(seed),
            f"{row['spikes'][0]} / {row['spikes'][1]}",
            f"{row['identical_trains']:.1%}",
            f"{row['same_step']:.1%}",
            f"{row['within_one_step']:.1%}",
            f"{row['mean_rate_difference_hz']:.2f} / {row['max_rate_difference_hz']:.0f}",
        )
        for seed, row in enumerate(differences["seeds"])
    ]
    print_table(
        [
            "seed",
            "spikes float64 / float32",
            "identical trains (of active neurons)",
            "float32 spikes at a float64 spike's step",
            "within one step",
            "per-neuron rate difference, mean / max (Hz)",
        ],
        rows,
    )
    print(
        "float64 per-neuron rates vary over seeds by "
        f"{differences['double_rate_spread_hz']:.2f} Hz "
        "(standard deviation, mean over active neurons)."
    )


if __name__ == "__main__":
    main()
