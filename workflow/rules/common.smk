# Config validation, the study's runs, and the helpers the rules call.
from snakemake.utils import validate

from spikesweep.config import INPUT_MODES, LESIONED_SUFFIX, load_study
from spikesweep.figures import FIGURES as FIGURE_ANALYSES

validate(config, schema="../../config/schema.yaml")
STUDY = load_study(config)
RESULTS = f"results/{STUDY.name}"
LOGS = f"logs/{STUDY.name}"
RUN = (
    "{network}/mode~{mode}/rate_hz~{rate_hz}/n_sources~{n_sources}/"
    "weight_mV~{weight_mV}/seed~{seed}"
)
RUNS = STUDY.runs_by_wildcards()
# Propagation needs recorded potentials; inhibition needs lesion controls.
STATE_RUNS = [
    run
    for run in STUDY.runs
    if run.network in STUDY.state_networks and run.mode != "shared_source"
]
ANALYSES = ["independence", "equivalence", "input_scaling"]
ANALYSES += ["propagation"] if STATE_RUNS else []
ANALYSES += (
    ["inhibition"]
    if any(network.endswith(LESIONED_SUFFIX) for network in STUDY.networks)
    else []
)


wildcard_constraints:
    network="|".join(STUDY.networks),
    mode="|".join(INPUT_MODES),
    rate_hz=r"[0-9.e+-]+",
    n_sources=r"[0-9]+",
    weight_mV=r"-?[0-9.e+-]+",
    seed=r"[0-9]+",
    figure="|".join(FIGURE_ANALYSES),


def get_network_source(wildcards):
    """The config source of a network (its dict under 'networks')."""
    return STUDY.networks[wildcards.network]


def get_network_files(wildcards):
    """Connectivity files a network is read from (none for inline or random)."""
    source = STUDY.networks[wildcards.network]
    source = source.get("lesion_of", source)
    return [source["file"]] if "file" in source else []


def get_run_config(wildcards):
    """Everything one simulation depends on (see spikesweep.config.Study.run_config)."""
    key = tuple(
        wildcards[name]
        for name in ("network", "mode", "rate_hz", "n_sources", "weight_mV", "seed")
    )
    return STUDY.run_config(RUNS[key])


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


def get_network_npz():
    """The validated connectivity of every network."""
    return [f"{RESULTS}/networks/{network}.npz" for network in STUDY.networks]


FIGURES = [
    name for name, analysis in FIGURE_ANALYSES.items() if analysis in [None, *ANALYSES]
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
    return [f"{RESULTS}/spikes.nc", f"{RESULTS}/rates.nc", f"{RESULTS}/answers.md"] + (
        get_figure_files()
    )
