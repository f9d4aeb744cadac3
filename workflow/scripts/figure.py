"""Draw one figure of the study from its stored files."""

import logging
import sys

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

from pathlib import Path  # noqa: E402

from spikesweep.report.figures import FigureInputs, draw_figure, save  # noqa: E402

files = FigureInputs(
    snakemake.input.spikes,
    snakemake.input.rates,
    snakemake.input.summary,
    snakemake.params.analysis_dir,
    delay_ms=snakemake.params.delay_ms,
    bin_ms=snakemake.params.bin_ms,
)
figure = draw_figure(snakemake.wildcards.figure, files)
save(figure, Path(snakemake.output.png).with_suffix(""))
