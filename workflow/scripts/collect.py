"""Collect every run of the study into spikes.nc and rates.nc."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from spikesweep.engine.batches import release_kept  # noqa: E402
from spikesweep.networks.connectivity import load_neuron_labels  # noqa: E402
from spikesweep.storage import collect  # noqa: E402

collect(
    snakemake.input.runs,
    snakemake.output.spikes,
    snakemake.output.rates,
    config=snakemake.params.config,
    command=f"snakemake rule {snakemake.rule}",
    neuron_labels={
        network: load_neuron_labels(path)
        for network, path in zip(
            snakemake.params.flywire_networks, snakemake.input.flywire_networks, strict=True
        )
    },
)
# The runs are collected: the links that kept them through interruptions can go.
release_kept(snakemake.input.runs)
