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
    """Mean of ``a - b`` over pairs, its confidence interval and paired t-tests.

    Returns ``difference`` (mean), ``ci_low``, ``ci_high``, ``t``, ``p_less``
    (one-sided: the difference is negative) and ``p_two_sided``; NaN for
    fewer than two pairs. Where every pair has the same difference the
    interval is that point and the p-values are 0 or 1.
    """
    diff = a - b
    n = diff.size
    mean = float(diff.mean()) if n else float("nan")
    if n < 2:
        nan = float("nan")
        return {
            "difference": mean,
            "ci_low": nan,
            "ci_high": nan,
            "t": nan,
            "p_less": nan,
            "p_two_sided": nan,
        }
    if np.ptp(diff) == 0:  # zero variance: SciPy gives NaN, the answer is exact
        return {
            "difference": mean,
            "ci_low": mean,
            "ci_high": mean,
            "t": 0.0 if mean == 0 else float(np.copysign(np.inf, mean)),
            "p_less": 1.0 if mean >= 0 else 0.0,
            "p_two_sided": 1.0 if mean == 0 else 0.0,
        }
    less = scipy.stats.ttest_rel(a, b, alternative="less")
    two_sided = scipy.stats.ttest_rel(a, b)
    interval = two_sided.confidence_interval(confidence_level)
    return {
        "difference": mean,
        "ci_low": float(interval.low),
        "ci_high": float(interval.high),
        "t": float(two_sided.statistic),
        "p_less": float(less.pvalue),
        "p_two_sided": float(two_sided.pvalue),
    }
