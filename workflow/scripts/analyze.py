"""Run the analysis this job names and write its numbers and verdict."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from spikesweep.analyses.inputs import run_analysis  # noqa: E402

name = snakemake.wildcards.analysis
result = run_analysis(name, snakemake.input, snakemake.params.parameters)
result.write(
    snakemake.output.numbers,
    snakemake.output.verdict,
    config=snakemake.params.config,
    command=f"snakemake rule {name}",
)
