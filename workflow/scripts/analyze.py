"""Run the analysis this rule names and write its numbers and verdict."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from spikesweep.analyses import run_analysis  # noqa: E402
from spikesweep.storage import write_analysis  # noqa: E402

numbers, summary = run_analysis(snakemake.rule, snakemake.input, snakemake.params)
write_analysis(
    numbers,
    summary,
    snakemake.output.numbers,
    snakemake.output.verdict,
    config=snakemake.params.config,
    command=f"snakemake rule {snakemake.rule}",
)
