"""answers.md: the forum thread's questions, answered from a study's verdicts.

Each registered analysis words its own verdict (its module's ``answer``); the
text depends only on the analyses' JSON summaries (no dates, no paths), so
regenerating it from stored results gives the same bytes.
"""

from spikesweep.analyses import ANALYSES

__all__ = ["render_answers"]


def render_answers(study: str, summaries: dict[str, dict]) -> str:
    """Markdown answering the forum's questions from the analyses' summaries."""
    lines = [f"# Answers from study `{study}`", ""]
    for name, entry in ANALYSES.items():
        lines += [f"## {entry.label}. {entry.question}", ""]
        if name in summaries:
            lines += entry.module.answer(summaries[name])
        else:
            lines.append(f"Not answered by this study: the `{name}` analysis is not built yet.")
        lines.append("")
    return "\n".join(lines)
