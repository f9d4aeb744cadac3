rule independence:
    input:
        spikes=rules.collect.output.spikes,
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
        alpha=lookup(dpath="analysis/alpha", within=config),
        config=config,
    script:
        "../scripts/independence.py"


rule equivalence:
    input:
        spikes=rules.collect.output.spikes,
        rates=rules.collect.output.rates,
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
        config=config,
    script:
        "../scripts/equivalence.py"


rule input_scaling:
    input:
        spikes=rules.collect.output.spikes,
        rates=rules.collect.output.rates,
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
        config=config,
    script:
        "../scripts/input_scaling.py"


rule answers:
    input:
        verdicts=expand(f"{RESULTS}/analysis/{{analysis}}.json", analysis=ANALYSES),
    output:
        answers=f"{RESULTS}/answers.md",
    log:
        f"{LOGS}/answers.log",
    conda:
        "../../envs/analyze.yaml"
    params:
        study=STUDY.name,
    script:
        "../scripts/answers.py"
