"""Statistics the analyses share, on SciPy where SciPy has them.

Only the branches SciPy does not cover are written here: an empty set of
p-values, and samples with zero variance (every seed gave the same value),
where SciPy's t-tests return NaN but the answer is exact.
"""

import numpy as np
import scipy.stats

__all__ = ["benjamini_hochberg", "paired_difference"]


def benjamini_hochberg(p_values, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg step-up: (rejected, adjusted p-values), same order as given."""
    p = np.asarray(p_values, dtype=np.float64)
    if p.size == 0:
        return np.zeros(0, dtype=bool), p
    adjusted = scipy.stats.false_discovery_control(p, method="bh")
    return adjusted <= alpha, adjusted


def paired_difference(a: np.ndarray, b: np.ndarray, confidence_level: float = 0.95) -> dict:
    """Mean of ``a - b`` over pairs (axis 0), its confidence interval and paired t-tests.

    ``a`` and ``b`` have shape ``(pairs,)`` or ``(pairs, tests)``: each column
    is tested on its own. Returns ``difference`` (mean), ``ci_low``,
    ``ci_high``, ``t``, ``p_less`` and ``p_greater`` (one-sided: the
    difference is negative, positive) and ``p_two_sided``, floats for 1-D
    input and arrays of shape ``(tests,)`` otherwise; NaN for fewer than two
    pairs. Where every pair has the same difference, the interval is that
    point and the p-values are 0 or 1.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    diff = a - b
    mean = diff.mean(axis=0) if len(diff) else np.full(diff.shape[1:], np.nan)
    keys = ("ci_low", "ci_high", "t", "p_less", "p_greater", "p_two_sided")
    stats = {"difference": mean, **{key: np.full(diff.shape[1:], np.nan) for key in keys}}
    if len(diff) >= 2:
        # Zero variance (every pair the same difference): SciPy gives NaN, the answer is exact.
        constant = np.ptp(diff, axis=0) == 0
        exact = {
            "ci_low": mean,
            "ci_high": mean,
            "t": np.where(mean == 0, 0.0, np.copysign(np.inf, mean)),
            "p_less": np.where(mean < 0, 0.0, 1.0),
            "p_greater": np.where(mean > 0, 0.0, 1.0),
            "p_two_sided": np.where(mean == 0, 1.0, 0.0),
        }
        stats |= {key: np.where(constant, exact[key], np.nan) for key in keys}
        varying = ~constant
        if varying.any():
            tested = (a[:, varying], b[:, varying]) if diff.ndim > 1 else (a, b)
            result = scipy.stats.ttest_rel(*tested, axis=0)
            interval = result.confidence_interval(confidence_level)
            found = {
                "ci_low": interval.low,
                "ci_high": interval.high,
                "t": result.statistic,
                "p_less": scipy.stats.ttest_rel(*tested, axis=0, alternative="less").pvalue,
                "p_greater": scipy.stats.ttest_rel(*tested, axis=0, alternative="greater").pvalue,
                "p_two_sided": result.pvalue,
            }
            for key, value in found.items():
                stats[key] = np.array(stats[key], dtype=np.float64)
                stats[key][varying] = value
    if diff.ndim == 1:
        return {key: float(value) for key, value in stats.items()}
    return stats
