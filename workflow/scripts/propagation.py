"""Spike-triggered v responses of connected pairs."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from pathlib import Path  # noqa: E402

import xarray as xr  # noqa: E402

from spikesweep.analyses.propagation import propagation  # noqa: E402
from spikesweep.networks import load_network  # noqa: E402
from spikesweep.storage import write_analysis  # noqa: E402

networks = {Path(path).stem: load_network(path) for path in snakemake.input.networks}
runs = []
for path in snakemake.input.runs:
    with xr.open_dataset(path) as run:
        runs.append(run.load())
numbers, summary = propagation(
    runs,
    networks,
    delay_ms=snakemake.params.delay_ms,
    window_ms=snakemake.params.window_ms,
    alpha=snakemake.params.alpha,
)
write_analysis(
    numbers,
    summary,
    snakemake.output.numbers,
    snakemake.output.verdict,
    config=snakemake.params.config,
    command=f"snakemake rule {snakemake.rule}",
)
