rule figure:
    input:
        unpack(get_figure_inputs),
    output:
        png=report(
            f"{RESULTS}/figures/{{figure}}.png",
            caption="../report/figure.rst",
            category=get_figure_category,
            labels=get_figure_labels,
        ),
        pdf=f"{RESULTS}/figures/{{figure}}.pdf",
    log:
        f"{LOGS}/figures/{{figure}}.log",
    conda:
        "../../envs/spikesweep.yaml"
    params:
        analysis_dir=f"{RESULTS}/analysis",
        delay_ms=lookup(dpath="model/delay_ms", within=config),
        bin_ms=lookup(dpath="analysis/bin_ms", within=config),
    script:
        "../scripts/figure.py"


rule figures:
    # Regenerates the figures and answers.md from stored NetCDF and verdicts only.
    input:
        get_figure_files(),
        get_answers(),
