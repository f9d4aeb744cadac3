"""Build, validate and store one network's connectivity."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from spikesweep.networks.connectivity import (  # noqa: E402
    network_from_source,
    neuron_cell_types,
    save_network,
)

source = snakemake.params.source
matrix, neuron_ids = network_from_source(snakemake.wildcards.network, source)
logging.info(
    "network %s: %d neurons, %d synapses", snakemake.wildcards.network, matrix.shape[0], matrix.nnz
)
save_network(matrix, neuron_ids, snakemake.output.npz, neuron_cell_types(source))
