"""What a study shows its reader: figures, ``answers.md``, tables, the report's categories.

This module imports only the analysis registry, so that the workflow can list
the figures without importing matplotlib.

Modules
-------
figures
    Every figure, drawn from stored datasets and verdicts, byte-reproducible.
answers
    ``answers.md``: the forum's questions answered from the verdicts.
tables
    The per-point rate summary, and per-neuron rate tables by FlyWire id.
"""

from spikesweep.analyses import Analysis

__all__ = ["DATASET_FIGURES", "figure_categories"]

#: Figures of every study, drawn from its datasets alone, with their report category.
DATASET_FIGURES = {
    "raster": "Spike trains and rates",
    "rates": "Spike trains and rates",
    "tuning": "Spike trains and rates",
}


def figure_categories(analyses: list[Analysis]) -> dict[str, str]:
    """Figure name -> report category, for a study that runs ``analyses``."""
    return {**DATASET_FIGURES, **{entry.figure: entry.category for entry in analyses}}
