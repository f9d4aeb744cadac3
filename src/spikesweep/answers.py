"""answers.md: the forum thread's questions, answered from a study's verdicts.

The text depends only on the analyses' JSON summaries (no dates, no paths), so
regenerating it from stored results gives the same bytes.
"""

__all__ = ["render_answers"]

QUESTIONS = {
    "Q1": "Is a loop of one `PoissonInput` per neuron the same as one `PoissonInput` on the "
    "whole group?",
    "Q1.1/Q1.2": "Are the driven neurons' spike trains independent, or do they share the "
    "same Poisson process?",
    "Q1.3": "What is the purpose of `N`?",
    "Q2": "Do upstream spikes raise the downstream neurons' potential?",
    "Q4": "Do negative weights inhibit?",
}
ANALYSIS_OF = {
    "Q1": "equivalence",
    "Q1.1/Q1.2": "independence",
    "Q1.3": "input_scaling",
    "Q2": "propagation",
    "Q4": "inhibition",
}


def _number(value, digits=3) -> str:
    """``value`` with ``digits`` significant digits; ``n/a`` for a missing (NaN) value."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _fixed(value, spec: str) -> str:
    """``value`` in the format ``spec`` (such as ``"+.2f"``); ``n/a`` when missing."""
    return "n/a" if value is None else format(value, spec)


def _drive(row: dict) -> str:
    return (
        f"{row['network']}, {_number(row['rate_hz'])} Hz x N={int(row['n_sources'])}, "
        f"{_number(row['weight_mV'])} mV"
    )


def _equivalence(s: dict) -> list[str]:
    lines = [
        f"**Verdict: {s['verdict']}** ({s['test']}; alpha = {s['alpha']}).",
        "",
        "| drive | mode | mean rate (Hz) | poisson_input (Hz) | difference, CI (Hz) "
        "| KS p (BH) | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in s["points"]:
        lines.append(
            f"| {_drive(row)} | {row['mode']} | {_fixed(row['mode_mean_hz'], '.1f')} "
            f"| {_fixed(row['reference_mean_hz'], '.1f')} | {_fixed(row['difference_hz'], '+.2f')} "
            f"[{_fixed(row['ci_low_hz'], '+.2f')}, {_fixed(row['ci_high_hz'], '+.2f')}] "
            f"| {_number(row['p_adjusted'])} | {row['verdict']} |"
        )
    lines += [
        "",
        "Cost per run (median over runs of the simulation itself; with cpp_standalone each "
        "structure is compiled once beforehand, see results/{study}/benchmarks/):",
        "",
    ]
    lines += [
        "| mode | wall time (s) | of which Brian2's run loop (s) | peak memory (MB) |",
        "|---|---|---|---|",
    ]
    for mode, cost in sorted(s["cost_per_run"].items()):
        lines.append(
            f"| {mode} | {_fixed(cost['wall_s'], '.2f')} | {_fixed(cost['simulation_s'], '.3f')} "
            f"| {_fixed(cost['max_rss_mb'], '.0f')} |"
        )
    lines += [
        "",
        "The loop and the single `PoissonInput` draw one binomial per driven neuron and time "
        "step from the same generator, in neuron order: with the same seed they give the same "
        "spikes. The loop only costs more (one code object per neuron).",
    ]
    return lines


def _independence(s: dict) -> list[str]:
    controls = s["controls"]
    positive, negative = controls["positive_shared_source"], controls["negative_across_seeds"]
    lines = [
        f"**Verdict: {s['verdict']}** for independent inputs ({s['test']}; alpha = "
        f"{s['alpha']}, bins of {_number(s['bin_ms'])} ms, the first "
        f"{_number(s['transient_ms'])} ms left out). Mean pairwise count correlation "
        f"{_number(s['effect_size'])}; smallest adjusted p = {_number(s['p_value'])}.",
        "",
        f"Controls: `shared_source` (identical input) came out dependent at "
        f"{positive['dependent']} of {positive['points']} points "
        f"({'passed' if positive['passed'] else 'FAILED'}); neurons paired across seeds "
        f"(independent by construction) came out dependent at {negative['dependent']} of "
        f"{negative['points']} points ({'passed' if negative['passed'] else 'FAILED'}).",
        "",
        "| drive | mode | mean r | coincidences (expected) | p (BH) | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for row in s["points"]:
        lines.append(
            f"| {_drive(row)} | {row['mode']} | {_number(row['mean_r'])} "
            f"| {_fixed(row['coincidences'], '.0f')} "
            f"({_fixed(row['expected_coincidences'], '.1f')}) "
            f"| {_number(row['p_adjusted'])} | {row['verdict']} |"
        )
    lines += [
        "",
        "Each neuron gets its own Poisson process in `poisson_input`, `per_neuron`, "
        "`poisson_group` and `poisson_count` alike; only a source shared by all neurons "
        "(`shared_source`) makes their spike trains dependent. 'Weakly dependent' points are "
        "significant but have a "
        f"mean correlation below {_number(s['negligible_r'])}: the recurrent network's own "
        "correlations, detectable with many pairs.",
    ]
    return lines


def _input_scaling(s: dict) -> list[str]:
    lines = [
        f"**Verdict: {s['verdict']}** ({s['test']}). Largest relative error "
        f"{_number(s['effect_size'])}; of {s['controls']['theory_points']['points']} "
        f"suprathreshold points, {s['controls']['theory_points']['matches']} match within the "
        f"tolerance and {s['controls']['theory_points']['inconclusive']} are inconclusive "
        "(too few samples).",
        "",
        "`N` is the number of independent Poisson sources that reach each target; per time "
        "step the target receives a binomial(N, rate x dt) number of events.",
        "",
        "| drive | mode | N x rate (Hz) | rate out (Hz) | predicted (Hz) | relative error |",
        "|---|---|---|---|---|---|",
    ]
    for row in s["points"]:
        lines.append(
            f"| {_drive(row)} | {row['mode']} | {_fixed(row['input_rate_hz'], '.0f')} "
            f"| {_fixed(row['mean_rate_hz'], '.1f')} +- {_fixed(row['sem_hz'], '.1f')} "
            f"| {_number(row.get('predicted_hz'), 4)} | {_number(row.get('relative_error'))} |"
        )
    return lines


def _propagation(s: dict) -> list[str]:
    control = s["controls"]["reversed_unconnected_pairs"]
    lines = [
        f"**Verdict: {s['verdict']}** ({s['test']}; alpha = {s['alpha']}; response window "
        f"{_number(s['window_ms'])} ms after the synaptic delay).",
        "",
        f"Control: reversed pairs without a synapse responded in {control['responding']} of "
        f"{control['pairs']} tests ({'passed' if control['passed'] else 'FAILED'}).",
        "",
        "| drive | mode | pair | weight | g response (mV) | v response (mV) "
        "| post rate change (Hz) | p (BH) | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in s["points"]:
        if row["kind"] == "connected":
            lines.append(
                f"| {_drive(row)} | {row['mode']} | {row['pre']} -> {row['post']} "
                f"| {_number(row['synapse_weight'])} | {_fixed(row['response_mV'], '+.3f')} "
                f"+- {_fixed(row['sem_mV'], '.3f')} | {_fixed(row['v_response_mV'], '+.3f')} "
                f"+- {_fixed(row['v_sem_mV'], '.3f')} | {_fixed(row['rate_change_hz'], '+.1f')} "
                f"| {_number(row['p_adjusted'])} | {row['verdict']} |"
            )
    lines += [
        "",
        "One synaptic delay after each upstream spike, the downstream synaptic input `g` "
        "moves with the sign of the weight: excitatory input raises the potential and the "
        "firing rate in the following window, inhibitory input lowers them. The mean `v` "
        "response is a poor summary: when excitation makes the downstream neuron fire, its "
        "reset (`v = v_reset; g = 0`) pulls the average `v` below baseline, and under the "
        "forum's drive the neuron fires so often that its resets erase most of the response. "
        "Input that arrives while the downstream neuron is refractory is lost (Brian2 writes "
        "to `(unless refractory)` variables only outside the refractory period).",
    ]
    return lines


def _inhibition(s: dict) -> list[str]:
    control = s["controls"]["neurons_without_inhibitory_input"]
    lines = [
        f"**Verdict: {s['verdict']}** ({s['test']}; alpha = {s['alpha']}).",
        "",
        f"Control: neurons without inhibitory input changed in {control['changed']} of "
        f"{control['tests']} tests ({'passed' if control['passed'] else 'FAILED'}).",
        "",
        "| drive | mode | neuron | intact (Hz) | lesioned (Hz) | difference, 95 % CI (Hz) "
        "| seeds | p (BH) | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in s["points"]:
        if row["inhibitory_input"]:
            lines.append(
                f"| {_drive(row)} | {row['mode']} | {row['neuron']} "
                f"| {_fixed(row['intact_hz'], '.1f')} | {_fixed(row['lesioned_hz'], '.1f')} "
                f"| {_fixed(row['difference_hz'], '+.2f')} [{_fixed(row['ci95_low_hz'], '+.2f')}, "
                f"{_fixed(row['ci95_high_hz'], '+.2f')}] | {row['seeds']} "
                f"| {_number(row['p_adjusted'])} | {row['verdict']} |"
            )
    lines += [
        "",
        "Negative weights lower the target's potential, but whether that shows in its rate "
        "depends on the drive: when every input event fires the neuron on its own, a small "
        "inhibitory input cannot prevent the spike, and the confidence interval shows how "
        "small any effect must be.",
    ]
    return lines


RENDER = {
    "equivalence": _equivalence,
    "independence": _independence,
    "input_scaling": _input_scaling,
    "inhibition": _inhibition,
    "propagation": _propagation,
}


def render_answers(study: str, summaries: dict[str, dict]) -> str:
    """Markdown answering the forum's questions from the analyses' summaries."""
    lines = [f"# Answers from study `{study}`", ""]
    for label, question in QUESTIONS.items():
        name = ANALYSIS_OF[label]
        lines += [f"## {label}. {question}", ""]
        if name in summaries:
            lines += RENDER[name](summaries[name])
        else:
            lines.append(f"Not answered by this study: the `{name}` analysis is not built yet.")
        lines.append("")
    return "\n".join(lines)
