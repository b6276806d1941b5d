"""Server-rendered SVG charts: geometry computed here, drawn by templates/includes/chart_*.html.

Readable without JavaScript, printable (dark fills with value labels, so grey print still reads), and each
chart carries its data as a text alternative.
"""

from dataclasses import dataclass, field
from itertools import count

# Colour-blind-safe, dark enough to print in grey (Okabe-Ito, darkened).
PALETTE = ["#0b5394", "#b45f06", "#38761d", "#741b47", "#7f6000", "#134f5c", "#990000", "#444444"]
_ids = count(1)


@dataclass
class Bar:
    label: str
    value: int
    y: int = 0
    width: float = 0
    color: str = PALETTE[0]
    label_y: int = 0
    value_x: float = 0


@dataclass
class HBarChart:
    title: str
    bars: list
    width: int = 620
    label_width: int = 260
    bar_height: int = 22
    gap: int = 8
    dom_id: str = field(default_factory=lambda: f"chart-{next(_ids)}")

    @property
    def height(self):
        return max(len(self.bars), 1) * (self.bar_height + self.gap) + self.gap

    @property
    def total(self):
        return sum(bar.value for bar in self.bars)

    @property
    def plot_width(self):
        return self.width - self.label_width - 50


def hbar_chart(title, items, *, colors=None, limit=None):
    """Horizontal bars for (label, value) pairs, largest first unless the order matters (colors given)."""
    items = [(str(label), int(value)) for label, value in items]
    if limit:
        items = items[:limit]
    chart = HBarChart(title=title, bars=[])
    top = max((value for _label, value in items), default=0) or 1
    for index, (label, value) in enumerate(items):
        y = chart.gap + index * (chart.bar_height + chart.gap)
        width = chart.plot_width * value / top
        chart.bars.append(
            Bar(
                label=label,
                value=value,
                y=y,
                width=round(width, 1),
                color=(colors or PALETTE)[index % len(colors or PALETTE)] if colors else PALETTE[0],
                label_y=y + chart.bar_height // 2 + 4,
                value_x=round(chart.label_width + width + 6, 1),
            )
        )
    return chart


@dataclass
class Segment:
    series: str
    value: int
    y: float
    height: float
    color: str


@dataclass
class Column:
    label: str
    total: int
    x: float
    segments: list
    total_y: float


@dataclass
class StackedChart:
    title: str
    columns: list
    legend: list
    width: int
    height: int = 260
    plot_top: int = 24
    plot_bottom: int = 220
    column_width: int = 36
    dom_id: str = field(default_factory=lambda: f"chart-{next(_ids)}")

    @property
    def axis_y(self):
        return self.plot_bottom

    @property
    def label_y(self):
        return self.plot_bottom + 18


def stacked_columns(title, rows, *, series_order=None):
    """Columns per category (e.g. year) stacked by series (e.g. program type).

    `rows` are (category, series, value) triples in any order.
    """
    categories, series, values = [], list(series_order or []), {}
    for category, name, value in rows:
        if category not in categories:
            categories.append(category)
        if name not in series:
            series.append(name)
        values[(category, name)] = values.get((category, name), 0) + int(value)
    categories.sort()
    colors = {name: PALETTE[index % len(PALETTE)] for index, name in enumerate(series)}
    chart = StackedChart(
        title=title,
        columns=[],
        legend=[(name, colors[name]) for name in series],
        width=max(360, 60 + 56 * len(categories)),
    )
    totals = {c: sum(values.get((c, s), 0) for s in series) for c in categories}
    top = max(totals.values(), default=0) or 1
    scale = (chart.plot_bottom - chart.plot_top) / top
    for index, category in enumerate(categories):
        x = 40 + index * 56
        y = chart.plot_bottom
        segments = []
        for name in series:
            value = values.get((category, name), 0)
            if not value:
                continue
            height = value * scale
            y -= height
            segments.append(
                Segment(series=name, value=value, y=round(y, 1), height=round(height, 1), color=colors[name])
            )
        chart.columns.append(
            Column(
                label=str(category), total=totals[category], x=x, segments=segments, total_y=round(y - 4, 1)
            )
        )
    return chart


@dataclass
class TimelineItem:
    label: str
    x: float
    width: float
    y: int
    done: bool
    overdue: bool
    done_x: float | None
    text_y: int
    planned: str


@dataclass
class Timeline:
    items: list
    ticks: list
    width: int = 720
    left: int = 10
    row_height: int = 30
    dom_id: str = field(default_factory=lambda: f"chart-{next(_ids)}")

    @property
    def height(self):
        return len(self.items) * self.row_height + 30


def timeline(milestones, *, today):
    """Planned spans of milestones on one time axis, with done dates marked; milestones without dates skipped."""
    dated = [m for m in milestones if m.planned_start and m.planned_end]
    chart = Timeline(items=[], ticks=[])
    if not dated:
        return chart
    start = min(m.planned_start for m in dated)
    end = max(max(m.planned_end, m.done_on or m.planned_end) for m in dated)
    span = max((end - start).days, 1)
    usable = chart.width - 2 * chart.left

    def x_of(day):
        return round(chart.left + usable * (day - start).days / span, 1)

    for index, milestone in enumerate(dated):
        y = 24 + index * chart.row_height
        chart.items.append(
            TimelineItem(
                label=milestone.activity,
                x=x_of(milestone.planned_start),
                width=max(round(x_of(milestone.planned_end) - x_of(milestone.planned_start), 1), 3),
                y=y,
                done=milestone.done_on is not None,
                overdue=milestone.done_on is None and milestone.planned_end < today,
                done_x=x_of(milestone.done_on) if milestone.done_on else None,
                text_y=y - 3,
                planned=f"{milestone.planned_start:%d-%m-%Y} – {milestone.planned_end:%d-%m-%Y}",
            )
        )
    chart.ticks = [(x_of(start), f"{start:%m/%Y}"), (x_of(end), f"{end:%m/%Y}")]
    return chart
