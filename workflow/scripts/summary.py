"""The rates of the driven and other neurons at each network, mode and grid point."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

import xarray as xr  # noqa: E402

from spikesweep.files import atomic_path  # noqa: E402
from spikesweep.report.tables import point_summary  # noqa: E402
from spikesweep.storage import driven_neurons  # noqa: E402

with xr.open_datatree(snakemake.input.rates) as rates:
    table = point_summary(rates, driven_neurons(rates))  # read one point at a time
with atomic_path(snakemake.output.table) as tmp:
    table.to_csv(tmp, index=False, float_format="%.10g")
