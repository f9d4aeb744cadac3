# Inputs name collect's outputs by path, not rules.collect.output: with a rule reference
# among them, Snakemake hashes a rule's whole input list once per input file (quadratic in
# the number of runs: minutes for a 10,000-point grid).


rule independence:
    input:
        spikes=f"{RESULTS}/spikes.nc",
        networks=get_network_npz(),
    output:
        numbers=f"{RESULTS}/analysis/independence.nc",
        verdict=f"{RESULTS}/analysis/independence.json",
    log:
        f"{LOGS}/analysis/independence.log",
    conda:
        "../../envs/analyze.yaml"
    params:
        bin_ms=lookup(dpath="analysis/bin_ms", within=config),
        transient_ms=lookup(dpath="analysis/transient_ms", within=config),
        alpha=lookup(dpath="analysis/alpha", within=config),
        config=RESULTS_CONFIG,
    script:
        "../scripts/analyze.py"


rule equivalence:
    input:
        spikes=f"{RESULTS}/spikes.nc",
        rates=f"{RESULTS}/rates.nc",
        costs=get_cost_files(),
    output:
        numbers=f"{RESULTS}/analysis/equivalence.nc",
        verdict=f"{RESULTS}/analysis/equivalence.json",
    log:
        f"{LOGS}/analysis/equivalence.log",
    conda:
        "../../envs/analyze.yaml"
    params:
        points=get_run_points(),
        alpha=lookup(dpath="analysis/alpha", within=config),
        config=RESULTS_CONFIG,
    script:
        "../scripts/analyze.py"


rule input_scaling:
    input:
        spikes=f"{RESULTS}/spikes.nc",
        rates=f"{RESULTS}/rates.nc",
    output:
        numbers=f"{RESULTS}/analysis/input_scaling.nc",
        verdict=f"{RESULTS}/analysis/input_scaling.json",
    log:
        f"{LOGS}/analysis/input_scaling.log",
    conda:
        "../../envs/analyze.yaml"
    params:
        model=lookup(dpath="model", within=config),
        dt_ms=lookup(dpath="dt_ms", within=config),
        alpha=lookup(dpath="analysis/alpha", within=config),
        config=RESULTS_CONFIG,
    script:
        "../scripts/analyze.py"


rule propagation:
    input:
        runs=get_state_run_files(),
        networks=get_network_npz(),
    output:
        numbers=f"{RESULTS}/analysis/propagation.nc",
        verdict=f"{RESULTS}/analysis/propagation.json",
    log:
        f"{LOGS}/analysis/propagation.log",
    conda:
        "../../envs/analyze.yaml"
    params:
        delay_ms=lookup(dpath="model/delay_ms", within=config),
        window_ms=lookup(dpath="analysis/response_window_ms", within=config),
        alpha=lookup(dpath="analysis/alpha", within=config),
        config=RESULTS_CONFIG,
    script:
        "../scripts/analyze.py"


rule inhibition:
    input:
        rates=f"{RESULTS}/rates.nc",
        networks=get_network_npz(),
    output:
        numbers=f"{RESULTS}/analysis/inhibition.nc",
        verdict=f"{RESULTS}/analysis/inhibition.json",
    log:
        f"{LOGS}/analysis/inhibition.log",
    conda:
        "../../envs/analyze.yaml"
    params:
        alpha=lookup(dpath="analysis/alpha", within=config),
        config=RESULTS_CONFIG,
    script:
        "../scripts/analyze.py"


rule answers:
    input:
        verdicts=expand(f"{RESULTS}/analysis/{{analysis}}.json", analysis=ANALYSES),
    output:
        answers=report(
            f"{RESULTS}/answers.md",
            caption="../report/answers.rst",
            category="Answers",
        ),
    log:
        f"{LOGS}/answers.log",
    conda:
        "../../envs/analyze.yaml"
    params:
        study=STUDY.name,
    script:
        "../scripts/answers.py"
