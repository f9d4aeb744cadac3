# spikesweep: Poisson-drive parameter studies of spiking networks in Brian2.
# Table of contents only; the logic lives in src/spikesweep and workflow/rules.
from snakemake.utils import min_version

min_version("9.0")


# The default study, unless --configfile names a study: a study file replaces it whole
# (Snakemake would merge them, adding the default study's networks and sweeps).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/networks.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/collect.smk"
include: "workflow/rules/analyze.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/screens.smk"


rule all:
    default_target: True
    input:
        get_final_output(),
