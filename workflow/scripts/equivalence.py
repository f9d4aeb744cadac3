"""Equivalence of input modes: rates and cost."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

import xarray as xr  # noqa: E402

from spikesweep.analyses.equivalence import equivalence, read_costs  # noqa: E402
from spikesweep.storage import driven_neurons, write_analysis  # noqa: E402

with xr.open_dataset(snakemake.input.spikes) as spikes:
    driven = driven_neurons(spikes)
with xr.open_datatree(snakemake.input.rates) as rates:
    numbers, summary = equivalence(
        rates.load(),
        driven,
        read_costs(snakemake.input.costs, snakemake.params.points),
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
