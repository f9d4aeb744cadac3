rule network:
    # Runs before any simulation, so a bad network stops the study early.
    input:
        get_network_files,
    output:
        npz=f"{RESULTS}/networks/{{network}}.npz",
    log:
        f"{LOGS}/networks/{{network}}.log",
    priority: 100
    conda:
        "../../envs/networks.yaml"
    params:
        source=get_network_source,
    script:
        "../scripts/network.py"
