"""Benchmark: the independence test on a 3000-neuron grid point (not a test).

Synthetic independent spike trains (a Poisson process with 2.2 ms dead time
at 112.8 Hz, the forum drive's output), 1 s at dt = 0.1 ms less a 100 ms
onset transient, 5 ms bins, all 4.5 million pairs, 2 seeds. Prints wall time
and peak memory per grid point, and the ratio to a baseline measured in the
same run: the binning alone.

    .venv/bin/python benchmarks/independence.py [n_neurons]
"""

import resource
import sys
import time

import numpy as np
import scipy.sparse

from spikesweep.analyses.independence import _binned, pair_statistics, pooled_test

N_STEPS, BIN_STEPS, SEEDS, TRANSIENT_STEPS = 10_000, 50, 2, 1_000


def spike_matrix(rng, n_neurons: int) -> scipy.sparse.csr_array:
    rows, cols = [], []
    for neuron in range(n_neurons):
        steps = np.cumsum(22 + rng.geometric(0.015, size=300))
        steps = steps[steps < N_STEPS]
        rows.append(np.full(len(steps), neuron))
        cols.append(steps)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    return scipy.sparse.csr_array((np.ones(len(cols)), (rows, cols)), shape=(n_neurons, N_STEPS))


def main(n_neurons: int) -> None:
    rng = np.random.default_rng(0)
    runs = [spike_matrix(rng, n_neurons)[:, TRANSIENT_STEPS:] for _ in range(SEEDS)]
    pairs = np.triu_indices(n_neurons, k=1)
    started = time.perf_counter()
    for run in runs:
        _binned(run, BIN_STEPS)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    result = pooled_test([pair_statistics(run, run, pairs, BIN_STEPS) for run in runs])
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"neurons            {n_neurons}")
    print(f"pairs per seed     {len(pairs[0])}")
    print(f"seeds              {SEEDS}")
    print(f"time per point     {elapsed:.1f} s  ({elapsed / baseline:.0f}x the binning alone)")
    print(f"peak memory        {peak_mb:.0f} MB (process)")
    print(f"p-value            {result['p_value']:.3g} (independent trains)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
