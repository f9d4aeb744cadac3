"""Rates of neurons with inhibitory input, intact vs lesioned."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from pathlib import Path  # noqa: E402

import xarray as xr  # noqa: E402

from spikesweep.analyses.inhibition import inhibition  # noqa: E402
from spikesweep.networks import load_network  # noqa: E402
from spikesweep.storage import write_analysis  # noqa: E402

networks = {Path(path).stem: load_network(path) for path in snakemake.input.networks}
with xr.open_datatree(snakemake.input.rates) as rates:
    numbers, summary = inhibition(rates.load(), networks, alpha=snakemake.params.alpha)
write_analysis(
    numbers,
    summary,
    snakemake.output.numbers,
    snakemake.output.verdict,
    config=snakemake.params.config,
    command=f"snakemake rule {snakemake.rule}",
)
