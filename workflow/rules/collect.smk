rule collect:
    input:
        runs=get_run_files(),
    output:
        spikes=f"{RESULTS}/spikes.nc",
        rates=f"{RESULTS}/rates.nc",
    log:
        f"{LOGS}/collect.log",
    conda:
        "../../envs/collect.yaml"
    params:
        config=RESULTS_CONFIG,
    script:
        "../scripts/collect.py"
