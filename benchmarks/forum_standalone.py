"""The forum's Brian2 formulation of one run on cpp_standalone (for benchmarks/flywire.py).

The model as the forum thread writes it (tests/forum_model.py: the parameters
as constants, ``refractory=`` tested on spike times, ``PoissonInput(N, rate)``
on the driven neurons), for the first run of a spikesweep study (its seed),
compiled with spikesweep's compiler flags and run once as Brian2 runs a
standalone program (which writes every array when it ends). Prints one JSON
line: ``build_s`` (code generation and compilation), ``run_s`` (the program's
process), ``loop_s`` (Brian2's run loop), ``spikes``; writes the run's spikes
(``neuron``, ``step``, sorted by neuron then step) to OUT.npz.

    python benchmarks/forum_standalone.py STUDY.yaml BUILD_DIR OUT.npz
"""

import argparse
import json
import sys
import time
from pathlib import Path

import brian2
import numpy as np
import yaml
from snakemake.utils import validate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the forum's formulation, as the tests write it
from forum_model import reference_network  # noqa: E402

from spikesweep.engine.standalone import COMPILE_FLAGS  # noqa: E402
from spikesweep.networks.connectivity import network_from_source  # noqa: E402
from spikesweep.study import load_study  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("study", type=Path)
    parser.add_argument("build", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    config = yaml.safe_load(args.study.read_text())
    validate(config, str(ROOT / "config/schema.yaml"))
    run = load_study(config).runs[0]
    connectivity, _ = network_from_source(run.network, run.source)
    brian2.set_device("cpp_standalone", directory=str(args.build), build_on_run=False)
    brian2.prefs.codegen.cpp.extra_compile_args_gcc = COMPILE_FLAGS
    brian2.defaultclock.dt = run.dt_ms * brian2.ms
    brian2.seed(run.seed)
    network, spikes = reference_network(connectivity, run)
    network.run(run.duration_ms * brian2.ms, namespace={})
    started = time.perf_counter()
    brian2.device.build(directory=str(args.build), compile=True, run=False)
    build_s = time.perf_counter() - started
    started = time.perf_counter()
    brian2.device.run(directory=str(args.build), with_output=False)
    run_s = time.perf_counter() - started
    step = np.round(spikes.t_[:] / (run.dt_ms * 1e-3)).astype(np.int64)
    neuron = np.asarray(spikes.i[:], dtype=np.int64)
    order = np.lexsort((step, neuron))
    np.savez(args.out, neuron=neuron[order], step=step[order])
    print(
        json.dumps(
            {
                "build_s": build_s,
                "run_s": run_s,
                "loop_s": brian2.device._last_run_time,
                "spikes": len(neuron),
            }
        )
    )


if __name__ == "__main__":
    main()
