"""Charts the pages draw, built as Altair specs by pure functions (so tests can read the spec).

A timeline shows every year of the range, empty ones included (a gap is information), and counts whole
documents: the axis never shows half a document.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import altair as alt
import pandas as pd

from ui.render import pretty_type


def year_span(years: Iterable[int]) -> list[int]:
    """Every year from the first to the last of ``years`` (empty when there are none)."""
    years = sorted(set(years))
    return list(range(years[0], years[-1] + 1)) if years else []


def timeline_chart(docs: Sequence, span: Sequence[int]) -> alt.Chart | None:
    """Documents per year and type as stacked bars over every year of ``span``; None if none is dated."""
    rows = [
        {"Year": d.date[:4], "Type": pretty_type(d.doc_type)}
        for d in docs
        if d.date and d.date[:4].isdigit() and (not span or span[0] <= int(d.date[:4]) <= span[-1])
    ]
    if not rows:
        return None
    domain = [str(y) for y in span] or sorted({r["Year"] for r in rows})
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X("Year:O", title="Year", scale=alt.Scale(domain=domain), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count():Q", title="Documents", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("Type:N", title="Type", legend=alt.Legend(orient="bottom")),
            tooltip=["Year:O", "Type:N", alt.Tooltip("count():Q", title="Documents")],
        )
    )


def weekly_chart(weeks: Sequence[dict]) -> alt.Chart | None:
    """Questions per week (answered and refused stacked), from :func:`bot.usage.questions_per_week`."""
    rows = []
    for w in weeks:
        rows.append(
            {"Week of": w["Week of"], "Outcome": "Answered", "Questions": w["Questions"] - w["Refused"]}
        )
        rows.append({"Week of": w["Week of"], "Outcome": "Refused", "Questions": w["Refused"]})
    if not rows:
        return None
    return (
        alt.Chart(pd.DataFrame(rows))
        .mark_bar()
        .encode(
            x=alt.X("Week of:O", title="Week of", axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("sum(Questions):Q", title="Questions", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("Outcome:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=["Week of:O", "Outcome:N", alt.Tooltip("sum(Questions):Q", title="Questions")],
        )
    )
