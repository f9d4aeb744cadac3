# One rule for every analysis of spikesweep.analyses.ANALYSES: its registry entry names
# the inputs and parameters. Inputs name collect's outputs by path, not
# rules.collect.output: with a rule reference among them, Snakemake hashes a rule's whole
# input list once per input file (quadratic in the number of runs).


rule analysis:
    input:
        unpack(get_analysis_inputs),
    output:
        numbers=f"{RESULTS}/analysis/{{analysis}}.nc",
        verdict=f"{RESULTS}/analysis/{{analysis}}.json",
    log:
        f"{LOGS}/analysis/{{analysis}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/analysis/{{analysis}}.tsv"
    conda:
        "../../envs/spikesweep.yaml"
    params:
        parameters=get_analysis_parameters,
        config=RESULTS_CONFIG,
    script:
        "../scripts/analyze.py"


rule answers:
    input:
        verdicts=expand(
            f"{RESULTS}/analysis/{{analysis}}.json",
            analysis=[entry.name for entry in ANALYSES_RUN],
        ),
    output:
        answers=report(
            f"{RESULTS}/answers.md",
            caption="../report/answers.rst",
            category="Answers",
        ),
    log:
        f"{LOGS}/answers.log",
    conda:
        "../../envs/spikesweep.yaml"
    params:
        study=STUDY.name,
        overview=study_overview(STUDY),
        not_run={name: reason for name, reason in ANALYSIS_STATUS.items() if reason},
    script:
        "../scripts/answers.py"
