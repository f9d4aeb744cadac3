# cpp_standalone: one compiled program per network structure, shared by the batches
# that run its points and seeds. Runtime targets (cython, numpy) need no build.
rule build:
    input:
        network=rules.network.output.npz,
    output:
        directory(f"{RESULTS}/builds/{BUILD}"),
    log:
        f"{LOGS}/builds/{BUILD}.log",
    benchmark:
        f"{RESULTS}/benchmarks/builds/{BUILD}.tsv"
    conda:
        "../../envs/simulate.yaml"
    threads: 2
    resources:
        mem_mb=get_network_mem_mb,
        runtime=60,
    params:
        run=get_build_run_config,
    script:
        "../scripts/build.py"


# One job per batch of runs (config 'batch_size'); each run writes its own NetCDF
# file and cost record. Rules are made per batch because a job's outputs (the
# contract's run paths) share no wildcard pattern.
for batch in BATCHES:

    rule:
        name:
            f"simulate_{batch.rule_suffix}"
        input:
            network=f"{RESULTS}/networks/{batch.network}.npz",
            build=get_batch_build(batch),
        output:
            spikes=get_batch_files(batch, "sims", "nc"),
            costs=get_batch_files(batch, "benchmarks/sims", "tsv"),
        log:
            f"{LOGS}/batches/{batch.name}.log",
        benchmark:
            f"{RESULTS}/benchmarks/batches/{batch.name}.tsv"
        conda:
            "../../envs/simulate.yaml"
        resources:
            mem_mb=get_network_mem_mb,
            runtime=10 + 2 * len(batch.runs),
        params:
            runs=[STUDY.run_config(run) for run in batch.runs],
        script:
            "../scripts/simulate.py"


rule simulations:
    # Target: every simulation of the study, nothing after.
    input:
        get_run_files(),
