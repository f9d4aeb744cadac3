"""Every run's spike trains as an NWB file (a units table with the runs' coordinates)."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

import xarray as xr  # noqa: E402

from spikesweep.exchange import write_nwb  # noqa: E402
from spikesweep.spikes import SpikeDataset  # noqa: E402

with xr.open_dataset(snakemake.input.spikes) as spikes:
    write_nwb(
        SpikeDataset.from_xarray(spikes.load()),
        snakemake.output.nwb,
        identifier=snakemake.params.identifier,
        description=snakemake.params.description,
    )
