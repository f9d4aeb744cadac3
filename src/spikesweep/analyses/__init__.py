"""Analyses that turn a study's datasets into statistical verdicts.

Each module computes one analysis of the contract (section 6) and returns its
numbers as an :class:`xarray.Dataset` and its verdict as a JSON-able dict with
at least ``analysis``, ``verdict``, ``test``, ``statistic``, ``p_value``,
``alpha``, ``effect_size``, ``controls`` and ``points`` (per grid point).
"""
