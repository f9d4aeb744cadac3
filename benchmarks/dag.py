"""Benchmark: build the DAG of a 10,000-point study (`snakemake -n`; not a test).

One random 3000-neuron network, ``poisson_count``, a grid of 10 rates x 10
n_sources x 100 weights, one seed: 10,000 runs in 500 batch jobs of one
compiled program, plus collection, analyses and figures. Prints the wall time
of the dry run (target: under 60 s) and, as the baseline measured in the same
run, that of a 100-point study (the same grid with one weight per ten).

    .venv/bin/python benchmarks/dag.py
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def study(n_weights: int) -> dict:
    return {
        "study": "dag",
        "seeds": [0],
        "networks": {
            "random3000": {"random": {"n": 3000, "density": 0.01, "weights": [-5, 5], "seed": 7}}
        },
        "sweeps": {
            "grid": {
                "networks": ["random3000"],
                "modes": ["poisson_count"],
                "grid": {
                    "rate_hz": [10.0 * k for k in range(1, 11)],
                    "n_sources": list(range(1, 11)),
                    "weight_mV": [round(0.1 * k, 1) for k in range(1, n_weights + 1)],
                },
            }
        },
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
    baseline = dry_run_s(study(1))
    large = dry_run_s(study(100))
    print("| grid points | snakemake -n (s) |")
    print("|---|---|")
    print(f"| 100 | {baseline:.1f} |")
    print(f"| 10,000 | {large:.1f} |")
    print(f"\n10,000 / 100 points: {large / baseline:.1f}x the time (target: under 60 s)")


if __name__ == "__main__":
    main()
