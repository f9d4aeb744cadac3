"""Independence of driven neurons' spike trains."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from pathlib import Path  # noqa: E402

import xarray as xr  # noqa: E402

from spikesweep.analyses.independence import independence  # noqa: E402
from spikesweep.networks import load_network  # noqa: E402
from spikesweep.storage import write_analysis  # noqa: E402

networks = {Path(path).stem: load_network(path) for path in snakemake.input.networks}
with xr.open_dataset(snakemake.input.spikes) as spikes:
    numbers, summary = independence(
        spikes, networks, bin_ms=snakemake.params.bin_ms, alpha=snakemake.params.alpha
    )
write_analysis(
    numbers,
    summary,
    snakemake.output.numbers,
    snakemake.output.verdict,
    config=snakemake.params.config,
    command=f"snakemake rule {snakemake.rule}",
)
