"""Numbers and grid points as the analyses' answers write them in Markdown."""

from spikesweep.study.axes import DRIVE_AXES, GRID_AXES

__all__ = ["fixed", "number", "outcome", "point_label"]


def number(value, digits=3) -> str:
    """``value`` with ``digits`` significant digits; ``n/a`` for a missing (NaN) value."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def fixed(value, spec: str) -> str:
    """``value`` in the format ``spec`` (such as ``"+.2f"``); ``n/a`` when missing."""
    return "n/a" if value is None else format(value, spec)


def outcome(control: dict) -> str:
    """A control's outcome in words: ``passed``, ``FAILED``, or why it was not run."""
    if control["passed"] is None:
        return f"not run: {control.get('reason', 'nothing to test')}"
    return "passed" if control["passed"] else "FAILED"


def point_label(row: dict, rows: list[dict] = ()) -> str:
    """A table row's network and grid point: ``forum3, 150 Hz x N=1, 68.8 mV``, with
    each other axis that takes more than one value among ``rows`` (``tau_m_ms=10``)."""
    varying = [
        axis.name
        for axis in GRID_AXES
        if axis not in DRIVE_AXES and len({r.get(axis.name) for r in rows}) > 1
    ]
    return (
        f"{row['network']}, {number(row['rate_hz'])} Hz x N={int(row['n_sources'])}, "
        f"{number(row['weight_mV'])} mV"
    ) + "".join(f", {name}={number(row[name])}" for name in varying)
