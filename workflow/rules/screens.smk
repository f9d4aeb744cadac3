# Shiu-style screens: each experiment's responders by neuron (FlyWire id where known),
# and FlyWire experiments' spikes in the parquet layout of Shiu et al.'s notebooks.


rule responder_table:
    input:
        numbers=f"{RESULTS}/analysis/responders.nc",
        verdict=f"{RESULTS}/analysis/responders.json",
        rates=f"{RESULTS}/rates.nc",
    output:
        table=f"{RESULTS}/responders/{{network}}/{{experiment}}.csv",
    log:
        f"{LOGS}/responders/{{network}}/{{experiment}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/responders/{{network}}/{{experiment}}.tsv"
    conda:
        "../../envs/spikesweep.yaml"
    params:
        point=get_experiment_point,
    script:
        "../scripts/responder_table.py"


rule shiu_parquet:
    input:
        spikes=f"{RESULTS}/spikes.nc",
        rates=f"{RESULTS}/rates.nc",
    output:
        spikes=f"{RESULTS}/parquet/{{network}}/{{experiment}}.parquet",
    log:
        f"{LOGS}/parquet/{{network}}/{{experiment}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/parquet/{{network}}/{{experiment}}.tsv"
    conda:
        "../../envs/spikesweep.yaml"
    params:
        point=get_experiment_point,
    script:
        "../scripts/shiu_parquet.py"
