rule network:
    # Runs before any simulation, so a bad network stops the study early.
    input:
        get_network_files,
    output:
        npz=f"{RESULTS}/networks/{{network}}.npz",
    log:
        f"{LOGS}/networks/{{network}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/networks/{{network}}.tsv"
    priority: 100
    conda:
        "../../envs/spikesweep.yaml"
    resources:
        mem_mb=get_source_mem_mb,
    params:
        source=get_network_source,
    script:
        "../scripts/network.py"
