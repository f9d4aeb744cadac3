"""Simulate a batch of runs, writing each run's spike trains and the batch's costs."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from spikesweep.engine.batches import run_batch, runners  # noqa: E402
from spikesweep.engine.locks import snakemake_alive  # noqa: E402
from spikesweep.study import Run  # noqa: E402

program = snakemake.input.get("program")
with runners(program, snakemake.input.network, snakemake.threads) as simulate:
    run_batch(
        [Run.from_json(run) for run in snakemake.params.runs],
        snakemake.output.spikes,
        snakemake.output.costs,
        simulate,
        command="snakemake rule simulate",  # the same whatever batch runs it
        keep_going=snakemake_alive,
    )
