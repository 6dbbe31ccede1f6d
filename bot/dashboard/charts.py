"""Charts drawn on the server as SVG with pygal: no script, font or style from anywhere else.

Each chart is inline SVG marked as one image (`role="img"`) named by its figure's caption;
the page puts the figures behind it in a table beside it, for screen readers and keyboards.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta

import pygal
from markupsafe import Markup
from pygal.style import Style

from bot.core.readmodels import AffectedByDay, HoursByDay, PauseTimeline
from bot.core.timeline import dates
from bot.core.words import HoursKind, ProjectState

# Okabe–Ito: told apart with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#777777")
KIND_COLOURS = {HoursKind.WORKED: "#0072B2", HoursKind.BLOCKED: "#D55E00"}
TOP_CLIENTS = 6
OTHERS = "Other clients"
MOST_PAUSES = 60
# pygal always writes its configuration as an inline script; the pages run no script at all.
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)

STYLE = Style(
    background="transparent",
    plot_background="#ffffff",
    foreground="#1f2328",
    foreground_strong="#1f2328",
    foreground_subtle="#59636e",
    opacity="0.85",
    opacity_hover="0.95",
    colors=PALETTE,
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    value_font_size=12,
)

COMMON = {
    "js": [],  # pygal's tooltips would load a script from its site: none is wanted
    "disable_xml_declaration": True,
    "explicit_size": False,
    "style": STYLE,
    "legend_at_bottom": True,
    "legend_at_bottom_columns": 4,
    "truncate_legend": -1,
    "truncate_label": -1,
    "show_minor_x_labels": False,
    "x_label_rotation": 30,
    "print_values": False,
    "margin": 12,
    "margin_bottom": 36,
    "width": 960,
    "height": 420,
}


def _svg(chart: pygal.graph.graph.Graph, labelled_by: str) -> Markup:
    """The chart's SVG, marked as one image named by the element `labelled_by`."""
    svg = SCRIPT.sub("", chart.render(is_unicode=True))
    return Markup(
        svg.replace(
            "<svg ", f'<svg role="img" focusable="false" aria-labelledby="{labelled_by}" ', 1
        )
    )


def _x_labels(first: date, last: date) -> tuple[list[str], int]:
    """Every date of the range as a label, and how many of them to print."""
    labels = [day.isoformat() for day in dates(first, last)]
    return labels, min(len(labels), 12)


def top_clients(hours: HoursByDay, kind: HoursKind) -> list[str]:
    """The clients drawn on their own (most hours of this kind first); the rest are grouped."""
    totals: dict[str, int] = defaultdict(int)
    for row in hours.days:
        totals[row.client] += (
            row.worked_minutes if kind is HoursKind.WORKED else row.blocked_minutes
        )
    ranked = sorted((client for client, total in totals.items() if total), key=lambda c: -totals[c])
    if len(ranked) <= TOP_CLIENTS + 1:
        return ranked
    return ranked[:TOP_CLIENTS]


def hours_by_client(hours: HoursByDay, kind: HoursKind, labelled_by: str) -> Markup:
    """Hours of one kind per day, stacked by client (the biggest six, then the others)."""
    labels, major = _x_labels(hours.first, hours.last)
    shown = top_clients(hours, kind)
    index = {label: number for number, label in enumerate(labels)}
    series: dict[str, list[float]] = {client: [0.0] * len(labels) for client in shown}
    others = [0.0] * len(labels)
    for row in hours.days:
        minutes = row.worked_minutes if kind is HoursKind.WORKED else row.blocked_minutes
        values = series.get(row.client, others)
        values[index[row.day.isoformat()]] += minutes / 60
    chart = pygal.StackedLine(
        fill=True,
        show_dots=len(labels) == 1,
        x_labels_major_count=major,
        y_title="hours",
        **COMMON,
    )
    chart.x_labels = labels
    for client, values in series.items():
        chart.add(client, [round(value, 2) for value in values])
    if any(others):
        chart.add(OTHERS, [round(value, 2) for value in others])
    return _svg(chart, labelled_by)


def affected_per_day(affected: AffectedByDay, labelled_by: str) -> Markup:
    """Distinct contractors affected on each date."""
    labels, major = _x_labels(affected.first, affected.last)
    values = [day.contractors_affected for day in affected.days]
    if len(labels) <= 62:
        chart = pygal.Bar(x_labels_major_count=major, show_legend=False, **COMMON)
    else:
        chart = pygal.Line(
            fill=True, show_dots=False, x_labels_major_count=major, show_legend=False, **COMMON
        )
    chart.y_title = "contractors"
    chart.x_labels = labels
    chart.add("contractors affected", values)
    return _svg(chart, labelled_by)


def project_hours(hours: HoursByDay, labelled_by: str) -> Markup:
    """One project's worked and blocked hours per day, stacked."""
    labels, major = _x_labels(hours.first, hours.last)
    index = {label: number for number, label in enumerate(labels)}
    worked, blocked = [0.0] * len(labels), [0.0] * len(labels)
    for row in hours.days:
        worked[index[row.day.isoformat()]] += row.worked_minutes / 60
        blocked[index[row.day.isoformat()]] += row.blocked_minutes / 60
    style = Style(**{**STYLE.to_dict(), "colors": tuple(KIND_COLOURS.values())})
    options = {**COMMON, "style": style, "x_labels_major_count": major, "y_title": "hours"}
    if len(labels) <= 62:
        chart = pygal.StackedBar(**options)
    else:
        chart = pygal.StackedLine(fill=True, show_dots=False, **options)
    chart.x_labels = labels
    chart.add(str(HoursKind.WORKED), [round(value, 2) for value in worked])
    chart.add(str(HoursKind.BLOCKED), [round(value, 2) for value in blocked])
    return _svg(chart, labelled_by)


def pause_bars(timeline: PauseTimeline, *, today: date, labelled_by: str) -> Markup | None:
    """The latest pauses as bars along the calendar, one row each (a Gantt chart)."""
    pauses = timeline.pauses[-MOST_PAUSES:]
    if not pauses:
        return None
    origin = min(pause.start.date() for pause in pauses)

    def offset(day: date) -> float:
        """Days from the chart's first date."""
        return float((day - origin).days)

    def as_date(value: float) -> str:
        """An axis value as the date it stands for."""
        return (origin + timedelta(days=round(value))).isoformat()

    style = Style(**{**STYLE.to_dict(), "colors": ("transparent", "#D55E00")})
    chart = pygal.HorizontalStackedBar(
        **{
            **COMMON,
            "style": style,
            "show_legend": False,
            "x_label_rotation": 0,
            "height": max(160, 26 * len(pauses) + 80),
        },
        value_formatter=as_date,
    )
    chart.x_labels = [f"{pause.project} {pause.start.date().isoformat()}" for pause in pauses]
    starts = [offset(pause.start.date()) for pause in pauses]
    lengths = [
        max(1.0, offset((pause.end.date() if pause.end else today) + timedelta(days=1)) - start)
        for pause, start in zip(pauses, starts, strict=True)
    ]
    chart.add("before", starts)
    chart.add(str(ProjectState.PAUSED), lengths)
    return _svg(chart, labelled_by)
