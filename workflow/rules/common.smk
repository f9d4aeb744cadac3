# Config validation, the study's runs, and the helpers the rules call.
import math
import os

from snakemake.utils import validate

from spikesweep.analyses import ANALYSES, analysis_status, selected_analyses, state_runs
from spikesweep.engine.locks import release_stale_locks
from spikesweep.engine.plan import plan_batches
from spikesweep.report import figure_categories
from spikesweep.report.answers import study_overview
from spikesweep.study import (
    INPUT_MODES,
    config_hash,
    load_study,
    results_config,
)
from spikesweep.study.schema import check_schema

# The concise check first: Snakemake's validate (which fills in the defaults) reports a
# violation with the whole schema and config.
check_schema(config, workflow.source_path("../../config/schema.yaml"))
validate(config, schema="../../config/schema.yaml")
if workflow.is_main_process:  # resume after a kill without --unlock
    release_stale_locks()
STUDY = load_study(config)
RESULTS_CONFIG = results_config(config)  # recorded in datasets' provenance
RESULTS = f"results/{STUDY.name}"
LOGS = f"logs/{STUDY.name}"
# Networks whose neurons have FlyWire ids (their lesion controls included).
FLYWIRE_NETWORKS = [
    network
    for network, source in STUDY.networks.items()
    if "flywire" in source.get("lesion_of", source)
]
# Each run's path below a stage folder (one level per axis that varies).
RUN_PATHS = {run: STUDY.run_path.format(**run.wildcards) for run in STUDY.runs}
STRUCTURE = "{network}/mode~{mode}/{structure}"
BATCHES = plan_batches(STUDY)
# Any run of each structure, by the structure's wildcards.
STRUCTURE_RUNS = {
    (batch.network, batch.mode, batch.structure): batch.runs[0] for batch in BATCHES
}
STATE_RUNS = state_runs(STUDY)
ANALYSIS_STATUS = analysis_status(
    config["analyses"], STUDY
)  # why not run, per analysis
ANALYSES_RUN = selected_analyses(config["analyses"], STUDY)
FIGURES = figure_categories(ANALYSES_RUN)
# The analysis whose verdict each analysis figure draws.
FIGURE_ANALYSIS = {entry.figure: entry.name for entry in ANALYSES_RUN}


wildcard_constraints:
    network="|".join(STUDY.networks),
    mode="|".join(INPUT_MODES),
    structure=r"[0-9a-f]{12}",
    analysis="|".join(entry.name for entry in ANALYSES_RUN) or "none",
    figure="|".join(FIGURES) or "none",
    experiment=r"[^/]+",


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


def get_network_mem_mb(wildcards, input, processes=1):
    """Memory (MB) of a job that holds a network in ``processes`` processes: 1 GB plus
    50 MB per MB of its .npz in each."""
    return 1000 + processes * 50 * math.ceil(os.path.getsize(input.network) / 1e6)


def get_batch_mem_mb(wildcards, input, threads):
    """Memory (MB) of a batch job: a process of the network per thread."""
    return get_network_mem_mb(wildcards, input, processes=threads)


def get_structure_run(wildcards):
    """A run of the structure, as JSON (see spikesweep.engine.standalone)."""
    run = STRUCTURE_RUNS[(wildcards.network, wildcards.mode, wildcards.structure)]
    return run.to_json()


def get_batch_program(batch):
    """The compiled program a batch runs ([] for Brian2's runtime targets)."""
    if STUDY.codegen_target != "cpp_standalone":
        return []
    return f"{RESULTS}/builds/{STRUCTURE}".format(
        network=batch.network, mode=batch.mode, structure=batch.structure
    )


def get_run_files(runs):
    """The NetCDF files of ``runs``, in their order."""
    return [f"{RESULTS}/sims/{RUN_PATHS[run]}.nc" for run in runs]


def get_batch_costs(batch):
    """The cost table of a batch's runs."""
    return f"{RESULTS}/benchmarks/runs/{batch.name}.tsv"


def get_network_npz(networks=STUDY.networks):
    """The validated connectivity of ``networks`` (default: every network)."""
    return [f"{RESULTS}/networks/{network}.npz" for network in networks]


def get_config_value(path):
    """The config value at a registry path such as 'analysis/alpha'."""
    value = config
    for key in path.split("/"):
        value = value[key]
    return value


# The files each kind of analysis input is read from (spikesweep.analyses.INPUTS).
ANALYSIS_INPUT_FILES = {
    "spikes": f"{RESULTS}/spikes.nc",
    "driven": f"{RESULTS}/rates.nc",
    "rates": f"{RESULTS}/rates.nc",
    "networks": get_network_npz(),
    "state_runs": get_run_files(STATE_RUNS),
    "costs": [get_batch_costs(batch) for batch in BATCHES],
}


def get_analysis_inputs(wildcards):
    """The named input files of an analysis, as its registry entry lists them."""
    return {
        key: ANALYSIS_INPUT_FILES[key] for key in ANALYSES[wildcards.analysis].inputs
    }


def get_analysis_parameters(wildcards):
    """The keyword parameters of an analysis, from the config paths its entry names."""
    parameters = ANALYSES[wildcards.analysis].parameters
    return {keyword: get_config_value(path) for keyword, path in parameters.items()}


def get_figure_inputs(wildcards):
    """The stored files a figure is drawn from (never a simulation)."""
    inputs = {
        "spikes": f"{RESULTS}/spikes.nc",
        "rates": f"{RESULTS}/rates.nc",
        "summary": f"{RESULTS}/summary.csv",
    }
    analysis = FIGURE_ANALYSIS.get(wildcards.figure)
    if analysis:
        inputs["verdict"] = f"{RESULTS}/analysis/{analysis}.json"
        inputs["numbers"] = f"{RESULTS}/analysis/{analysis}.nc"
    return inputs


def get_figure_category(wildcards):
    return FIGURES[wildcards.figure]


def get_figure_labels(wildcards):
    return {"figure": wildcards.figure}


def get_answers():
    """answers.md, where the study runs an analysis."""
    return [f"{RESULTS}/answers.md"] if ANALYSES_RUN else []


def get_figure_files():
    return [
        f"{RESULTS}/figures/{name}.{ext}" for name in FIGURES for ext in ("png", "pdf")
    ]


def get_experiment_point(wildcards):
    """An experiment's network, mode and grid point (spikesweep.study.Study.experiments)."""
    run = STUDY.experiments[wildcards.network, wildcards.experiment]
    return {key: value for key, value in run.coords.items() if key != "seed"}


def get_screen_files():
    """Each screened experiment's responder table (where the responders analysis runs),
    and each FlyWire experiment's spikes as parquet."""
    files = [
        f"{RESULTS}/parquet/{network}/{name}.parquet"
        for network, name in STUDY.experiments
        if network in FLYWIRE_NETWORKS
    ]
    if ANALYSES["responders"] in ANALYSES_RUN:
        files += [
            f"{RESULTS}/responders/{network}/{name}.csv"
            for network, name in STUDY.screened
        ]
    return files


def get_final_output():
    outputs = [f"{RESULTS}/spikes.nc", f"{RESULTS}/rates.nc", f"{RESULTS}/summary.csv"]
    outputs += [f"{RESULTS}/neuron_rates/{network}.csv" for network in FLYWIRE_NETWORKS]
    return outputs + get_answers() + get_figure_files() + get_screen_files()
