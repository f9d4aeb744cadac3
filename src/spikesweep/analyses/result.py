"""The result of an analysis: its verdict (written as JSON) and its numbers (as NetCDF)."""

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from spikesweep.analyses import ANALYSES
from spikesweep.files import atomic_path
from spikesweep.storage import provenance

__all__ = ["AnalysisResult"]


def _json_ready(value):
    """Numpy scalars to Python, NaN and inf to None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class AnalysisResult:
    """What an analysis found, with the test behind it and its controls.

    Attributes
    ----------
    analysis : str
        The analysis' registry name.
    verdict : str
        The answer, in the analysis' own words (``"independent"``, ``"invalid"``...).
    test : str
        The test used, in words.
    statistic, pvalue : float
        The deciding statistic and its (multiplicity-adjusted) p-value.
    alpha : float
        The significance level or false-discovery rate.
    effect_size : float
        The size of the effect; ``effect_size_name`` says what it measures.
    effect_size_name : str
    controls : dict
        Each control's outcome: ``passed`` is True or False, or None where the
        study has nothing to run it on (with the ``reason``). A control that
        was run and failed makes the verdict ``invalid``.
    points : list of dict
        One row per tested point (grid point, pair, neuron...): the table
        stored as ``{name}.nc`` along dimension ``point``.
    details : dict
        Further JSON fields of the analysis (settings, cost tables...).
    arrays : xarray.Dataset, optional
        Further variables of ``{name}.nc`` (aligned on ``point``).
    """

    analysis: str
    verdict: str
    test: str
    statistic: float
    pvalue: float
    alpha: float
    effect_size: float
    effect_size_name: str
    controls: dict
    points: list[dict]
    details: dict = field(default_factory=dict)
    arrays: xr.Dataset | None = None

    def __repr__(self) -> str:
        return f"<AnalysisResult {self.analysis}: {self.verdict} (p = {self.pvalue:.3g})>"

    def summary(self) -> dict:
        """The verdict as a dict, as its JSON file holds it (``p_value`` for :attr:`pvalue`;
        NaN is written as null)."""
        return {
            "analysis": self.analysis,
            "question": ANALYSES[self.analysis].question,
            "verdict": self.verdict,
            "test": self.test,
            "statistic": self.statistic,
            "p_value": self.pvalue,
            "alpha": self.alpha,
            "effect_size": self.effect_size,
            "effect_size_name": self.effect_size_name,
            "controls": self.controls,
            "points": self.points,
            **self.details,
        }

    def numbers(self) -> xr.Dataset:
        """The per-point table (dimension ``point``) and :attr:`arrays`."""
        numbers = xr.Dataset.from_dataframe(pd.DataFrame(self.points)).rename({"index": "point"})
        return numbers if self.arrays is None else numbers.merge(self.arrays)

    def write(self, nc_path, json_path, config: dict, command: str) -> None:
        """Write :meth:`numbers` as NetCDF and :meth:`summary` as JSON, atomically."""
        numbers = self.numbers().assign_attrs(
            provenance(config, command, seed=config.get("seeds", []))
        )
        with atomic_path(nc_path) as tmp:
            numbers.to_netcdf(tmp, engine="netcdf4")
        with atomic_path(json_path) as tmp:
            summary = _json_ready(self.summary())
            tmp.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
