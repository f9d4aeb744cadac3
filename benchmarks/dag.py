"""Benchmark: build the DAG of a 100,000-point study (`snakemake -n`; not a test).

One random 3000-neuron network, ``poisson_input``, a grid of 10 rates x 10
n_sources x 10 weights x 10 membrane time constants x 10 thresholds, one
seed: 100,000 runs in 1,000 batch jobs of one compiled program, plus
collection, analyses and figures. Prints the wall time of the dry run (target:
under 2 minutes) and, as baselines measured in the same run, those of the
100- and 10,000-point studies made of the grid's first two and four axes.

    .venv/bin/python benchmarks/dag.py
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: Ten values of each axis; a study sweeps the first few.
AXES = {
    "rate_hz": [10.0 * k for k in range(1, 11)],
    "n_sources": list(range(1, 11)),
    "weight_mV": [round(0.1 * k, 1) for k in range(1, 11)],
    "tau_m_ms": [float(k) for k in range(11, 21)],
    "v_th_mV": [-50.0 + 0.5 * k for k in range(10)],
}
DRIVE = ("rate_hz", "n_sources", "weight_mV")


def study(n_axes: int) -> dict:
    """The grid of the first ``n_axes`` axes (10 ** n_axes points); weight 1 mV if unswept."""
    grid = dict(list(AXES.items())[:n_axes])
    grid.setdefault("weight_mV", [1.0])
    return {
        "study": "dag",
        "seeds": [0],
        "networks": {
            "random3000": {"random": {"n": 3000, "density": 0.01, "weights": [-5, 5], "seed": 7}}
        },
        "sweeps": {"grid": {"networks": ["random3000"], "modes": ["poisson_input"], "grid": grid}},
    }


def dry_run_s(config: dict) -> float:
    """Wall time (s) of `snakemake -n` on ``config`` in a fresh folder."""
    with tempfile.TemporaryDirectory(prefix="spikesweep-dag-") as workdir:
        (Path(workdir) / "config.yaml").write_text(yaml.safe_dump(config))
        command = [
            *(sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")),
            *("--directory", workdir, "--configfile", str(Path(workdir) / "config.yaml")),
            *("--dry-run", "--quiet", "all"),
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        return time.perf_counter() - started


def main() -> None:
    times = {10**n: dry_run_s(study(n)) for n in (2, 4, 5)}
    print("| grid points | snakemake -n (s) |")
    print("|---|---|")
    for n_points, seconds in times.items():
        print(f"| {n_points:,} | {seconds:.1f} |")
    print(
        f"\n100,000 / 100 points: {times[100_000] / times[100]:.0f}x the time "
        f"(target: under 120 s; measured {times[100_000]:.0f} s)"
    )


if __name__ == "__main__":
    main()
