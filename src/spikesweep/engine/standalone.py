"""Compile once, run many: Brian2's cpp_standalone device as the simulation engine.

A *structure* (:meth:`~spikesweep.study.runs.Run.structure`) is what Brian2
compiles into a program: the network, duration and time step, whether state
is recorded, the input mode and what the mode compiles in
(:data:`~spikesweep.study.axes.COMPILED_AXES`; nothing for ``poisson_input``).
:func:`compile_program` generates and compiles a structure's program once;
:func:`run_program` runs it for one run, passing the run's
:meth:`~spikesweep.study.runs.Run.run_values` on the command line
(``name=value`` in SI units, or ``name=file`` for one value per neuron, as
``device.run(run_args=...)`` does) and its seed in the environment variable
:data:`SEED_VARIABLE`, read by code inserted before the simulation. The
program applies the values before anything is prepared for the run (the
synaptic queue takes its delay then), so every one of them may change from
run to run. A run's spikes therefore depend on its structure, values and seed
only: not on which job or batch runs it.

Each run writes Brian2's result files into its own scratch folder (in
``$TMPDIR``), which is deleted as soon as the spikes are read. Without recorded
state, a program writes the spike monitor's two arrays only and exits before
Brian2 writes every other array (the synapses' alone are 354 MB and 0.7 s
for the whole fly brain). Running a program needs NumPy only: Brian2 (and
:mod:`spikesweep.model`, which imports it) is imported by
:func:`compile_program` alone, so that a batch job does not pay Brian2's
import (seconds) for runs of a fraction of a second.
"""

import json
import logging
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse

from spikesweep.engine import RunCost
from spikesweep.spikes import STATE_VARIABLES, SpikeTrains
from spikesweep.study.runs import Run

__all__ = ["COMPILE_FLAGS", "MANIFEST", "SEED_VARIABLE", "compile_program", "run_program"]

logger = logging.getLogger(__name__)

#: Environment variable that carries a run's seed into the compiled program.
SEED_VARIABLE = "SPIKESWEEP_SEED"

#: GCC flags of compiled programs and Cython code: Brian2's defaults without
#: ``-march=native`` (a program is built once and may run on any node of a
#: cluster: the neurons' loops are compiled for two instruction sets and chosen
#: at start-up, :mod:`spikesweep.engine.codeobject`) and without ``-ffast-math``,
#: whose reassociation moves the last bit of ``v`` between two programs of the
#: same model. What remains of it changes no value: ``-fno-math-errno``, and
#: ``-fno-trapping-math``, which lets GCC turn the ``(unless refractory)`` branch
#: of the state update into a blend, so that the loop vectorises.
#: ``-ffp-contract=off`` keeps GCC from fusing a multiply and an add where the
#: instruction set has FMA: both versions of a loop compute the same values.
COMPILE_FLAGS = [
    "-w",
    "-O3",
    "-fno-math-errno",
    "-fno-trapping-math",
    "-ffp-contract=off",
    "-std=c++17",
]

#: File in a build folder naming the result files a run's spikes are read from.
MANIFEST = "spikesweep-build.json"

# Seeds Brian2's generator as brian2.seed(seed) would, from the environment.
_SEED_CODE = f"""
{{
    const char *_seed = std::getenv("{SEED_VARIABLE}");
    if (_seed == nullptr) {{
        std::cerr << "{SEED_VARIABLE} is not set" << std::endl;
        std::exit(2);
    }}
    brian::_random_generators[0].seed(std::stoull(_seed));
}}
"""

#: Result file holding the program's peak resident memory (kB, Linux only). Read
#: from /proc: the rusage of a child of Python would include Python's memory.
_PEAK_RSS_FILE = "peak_rss_kb"
#: Result file where Brian2 writes the seconds its run loop took (and the
#: completed fraction), as ``brian_end()`` does.
_RUN_INFO_FILE = "last_run_info.txt"
_RUN_INFO_CODE = f"""
{{
    std::ofstream _info(brian::results_dir + "{_RUN_INFO_FILE}");
    _info << Network::_last_run_time << " " << Network::_last_run_completed_fraction << std::endl;
}}
"""
_PEAK_RSS_CODE = f"""
{{
    std::ifstream _status("/proc/self/status");
    std::ofstream _peak(brian::results_dir + "{_PEAK_RSS_FILE}");
    std::string _line;
    while (std::getline(_status, _line))
        if (_line.rfind("VmHWM:", 0) == 0) _peak << _line.substr(6) << std::endl;
}}
"""


def _spikes_only_end(variables) -> str:
    """C++ for the end of a program: write ``variables`` (dynamic arrays), the run
    loop's time and the peak RSS into the results folder as Brian2 would, then exit
    without ``brian_end()``."""
    import brian2

    writes = "".join(
        f"""
    {{
        std::ofstream _file(brian::results_dir + "{brian2.device.get_array_filename(variable)}",
                            std::ios::binary | std::ios::out);
        const auto &_values = brian::{brian2.device.get_array_name(variable, access_data=False)};
        if (!_values.empty())
            _file.write(reinterpret_cast<const char *>(&_values[0]),
                        _values.size() * sizeof(_values[0]));
    }}"""
        for variable in variables
    )
    return f"{{{writes}\n{_RUN_INFO_CODE}\n{_PEAK_RSS_CODE}\n    std::exit(0);\n}}\n"


def compile_program(
    run: Run, connectivity: scipy.sparse.csr_array, directory: str | Path, jobs: int = 1
) -> None:
    """Generate and compile the program of ``run``'s structure into ``directory``.

    The program is built in a temporary sibling folder that is renamed when
    complete, so ``directory`` is either absent or a working build. Call once
    per process: Brian2's standalone device builds one project per process.

    Parameters
    ----------
    run : Run
        Any run of the structure (its run values become the program's defaults).
    connectivity : csr_array, shape (n, n)
        The network's weights, multiples of ``weight_per_synapse_mV``.
    directory : str or Path
        Where the build goes (must not exist).
    jobs : int, optional
        Parallel compiler processes (``make -j``).
    """
    import brian2

    from spikesweep.engine.codeobject import NeuronLoopsCodeObject
    from spikesweep.model import create_simulation

    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    for stale in directory.parent.glob(f".{directory.name}.*"):  # left by a killed build
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
    try:
        brian2.set_device("cpp_standalone", directory=str(tmp), build_on_run=False)
        brian2.prefs.codegen.cpp.extra_compile_args_gcc = COMPILE_FLAGS
        make_args = [f"-j{jobs}"]
        if shutil.which("ccache"):  # identical sources (brianlib, ...) across builds
            make_args.append("CXX=" + shlex.quote("ccache g++"))  # Brian2 runs make in a shell
        brian2.prefs.devices.cpp_standalone.extra_make_args_unix = make_args
        brian2.defaultclock.dt = run.dt_ms * brian2.ms
        simulation = create_simulation(connectivity, run, NeuronLoopsCodeObject)
        simulation.set_values(run)
        # The command line's values, applied before the run prepares anything and
        # before the drive connects to the run's driven neurons.
        brian2.device.apply_run_args()
        simulation.connect_drive()
        brian2.device.insert_code("main", _SEED_CODE)
        if simulation.state is None:
            spikes = simulation.spikes.variables
            brian2.device.insert_code("before_end", _spikes_only_end([spikes["i"], spikes["t"]]))
        else:
            brian2.device.insert_code("after_end", _PEAK_RSS_CODE)
        simulation.network.run(
            run.duration_ms * brian2.ms,
            namespace={},
            report="stdout",
            report_period=10 * brian2.second,
        )
        started = time.perf_counter()
        brian2.device.build(directory=str(tmp), compile=True, run=False)
        logger.info("compiled %s in %.1f s", directory, time.perf_counter() - started)
        monitors = {
            "spike_neuron": (simulation.spikes, "i"),
            "spike_time": (simulation.spikes, "t"),
        }
        if simulation.state is not None:
            monitors.update({name: (simulation.state, name) for name in STATE_VARIABLES})
        manifest = {
            "build": run.structure(),
            "n_neurons": connectivity.shape[0],
            "run_values": simulation.value_dtypes(run),
            "files": {
                name: {
                    "file": brian2.device.get_array_filename(owner.variables[variable]),
                    "dtype": np.dtype(owner.variables[variable].dtype).name,
                }
                for name, (owner, variable) in monitors.items()
            },
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        shutil.rmtree(tmp / "results", ignore_errors=True)
        os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _peak_rss_mb(results: Path) -> float:
    """The program's peak resident memory (MB), NaN where /proc is unavailable."""
    peak = results / _PEAK_RSS_FILE
    return float(peak.read_text().split()[0]) / 1024 if peak.is_file() else float("nan")


def _argument(value, path: Path, dtype: str) -> str:
    """A run value as the program's command line takes it: a number, or the path of
    a file of one value per neuron, written to ``path`` as ``dtype`` (the type of
    Brian2's variable)."""
    if isinstance(value, np.ndarray):
        value.astype(dtype).tofile(path)
        return str(path)
    if isinstance(value, bool | int):
        return str(int(value))
    return repr(float(value))


def _read_monitor(results: Path, entry: dict) -> np.ndarray:
    """A monitor's array from a run's results folder (``entry``: the manifest's
    ``{"file", "dtype"}`` of the array)."""
    return np.fromfile(results / entry["file"], dtype=entry["dtype"])


def run_program(directory: str | Path, run: Run) -> tuple[SpikeTrains, RunCost]:
    """Run one run with the program of its structure, compiled in ``directory``.

    Returns its spike trains and its cost (the compiled program's process
    only: no Python start-up).
    """
    directory = Path(directory).resolve()
    manifest = json.loads((directory / MANIFEST).read_text())
    if manifest["build"] != run.structure():
        raise ValueError(f"{directory} was compiled for another structure than {run.coords}.")
    n_neurons, dt_s = manifest["n_neurons"], run.dt_ms / 1000
    values = run.run_values(n_neurons)
    missing = sorted(set(manifest["run_values"]) - set(values))
    if missing:
        raise ValueError(f"{directory} takes {missing}, which run {run.label} does not give.")
    env = {**os.environ, SEED_VARIABLE: str(run.seed)}
    files = manifest["files"]
    with tempfile.TemporaryDirectory(prefix="spikesweep-run-") as scratch:
        results = Path(scratch)
        arguments = [
            f"{name}={_argument(values[name], results / name, dtype)}"
            for name, dtype in manifest["run_values"].items()
        ]
        started = time.perf_counter()
        process = subprocess.run(
            [str(directory / "main"), "--results_dir", f"{results}/", *arguments],
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
        )
        # Brian2's programs report a value file they cannot read, and go on.
        if process.returncode != 0 or "Error reading" in process.stderr:
            raise RuntimeError(
                f"{directory / 'main'} {' '.join(arguments)} failed with exit status "
                f"{process.returncode}:\n{(process.stdout + process.stderr)[-2000:]}"
            )
        cost = RunCost(
            time.perf_counter() - started,
            _peak_rss_mb(results),
            float((results / _RUN_INFO_FILE).read_text().split()[0]),
        )
        state = None
        if "v" in files:  # recorded as (n_steps, n_neurons), in volts
            state = {
                name: _read_monitor(results, files[name]).reshape(-1, n_neurons).T
                for name in STATE_VARIABLES
            }
        trains = SpikeTrains.from_monitor(
            _read_monitor(results, files["spike_neuron"]),
            _read_monitor(results, files["spike_time"]),
            n_neurons,
            dt_s,
            round(run.duration_ms / run.dt_ms),
            state,
        )
    return trains, cost
