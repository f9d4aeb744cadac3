"""Per-neuron rates of one FlyWire network by FlyWire id (active neurons only)."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

import xarray as xr  # noqa: E402

from spikesweep.files import atomic_path  # noqa: E402
from spikesweep.report.tables import rate_table  # noqa: E402

with xr.open_dataset(snakemake.input.rates, group=snakemake.wildcards.network) as rates:
    table = rate_table(rates)
logging.info("%d active neurons x drives", len(table))
with atomic_path(snakemake.output.table) as tmp:
    table.to_csv(tmp, index=False, float_format="%.10g")
