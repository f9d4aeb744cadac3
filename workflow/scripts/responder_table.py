"""One experiment's responders, strongest first (by FlyWire id and cell type for FlyWire
networks)."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import xarray as xr  # noqa: E402

from spikesweep.files import atomic_path  # noqa: E402
from spikesweep.report.tables import responder_table  # noqa: E402
from spikesweep.storage import NEURON_LABELS  # noqa: E402

point = snakemake.params.point
with xr.open_dataset(snakemake.input.rates, group=point["network"]) as rates:
    labels = {name: rates[name].values for name in NEURON_LABELS if name in rates}
with xr.open_dataset(snakemake.input.numbers) as numbers:
    experiments = json.loads(Path(snakemake.input.verdict).read_text())["points"]
    table = responder_table(numbers.load(), experiments, point, labels)
logging.info("%d responders", len(table))
with atomic_path(snakemake.output.table) as tmp:
    table.to_csv(tmp, index=False, float_format="%.10g")
