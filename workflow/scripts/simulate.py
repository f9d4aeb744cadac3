"""Simulate one grid point and write its spike trains."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from spikesweep.networks import load_network  # noqa: E402
from spikesweep.simulate import simulate_config  # noqa: E402
from spikesweep.storage import write_run  # noqa: E402

run_config = snakemake.params.run
trains = simulate_config(run_config, load_network(snakemake.input.network))
write_run(snakemake.output.spikes, trains, run_config, command=f"snakemake rule {snakemake.rule}")
