rule simulate:
    input:
        network=rules.network.output.npz,
    output:
        spikes=f"{RESULTS}/sims/{RUN}.nc",
    log:
        f"{LOGS}/sims/{RUN}.log",
    benchmark:
        f"{RESULTS}/benchmarks/sims/{RUN}.tsv"
    conda:
        "../../envs/simulate.yaml"
    params:
        run=get_run_config,
    script:
        "../scripts/simulate.py"
