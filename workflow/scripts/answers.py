"""answers.md from the analyses' verdicts."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

import json  # noqa: E402
from pathlib import Path  # noqa: E402

from spikesweep.files import atomic_path  # noqa: E402
from spikesweep.report.answers import render_answers  # noqa: E402

summaries = {Path(p).stem: json.loads(Path(p).read_text()) for p in snakemake.input.verdicts}
with atomic_path(snakemake.output.answers) as tmp:
    tmp.write_text(
        render_answers(
            snakemake.params.study,
            snakemake.params.overview,
            summaries,
            snakemake.params.not_run,
        )
    )
