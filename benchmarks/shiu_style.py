"""The baseline of benchmarks/flywire.py: a Shiu et al. (2024)-style experiment.

Follows the approach of their ``model.py`` (written anew here, not copied):
every trial rebuilds the whole network on Brian2's Cython runtime from the
neurons CSV and the connectivity parquet, drives each chosen neuron with a
``PoissonInput`` of its own (refractory period 0 for driven neurons), runs
1 s, and the spikes of all trials go to one brotli parquet with columns
``t, trial, flywire_id``. No seed is set, as in their code. Trials run one
after the other (Shiu et al. spread them over cores with joblib), each in a
fresh process, timed from reading the files (a joblib worker imports Brian2
once): within one process Brian2 numbers each new ``PoissonInput``'s
binomial function anew (``poissoninput_binomial_57``), so every trial after
the first would be new code, compiled by Cython for about 3 s per driven
neuron. One untimed trial first fills the Cython cache (``--warm-up``).

Prints one JSON line: seconds of the warm-up, seconds per trial (and of it,
reading and building, ``Network.run``, and the time inside its code objects,
i.e. the simulation loops, from Brian2's profiling), spikes, parquet bytes.

    python benchmarks/shiu_style.py NEURONS.csv CONNECTIVITY.parquet OUT.parquet \
        --trials 3 --targets ID [ID ...]
"""

import argparse
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from brian2 import Hz, Network, NeuronGroup, PoissonInput, SpikeMonitor, Synapses, ms, mV, second

PARAMS = {
    "v_0": -52 * mV,
    "v_rst": -52 * mV,
    "v_th": -45 * mV,
    "t_mbr": 20 * ms,
    "tau": 5 * ms,
    "t_rfc": 2.2 * ms,
    "t_dly": 1.8 * ms,
    "w_syn": 0.275 * mV,
    "r_poi": 150 * Hz,
    "f_poi": 250,
}
EQUATIONS = """
dv/dt = (v_0 - v + g) / t_mbr : volt (unless refractory)
dg/dt = -g / tau              : volt (unless refractory)
rfc                           : second
"""


def trial(neurons: Path, connectivity: Path, driven: list[int], duration) -> tuple[dict, dict]:
    """Build the network from the files, drive ``driven`` (indices), run.

    Returns the spike times (s) per neuron index that fired, and the trial's
    seconds: ``trial_s``, of which ``build_s`` (files to network) and
    ``network_run_s`` (``Network.run``), of which ``loop_s`` (in code objects).
    """
    started = time.perf_counter()
    completeness = pd.read_csv(neurons, index_col=0)
    edges = pd.read_parquet(connectivity)
    group = NeuronGroup(
        len(completeness),
        EQUATIONS,
        method="linear",
        threshold="v > v_th",
        reset="v = v_rst; g = 0 * mV",
        refractory="rfc",
        namespace=PARAMS,
    )
    group.v = PARAMS["v_0"]
    group.g = 0 * mV
    group.rfc = PARAMS["t_rfc"]
    synapses = Synapses(group, group, "w : volt", on_pre="g += w", delay=PARAMS["t_dly"])
    synapses.connect(i=edges["Presynaptic_Index"].values, j=edges["Postsynaptic_Index"].values)
    synapses.w = edges["Excitatory x Connectivity"].values * PARAMS["w_syn"]
    inputs = []
    for index in driven:
        inputs.append(
            PoissonInput(
                group[index : index + 1],
                "v",
                N=1,
                rate=PARAMS["r_poi"],
                weight=PARAMS["w_syn"] * PARAMS["f_poi"],
            )
        )
        group[index : index + 1].rfc = 0 * ms
    monitor = SpikeMonitor(group)
    network = Network(group, synapses, monitor, *inputs)
    built = time.perf_counter()
    network.run(duration, profile=True)
    ended = time.perf_counter()
    seconds = {
        "trial_s": ended - started,
        "build_s": built - started,
        "network_run_s": ended - built,
        "loop_s": float(sum(t for _, t in network.profiling_info) / second),
    }
    trains = {int(k): np.asarray(v) for k, v in monitor.spike_trains().items() if len(v)}
    return trains, seconds


def in_fresh_process(*args) -> tuple[dict, dict]:
    """:func:`trial` in a new process (Brian2's object numbering starts afresh)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        return pool.submit(trial, *args).result()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("neurons", type=Path)
    parser.add_argument("connectivity", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--warm-up", type=int, default=1, help="untimed trials first")
    parser.add_argument("--duration-ms", type=float, default=1000)
    parser.add_argument("--targets", type=int, nargs="+", required=True, help="FlyWire ids")
    args = parser.parse_args()
    ids = pd.read_csv(args.neurons, index_col=0).index
    index_of = {flywire_id: i for i, flywire_id in enumerate(ids)}
    driven = [index_of[flywire_id] for flywire_id in args.targets]
    experiment = (args.neurons, args.connectivity, driven, args.duration_ms * ms)
    started = time.perf_counter()
    for _ in range(args.warm_up):
        in_fresh_process(*experiment)
    warm_up_s = time.perf_counter() - started
    parts, rows = [], []
    for number in range(args.trials):
        trains, part = in_fresh_process(*experiment)
        parts.append(part)
        for index, times in trains.items():
            rows += [(float(t), number, int(ids[index])) for t in times]
    spikes = pd.DataFrame(rows, columns=["t", "trial", "flywire_id"])
    spikes.to_parquet(args.output, compression="brotli")
    print(
        json.dumps(
            {
                "warm_up_s": warm_up_s,
                **{key: [part[key] for part in parts] for key in parts[0]},
                "spikes": len(spikes),
                "parquet_bytes": args.output.stat().st_size,
            }
        )
    )


if __name__ == "__main__":
    main()
