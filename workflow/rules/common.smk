# Config validation, the study's runs, and the helpers the rules call.
import math
import os

from snakemake.utils import validate

from spikesweep.batches import plan_batches
from spikesweep.config import INPUT_MODES, LESIONED_SUFFIX, load_study, results_config
from spikesweep.figures import FIGURES as FIGURE_ANALYSES
from spikesweep.locks import release_stale_locks

validate(config, schema="../../config/schema.yaml")
if workflow.is_main_process:  # resume after a kill without --unlock
    release_stale_locks()
STUDY = load_study(config)
RESULTS_CONFIG = results_config(config)  # recorded in datasets' provenance
RESULTS = f"results/{STUDY.name}"
# Networks whose neurons have FlyWire ids (their lesion controls included).
FLYWIRE_NETWORKS = [
    network
    for network, source in STUDY.networks.items()
    if "flywire" in source.get("lesion_of", source)
]
LOGS = f"logs/{STUDY.name}"
RUN = (
    "{network}/mode~{mode}/rate_hz~{rate_hz}/n_sources~{n_sources}/"
    "weight_mV~{weight_mV}/seed~{seed}"
)
BUILD = "{network}/mode~{mode}/{build}"
BATCHES = plan_batches(STUDY)
# Any run of each structure, by the build's wildcards.
BUILD_RUNS = {
    (batch.network, batch.mode, batch.build): batch.runs[0] for batch in BATCHES
}
# Propagation needs recorded potentials; inhibition needs lesion controls.
STATE_RUNS = [
    run
    for run in STUDY.runs
    if run.network in STUDY.state_networks and run.mode != "shared_source"
]
APPLICABLE = {
    "independence": True,
    "equivalence": True,
    "input_scaling": True,
    "propagation": bool(STATE_RUNS),
    "inhibition": any(network.endswith(LESIONED_SUFFIX) for network in STUDY.networks),
}
ANALYSES = [name for name in config["analyses"] if APPLICABLE[name]]


wildcard_constraints:
    network="|".join(STUDY.networks),
    mode="|".join(INPUT_MODES),
    rate_hz=r"[0-9.e+-]+",
    n_sources=r"[0-9]+",
    weight_mV=r"-?[0-9.e+-]+",
    seed=r"[0-9]+",
    build=r"[0-9a-f]{12}",
    figure="|".join(FIGURE_ANALYSES),


def get_network_source(wildcards):
    """The config source of a network (its dict under 'networks')."""
    return STUDY.networks[wildcards.network]


def get_network_files(wildcards):
    """Connectivity files a network is read from (none for inline or random)."""
    source = STUDY.networks[wildcards.network]
    source = source.get("lesion_of", source)
    if "flywire" in source:
        return [source["flywire"]["neurons"], source["flywire"]["connectivity"]]
    return [source["file"]] if "file" in source else []


def get_source_mem_mb(wildcards, input):
    """Memory (MB) to read a network's files: 1 GB plus 15 MB per MB of them.

    FlyWire v783 (115 MB of files) peaks at 1.7 GB.
    """
    size_mb = sum(os.path.getsize(path) for path in input) / 1e6
    return 1000 + 15 * math.ceil(size_mb)


def get_network_mem_mb(wildcards, input):
    """Memory (MB) of a job that holds a network: 1 GB plus 50 MB per MB of its .npz."""
    return 1000 + 50 * math.ceil(os.path.getsize(input.network) / 1e6)


def get_build_run_config(wildcards):
    """The run config of a run of the build's structure (see spikesweep.standalone)."""
    run = BUILD_RUNS[(wildcards.network, wildcards.mode, wildcards.build)]
    return STUDY.run_config(run)


def get_batch_build(batch):
    """The compiled program a batch runs ([] for Brian2's runtime targets)."""
    if STUDY.codegen_target != "cpp_standalone":
        return []
    return f"{RESULTS}/builds/{BUILD}".format(
        network=batch.network, mode=batch.mode, build=batch.build
    )


def get_batch_files(batch, folder, extension):
    """Per-run files of a batch under results/{study}/{folder}/, in run order."""
    return [
        f"{RESULTS}/{folder}/{RUN}.{extension}".format(**run.wildcards)
        for run in batch.runs
    ]


def get_run_files():
    """The run file of every simulation of the study."""
    return [f"{RESULTS}/sims/{RUN}.nc".format(**run.wildcards) for run in STUDY.runs]


def get_state_run_files():
    """Run files with recorded v, except shared_source (common input confounds responses)."""
    return [f"{RESULTS}/sims/{RUN}.nc".format(**run.wildcards) for run in STATE_RUNS]


def get_cost_files():
    """The benchmark record (wall time, peak memory) of every simulation, as get_run_points."""
    return [
        f"{RESULTS}/benchmarks/sims/{RUN}.tsv".format(**run.wildcards)
        for run in STUDY.runs
    ]


def get_run_points():
    """Grid coordinates of every simulation, in the order of get_run_files."""
    return [run.coords() for run in STUDY.runs]


def get_network_npz(networks=STUDY.networks):
    """The validated connectivity of ``networks`` (default: every network)."""
    return [f"{RESULTS}/networks/{network}.npz" for network in networks]


# Figures go with the analyses: a study without analyses (flywire) draws none.
FIGURES = [
    name
    for name, analysis in FIGURE_ANALYSES.items()
    if ANALYSES and analysis in [None, *ANALYSES]
]
# The forum question each figure answers: its category in the report.
FIGURE_QUESTIONS = {
    "raster": "Q1.1/Q1.2 independence",
    "rates": "Q1 input modes",
    "independence": "Q1.1/Q1.2 independence",
    "equivalence": "Q1 input modes",
    "input_scaling": "Q1.3 what N does",
    "propagation": "Q2 propagation",
    "inhibition": "Q4 inhibition",
}


def get_figure_inputs(wildcards):
    """The stored files a figure is drawn from (never a simulation)."""
    inputs = {"spikes": f"{RESULTS}/spikes.nc", "rates": f"{RESULTS}/rates.nc"}
    analysis = FIGURE_ANALYSES[wildcards.figure]
    if analysis:
        inputs["verdict"] = f"{RESULTS}/analysis/{analysis}.json"
        inputs["numbers"] = f"{RESULTS}/analysis/{analysis}.nc"
    return inputs


def get_figure_category(wildcards):
    return FIGURE_QUESTIONS[wildcards.figure]


def get_figure_labels(wildcards):
    return {"figure": wildcards.figure}


def get_figure_files():
    return [
        f"{RESULTS}/figures/{name}.{ext}" for name in FIGURES for ext in ("png", "pdf")
    ]


def get_final_output():
    outputs = [f"{RESULTS}/spikes.nc", f"{RESULTS}/rates.nc"]
    outputs += [f"{RESULTS}/neuron_rates/{network}.csv" for network in FLYWIRE_NETWORKS]
    return (
        outputs + ([f"{RESULTS}/answers.md"] if ANALYSES else []) + get_figure_files()
    )
