"""Output rate against N x rate, with the dead-time prediction."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

import xarray as xr  # noqa: E402

from spikesweep.analyses.input_scaling import input_scaling  # noqa: E402
from spikesweep.storage import driven_neurons, write_analysis  # noqa: E402

with xr.open_dataset(snakemake.input.spikes) as spikes:
    driven = driven_neurons(spikes)
with xr.open_datatree(snakemake.input.rates) as rates:
    numbers, summary = input_scaling(
        rates.load(),
        driven,
        model=snakemake.params.model,
        dt_ms=snakemake.params.dt_ms,
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
