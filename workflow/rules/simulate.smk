# cpp_standalone: one compiled program per network structure, shared by the batches
# that run its points and seeds. Runtime targets (cython, numpy) compile nothing.
rule compile:
    input:
        network=rules.network.output.npz,
    output:
        directory(f"{RESULTS}/builds/{STRUCTURE}"),
    log:
        f"{LOGS}/builds/{STRUCTURE}.log",
    benchmark:
        f"{RESULTS}/benchmarks/builds/{STRUCTURE}.tsv"
    conda:
        "../../envs/spikesweep.yaml"
    threads: 2
    resources:
        mem_mb=get_network_mem_mb,
        runtime=60,
    params:
        run=get_structure_run,
    script:
        "../scripts/compile.py"


# One job per batch of runs (config 'batch_size'); each run writes its own NetCDF
# file, the batch a table of their costs. A job runs its runs on as many processes
# of the program as it gets threads (see spikesweep.engine.plan). Rules are made per
# batch because a job's outputs (the documented run paths) share no wildcard pattern.
for batch in BATCHES:

    rule:
        name:
            f"simulate_{batch.rule_suffix}"
        input:
            network=f"{RESULTS}/networks/{batch.network}.npz",
            program=get_batch_program(batch),
        output:
            spikes=get_run_files(batch.runs),
            costs=get_batch_costs(batch),
        log:
            f"{LOGS}/batches/{batch.name}.log",
        benchmark:
            f"{RESULTS}/benchmarks/batches/{batch.name}.tsv"
        conda:
            "../../envs/spikesweep.yaml"
        threads: batch.threads
        resources:
            mem_mb=get_batch_mem_mb,
            runtime=10 + 2 * len(batch.runs),
        params:
            runs=[run.to_json() for run in batch.runs],
        script:
            "../scripts/simulate.py"


rule simulations:
    # Target: every simulation of the study, nothing after.
    input:
        get_run_files(STUDY.runs),
