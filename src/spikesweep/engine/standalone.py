"""Compile once, run many: Brian2's cpp_standalone device as the simulation engine.

A *structure* (:meth:`~spikesweep.study.runs.Run.structure`) is what Brian2
compiles into a program: the network, duration, time step and precision,
whether state is recorded, the input mode and what the mode compiles in
(:data:`~spikesweep.study.axes.COMPILED_AXES`; nothing for ``poisson_input``).
:func:`compile_program` generates and compiles a structure's program once.

A :class:`Program` starts it once and simulates runs one after another in
that process (:func:`programs` starts several side by side, for a batch job's
threads): the network is read and prepared once (for the whole fly brain,
about half a second, against a run loop of about a second), then each run is
one line on the program's standard input: its results folder, its seed and
its :meth:`~spikesweep.study.runs.Run.run_values` (``name=value`` in SI
units, or ``name=file`` for one value per neuron, as ``device.run(run_args=...)``
takes them). The program applies the values before anything is prepared for
the run (the synaptic queue takes its delay then), so every one of them may
change from run to run; it then writes the run's spikes (and recorded state)
into the folder, restores every variable a run changes to its value before
the first run, empties the monitors and the synaptic queues, and says so on
standard output. A run's spikes therefore depend on its structure, values and
seed only: not on which job, batch or process runs it, nor on the runs before
it in the same process (tested).

Running a program needs NumPy only: Brian2 (and :mod:`spikesweep.model`,
which imports it) is imported by :func:`compile_program` alone, so that a
batch job does not pay Brian2's import (seconds) for runs of a fraction of a
second.
"""

import contextlib
import json
import logging
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import scipy.sparse

from spikesweep.engine import RunCost
from spikesweep.spikes import STATE_VARIABLES, SpikeTrains
from spikesweep.study.runs import Run

__all__ = ["COMPILE_FLAGS", "MANIFEST", "Program", "compile_program", "programs", "run_program"]

logger = logging.getLogger(__name__)

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

#: What a program says on standard output when it has read the network, and when
#: it has finished a run (followed by Brian2's run-loop time in seconds, the
#: completed fraction of the run and the process's peak resident memory in kB).
_READY, _DONE = "spikesweep: ready", "spikesweep: done"


def _run_loop(simulation) -> tuple[str, str]:
    """C++ that makes the program a loop over runs read from standard input: the
    code before a run's values are applied, and the code after the run.

    Before the first run, the program keeps the value of every array that a run
    changes (the groups' and monitors' variables, the drive connected per run);
    after each run, it writes the monitors' arrays, restores those values and
    empties the monitors and the per-run drive.
    """
    import brian2
    from brian2.codegen.generators.cpp_generator import c_data_type
    from brian2.core.variables import ArrayVariable, DynamicArrayVariable

    kept, restore, clear = [], [], []
    for obj in sorted(simulation.network.objects, key=lambda obj: obj.name):
        per_run = obj is simulation.drive  # connected anew in each run
        for name, var in sorted(obj.variables.items()):
            if not isinstance(var, ArrayVariable) or var.owner is None:
                continue
            if var.owner.name != obj.name or (var.constant and not per_run):
                continue
            array = brian2.device.get_array_name(var, access_data=False)
            if isinstance(var, DynamicArrayVariable):
                clear.append(f"{array}.{'resize_along_first' if var.ndim == 2 else 'resize'}(0);")
            else:
                copy = f"_initial_{obj.name}_{name}"
                kept.append(
                    f"const std::vector<{c_data_type(var.dtype)}> {copy}"
                    f"({array}, {array} + {var.size});"
                )
                restore.append(f"std::copy({copy}.begin(), {copy}.end(), {array});")
    writes = [_write_code(var) for var in _monitor_arrays(simulation).values()]
    before = (
        "\n".join(kept)
        + f"""
std::cout << "{_READY}" << std::endl;
std::string _run_line;
while (std::getline(std::cin, _run_line))
{{
    // a run: its results folder, its seed, then its values, separated by tabs
    std::vector<std::string> _fields;
    for (size_t _start = 0, _end = 0; _start <= _run_line.size(); _start = _end + 1)
    {{
        _end = std::min(_run_line.find('\\t', _start), _run_line.size());
        _fields.push_back(_run_line.substr(_start, _end - _start));
    }}
    brian::results_dir = _fields.at(0);
    brian::_random_generators[0].seed(std::stoull(_fields.at(1)));  // as brian2.seed()
    args.assign(_fields.begin() + 2, _fields.end());
"""
    )
    network = simulation.network.name  # its time starts at 0 in every run
    after = (
        "\n".join([*writes, *restore, *clear, f"{network}.t = 0.0;"])
        + f"""
    std::string _peak_kb = "nan", _status_line;
    std::ifstream _status("/proc/self/status");
    while (std::getline(_status, _status_line))
        if (_status_line.rfind("VmHWM:", 0) == 0) _peak_kb = _status_line.substr(6);
    std::cout << "{_DONE} " << Network::_last_run_time << " "
              << Network::_last_run_completed_fraction << " " << _peak_kb << std::endl;
}}
"""
    )
    return before, after


def _monitor_arrays(simulation) -> dict:
    """The monitors' arrays a run's results are read from, by name."""
    arrays = {
        "spike_neuron": simulation.spikes.variables["i"],
        "spike_time": simulation.spikes.variables["t"],
    }
    if simulation.state is not None:
        arrays.update({name: simulation.state.variables[name] for name in STATE_VARIABLES})
    return arrays


def _write_code(var) -> str:
    """C++ writing a monitor's dynamic array into the run's results folder, as
    Brian2 writes it (a 2-d array row by row)."""
    import brian2

    array = brian2.device.get_array_name(var, access_data=False)
    path = f'brian::results_dir + "{brian2.device.get_array_filename(var)}"'
    if var.ndim == 2:
        data = f"""for (size_t _row = 0; _row < {array}.n; _row++)
        _file.write(reinterpret_cast<const char *>(&{array}(_row, 0)),
                    {array}.m * sizeof({array}(0, 0)));"""
    else:
        data = f"""if ({array}.size())
        _file.write(reinterpret_cast<const char *>(&{array}[0]),
                    {array}.size() * sizeof({array}[0]));"""
    return f"""{{
    std::ofstream _file({path}, std::ios::binary | std::ios::out);
    {data}
}}"""


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

    from spikesweep.engine.codeobject import ProgramCodeObject
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
        simulation = create_simulation(connectivity, run, ProgramCodeObject)
        simulation.set_values(run)
        before_run, after_run = _run_loop(simulation)
        brian2.device.insert_code("main", before_run)
        # A run's values, applied before the run prepares anything and before the
        # drive connects to the run's driven neurons.
        brian2.device.apply_run_args()
        simulation.connect_drive()
        simulation.network.run(
            run.duration_ms * brian2.ms,
            namespace={},
            report="stdout",
            report_period=10 * brian2.second,
        )
        brian2.device.insert_code("main", after_run)
        # No input left: exit without brian_end(), which writes every array (the
        # whole fly brain's synapses alone are 354 MB).
        brian2.device.insert_code("before_end", "std::exit(0);")
        started = time.perf_counter()
        brian2.device.build(directory=str(tmp), compile=True, run=False)
        logger.info("compiled %s in %.1f s", directory, time.perf_counter() - started)
        manifest = {
            "build": run.structure(),
            "n_neurons": connectivity.shape[0],
            "run_values": simulation.value_dtypes(run),
            "files": {
                name: {
                    "file": brian2.device.get_array_filename(var),
                    "dtype": np.dtype(var.dtype).name,
                }
                for name, var in _monitor_arrays(simulation).items()
            },
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        shutil.rmtree(tmp / "results", ignore_errors=True)
        os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _argument(value, path: Path, dtype: str) -> str:
    """A run value as the program takes it: a number, or the path of a file of one
    value per neuron, written to ``path`` as ``dtype`` (the type of Brian2's variable)."""
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


class Program:
    """A compiled program, started once, simulating runs one after another.

    Use it as a context manager; inside, calling it with a run simulates that
    run (a :data:`~spikesweep.engine.Runner`). The program reads its network
    when it starts (``load_s``), not in each run.

    Parameters
    ----------
    directory : str or Path
        The structure's build (:func:`compile_program`).
    """

    def __init__(self, directory: str | Path):
        self.directory = Path(directory).resolve()
        self.manifest = json.loads((self.directory / MANIFEST).read_text())
        self.load_s = float("nan")
        self._started = float("nan")
        self._process = None
        self._stderr = None

    def __enter__(self) -> "Program":
        self._start()
        try:
            self._wait_until_ready()
        except RuntimeError:  # a failed start: no with block, so no __exit__ call
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        """Start the program (it then reads the network, see :meth:`_wait_until_ready`)."""
        self._stderr = tempfile.TemporaryFile("w+")
        self._started = time.perf_counter()
        self._process = subprocess.Popen(
            [str(self.directory / "main")],
            cwd=self.directory,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )

    def _wait_until_ready(self) -> None:
        """Wait until the started program has read the network."""
        self._read_until(_READY, "starting")
        self.load_s = time.perf_counter() - self._started
        logger.info("%s: network read in %.2f s", self.directory, self.load_s)

    def __exit__(self, *exc_info) -> None:
        with contextlib.suppress(BrokenPipeError):  # a program that died already
            self._process.stdin.close()  # no more runs: the program exits
        try:
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdout.close()
        self._stderr.close()

    def _read_until(self, marker: str, what: str) -> str:
        """The program's line that starts with ``marker``; Brian2's progress reports
        before it are logged."""
        for line in self._process.stdout:
            if line.startswith(marker):
                return line[len(marker) :]
            if line.strip() and "(100%)" not in line and not line.startswith("Starting"):
                logger.info("%s", line.strip())
        self._process.wait()
        self._stderr.seek(0)
        raise RuntimeError(
            f"{self.directory / 'main'} stopped while {what}, with exit status "
            f"{self._process.returncode}:\n{self._stderr.read()[-2000:]}"
        )

    def __call__(self, run: Run) -> tuple[SpikeTrains, RunCost]:
        """Simulate ``run``: its spike trains and its cost (in the program, from
        the run's values to its written results)."""
        manifest = self.manifest
        if manifest["build"] != run.structure():
            raise ValueError(
                f"{self.directory} was compiled for another structure than {run.coords}."
            )
        n_neurons = manifest["n_neurons"]
        values = run.run_values(n_neurons)
        missing = sorted(set(manifest["run_values"]) - set(values))
        if missing:
            raise ValueError(
                f"{self.directory} takes {missing}, which run {run.label} does not give."
            )
        files = manifest["files"]
        with tempfile.TemporaryDirectory(prefix="spikesweep-run-") as scratch:
            results = Path(scratch)
            arguments = [
                f"{name}={_argument(values[name], results / name, dtype)}"
                for name, dtype in manifest["run_values"].items()
            ]
            errors_before = self._stderr.tell()
            started = time.perf_counter()
            with contextlib.suppress(BrokenPipeError):  # a program that died: said below
                line = "\t".join([f"{results}/", str(run.seed), *arguments])
                self._process.stdin.write(line + "\n")
                self._process.stdin.flush()
            said = self._read_until(_DONE, f"running {run.label}")
            loop_s, completed, peak_kb = said.split()[:3]  # VmHWM is followed by "kB"
            wall_s = time.perf_counter() - started
            self._stderr.seek(errors_before)
            errors = self._stderr.read()
            # Brian2 reports a value it cannot read, and goes on; a run stopped by a
            # signal reports the fraction it completed.
            if "Error reading" in errors or float(completed) != 1:
                raise RuntimeError(
                    f"{self.directory / 'main'} failed on run {run.label} "
                    f"(completed fraction {completed}):\n{errors[-2000:]}"
                )
            cost = RunCost(wall_s, float(peak_kb) / 1024, float(loop_s))
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
                run.dt_ms / 1000,
                round(run.duration_ms / run.dt_ms),
                state,
            )
        return trains, cost


def run_program(directory: str | Path, run: Run) -> tuple[SpikeTrains, RunCost]:
    """Simulate one run with the program compiled in ``directory`` (a :class:`Program`
    of its own)."""
    with Program(directory) as program:
        return program(run)


@contextlib.contextmanager
def programs(directory: str | Path, n: int) -> Iterator[list[Program]]:
    """``n`` processes of the program compiled in ``directory``, started together
    (they read the network at the same time), each a :class:`Program` in use."""
    with contextlib.ExitStack() as stack:
        started = []
        for _ in range(n):
            program = Program(directory)
            program._start()
            stack.push(program.__exit__)
            started.append(program)
        for program in started:
            program._wait_until_ready()
        yield started
