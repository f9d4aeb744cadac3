"""One FlyWire experiment's spikes as Shiu et al.'s parquet (t, trial, flywire_id, exp_name)."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

import xarray as xr  # noqa: E402

from spikesweep.exchange import shiu_spikes  # noqa: E402
from spikesweep.files import atomic_path  # noqa: E402
from spikesweep.spikes import SpikeDataset  # noqa: E402

point = snakemake.params.point
with xr.open_dataset(snakemake.input.rates, group=point["network"]) as rates:
    ids = rates["flywire_id"].values
with xr.open_dataset(snakemake.input.spikes) as spikes:
    name = snakemake.wildcards.experiment
    table = shiu_spikes(SpikeDataset.from_xarray(spikes), point, ids, name)
logging.info("%d spikes", len(table))
with atomic_path(snakemake.output.spikes) as tmp:
    table.to_parquet(tmp, index=False)
