"""Compile the cpp_standalone program of one network structure."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from spikesweep.networks import load_network  # noqa: E402
from spikesweep.standalone import build_program  # noqa: E402

build_program(
    snakemake.params.run,
    load_network(snakemake.input.network),
    snakemake.output[0],
    jobs=snakemake.threads,
)
