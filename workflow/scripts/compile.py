"""Compile the cpp_standalone program of one network structure."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from spikesweep.engine.standalone import compile_program  # noqa: E402
from spikesweep.networks.connectivity import load_network  # noqa: E402
from spikesweep.study import Run  # noqa: E402

compile_program(
    Run.from_json(snakemake.params.run),
    load_network(snakemake.input.network),
    snakemake.output[0],
    jobs=snakemake.threads,
)
