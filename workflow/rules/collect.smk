rule collect:
    input:
        runs=get_run_files(STUDY.runs),
        flywire_networks=get_network_npz(FLYWIRE_NETWORKS),
    output:
        spikes=f"{RESULTS}/spikes.nc",
        rates=f"{RESULTS}/rates.nc",
    log:
        f"{LOGS}/collect.log",
    benchmark:
        f"{RESULTS}/benchmarks/collect.tsv"
    conda:
        "../../envs/spikesweep.yaml"
    params:
        config=RESULTS_CONFIG,
        flywire_networks=FLYWIRE_NETWORKS,
    script:
        "../scripts/collect.py"


rule summary:
    # The driven and other neurons' rates at each network, mode and point (CSV).
    input:
        rates=f"{RESULTS}/rates.nc",
    output:
        table=f"{RESULTS}/summary.csv",
    log:
        f"{LOGS}/summary.log",
    benchmark:
        f"{RESULTS}/benchmarks/summary.tsv"
    conda:
        "../../envs/spikesweep.yaml"
    script:
        "../scripts/summary.py"


rule nwb:
    # On request (not part of 'all'): every run's spike trains as an NWB units table.
    input:
        spikes=f"{RESULTS}/spikes.nc",
    output:
        nwb=f"{RESULTS}/spikes.nwb",
    log:
        f"{LOGS}/nwb.log",
    conda:
        "../../envs/spikesweep.yaml"
    params:
        identifier=config_hash(RESULTS_CONFIG),
        description=f"spikesweep study {STUDY.name}: {study_overview(STUDY)}",
    script:
        "../scripts/nwb.py"


rule neuron_rates:
    # FlyWire networks: Shiu et al.'s summary, mean rate per FlyWire id over seeds.
    input:
        rates=f"{RESULTS}/rates.nc",
    output:
        table=f"{RESULTS}/neuron_rates/{{network}}.csv",
    log:
        f"{LOGS}/neuron_rates/{{network}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/neuron_rates/{{network}}.tsv"
    conda:
        "../../envs/spikesweep.yaml"
    script:
        "../scripts/neuron_rates.py"
