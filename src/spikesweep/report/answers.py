"""answers.md: the forum's questions that a study answers, answered from its verdicts.

Each registered analysis words its own verdict (its module's ``answer``). The
questions a study does not answer are listed at the end with the reason. The
text depends only on the analyses' JSON summaries and the study's runs (no
dates, no paths), so regenerating it from stored results gives the same bytes.
"""

from spikesweep.analyses import ANALYSES
from spikesweep.study.config import Study

__all__ = ["render_answers", "study_overview"]


def study_overview(study: Study) -> str:
    """One sentence on what ``study`` ran: its networks, modes, points and seeds."""
    networks = sorted({run.network for run in study.runs})
    modes = sorted({run.mode for run in study.runs})
    points = {run.point for run in study.runs}
    seeds = {run.seed for run in study.runs}
    return (
        f"{len(study.runs)} runs: network{'s' * (len(networks) > 1)} "
        f"{', '.join(f'`{name}`' for name in networks)}; mode{'s' * (len(modes) > 1)} "
        f"{', '.join(f'`{mode}`' for mode in modes)}; {len(points)} grid "
        f"point{'s' * (len(points) > 1)}; {len(seeds)} seed{'s' * (len(seeds) > 1)}."
    )


def render_answers(study: str, overview: str, summaries: dict, not_run: dict[str, str]) -> str:
    """Markdown answering the questions of the analyses in ``summaries``.

    Parameters
    ----------
    study, overview : str
        The study's name and :func:`study_overview`.
    summaries : dict of str to dict
        Each run analysis' JSON summary, by name.
    not_run : dict of str to str
        Why each of the other registered analyses was not run.
    """
    lines = [f"# Answers from study `{study}`", "", overview, ""]
    for name, entry in ANALYSES.items():
        if name in summaries:
            lines += [f"## {entry.label}. {entry.question}", ""]
            lines += entry.module.answer(summaries[name])
            lines.append("")
    unanswered = [(ANALYSES[name], reason) for name, reason in not_run.items()]
    if unanswered:
        lines += ["## Not answered by this study", ""]
        lines += [
            f"- {entry.label}, {entry.question} (`{entry.name}`): {reason}."
            for entry, reason in unanswered
        ]
        lines.append("")
    return "\n".join(lines)
