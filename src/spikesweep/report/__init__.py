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
    Per-neuron rate tables by FlyWire id (Shiu et al.'s summary).
"""

from spikesweep.analyses import Analysis

__all__ = ["DATASET_FIGURES", "figure_categories"]

#: Figures drawn from the datasets alone (with any analysis), with their report category.
DATASET_FIGURES = {"raster": "Q1.1/Q1.2 independence", "rates": "Q1 input modes"}


def figure_categories(analyses: list[Analysis]) -> dict[str, str]:
    """Figure name -> report category, for a study running ``analyses`` (none without)."""
    if not analyses:
        return {}
    return {**DATASET_FIGURES, **{entry.figure: entry.category for entry in analyses}}
