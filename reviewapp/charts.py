"""Charts for the analytics dashboard, drawn on the server as SVG strings.

The site's Content-Security-Policy refuses inline scripts and styles, so a chart
is plain SVG: colours and dashes are presentation attributes, and sizing is the
``chart-svg`` class in desk.css. Each chart is one ``role="img"`` named by its
<title> and summarised in a <desc> built from the data; every mark carries its
exact value in a <title> tooltip.

Colours come from the Okabe–Ito palette (safe for colour-blind readers), and
lines also differ by dash pattern, so a chart still reads in greyscale.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

NO_DATA = gettext_lazy("No data for this selection.")

# Okabe–Ito, the colours with most contrast on white first; its yellow is left
# out, too pale for a thin line.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#000000", "#e69f00", "#56b4e9")
DASHES = ("none", "6 3", "2 3", "8 3 2 3", "12 4", "4 2 1 2", "1 4")
INK, MUTED, GRID = "#1a1a1a", "#4a4a4a", "#d0d0d0"
# How each kind of mark looks, in one place; its colour is its series'. The classes
# are for desk.css (hover) and the tests.
LINE = {"class_": "chart-line", "fill": "none", "stroke_width": 2.5}
POINT = {"class_": "chart-point", "r": 3.5, "stroke": "#fff"}
BAR = {"class_": "chart-bar"}
VALUE = {"text_anchor": "middle", "font_size": 11}
WHISKER = {"class_": "chart-whisker", "stroke_width": 2}
ESTIMATE = {"class_": "chart-estimate", "r": 5, "stroke": "#fff"}

WIDTH = 640
PLOT_HEIGHT = 200
PLOT_LEFT, PLOT_RIGHT = 56, 624  # room on the left for the value axis labels
INTERVAL_LEFT, INTERVAL_RIGHT = 176, 480  # row labels to the left, the figures to the right
TOP = 44  # below the chart's visible title
ROW_HEIGHT = 26
MAX_X_LABELS = 8
CHAR_WIDTH = 7  # rough width of one character at font-size 12, for fitting labels

Format = Callable[[float], str]
Point = tuple[str, str, float]  # series, where (x label, category, bin), value
Swatch = Callable[[int, float, float], SafeString]

# A counter rather than a hash of the data: two identical charts on one page
# must still get different ids, or aria-labelledby would name the wrong one.
_chart_ids = itertools.count(1)


def percent(value: float) -> str:
    """0.7 -> "70%", 0.625 -> "62.5%"."""
    return f"{_trim(value * 100, 1)}%"


def number(value: float) -> str:
    """Counts stay whole ("12"); other values get at most two decimals ("0.25")."""
    return _trim(value, 2)


def _trim(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _el(tag: str, *children: str, **attrs: object) -> SafeString:
    """One SVG element, text and attributes escaped: ``_el("text", "a<b", x=3, font_size=11)``.
    Numbers are written with one decimal; ``class_`` and ``font_size`` become the attributes
    ``class`` and ``font-size``; children built by ``_el`` stay markup."""
    attributes = format_html_join(
        "",
        ' {}="{}"',
        (
            (name.rstrip("_").replace("_", "-"), _trim(v, 1) if isinstance(v, float | int) else v)
            for name, v in attrs.items()
        ),
    )
    if not children:
        return format_html("<{}{}/>", tag, attributes)
    inner = format_html_join("", "{}", ((child,) for child in children))
    return format_html("<{}{}>{}</{}>", tag, attributes, inner, tag)


def _join(parts: Iterable[SafeString]) -> SafeString:
    return mark_safe("".join(parts))  # every part was built by _el


def _label(text: str, width: float, **attrs: object) -> SafeString:
    """Text cut short with an ellipsis to fit ``width``; then the whole text is its tooltip."""
    room = max(int(width // CHAR_WIDTH), 2)
    if len(text) <= room:
        return _el("text", text, **attrs)
    return _el("text", text[: room - 1] + "…", _el("title", text), **attrs)


def _point_text(series: str, where: str, value: str) -> str:
    """How one value is named, in tooltips and summaries: "v2 · 2024-05-03: 71%"."""
    return f"{series} · {where}: {value}"


@dataclass(frozen=True)
class _Scale:
    """Maps data values in [lo, hi] onto pixels from ``start`` to ``end``, clamping outliers."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        share = (value - self.lo) / (self.hi - self.lo) if self.hi != self.lo else 0.5
        return self.start + min(max(share, 0.0), 1.0) * (self.end - self.start)


def _nice_max(values: Sequence[float]) -> float:
    """The smallest top at or above every value whose quarters are round, so the five
    gridlines read 0, 20, 40, 60, 80; counts (ints) get whole-number gridlines."""
    top = max(values, default=0)
    if top <= 0:
        return 1.0
    whole = all(isinstance(value, numbers.Integral) for value in values)
    magnitude = 10.0 ** math.floor(math.log10(top / 4))
    quarters = (magnitude * s for s in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10))
    return 4 * next(q for q in quarters if q * 4 >= top and (q.is_integer() or not whole))


def _thinned(count: int) -> list[int]:
    """Indexes of the x labels to show: every n-th, at most MAX_X_LABELS, so none overlap."""
    return list(range(0, count, math.ceil(count / MAX_X_LABELS)))


def _check_lengths(series: dict[str, Sequence], expected: int, what: str) -> None:
    for name, values in series.items():
        if len(values) != expected:
            raise ValueError(f"series {name!r} has {len(values)} values for {expected} {what}")


def _svg(title: str, desc: str, height: float, body: Iterable[SafeString]) -> SafeString:
    chart_id = f"svg-chart-{next(_chart_ids)}"
    return _el(
        "svg",
        _el("title", title, id=f"{chart_id}-title"),
        _el("desc", desc, id=f"{chart_id}-desc"),
        _el("text", title, x=12, y=24, font_size=15, font_weight="bold"),
        *body,
        xmlns="http://www.w3.org/2000/svg",
        class_="chart-svg",
        viewBox=f"0 0 {WIDTH} {_trim(height, 1)}",
        role="img",
        aria_labelledby=f"{chart_id}-title {chart_id}-desc",
        font_family="system-ui, sans-serif",
        font_size=12,
        fill=INK,
    )


def _empty(title: str, message: str) -> SafeString:
    return _svg(title, str(message), 80, [_el("text", message, x=12, y=56, fill=MUTED)])


def _gridlines(
    scale: _Scale, fmt: Format, across: tuple[float, float], *, vertical: bool
) -> SafeString:
    """Five gridlines with their labels: horizontal ones labelled on the left for a value
    axis going up, or vertical ones labelled below for one going right."""
    parts = []
    a, b = across
    for i in range(5):
        value = scale.lo + (scale.hi - scale.lo) * i / 4
        at = scale(value)
        if vertical:
            x1, y1, x2, y2, tx, ty, anchor = at, a, at, b, at, b + 16, "middle"
        else:
            x1, y1, x2, y2, tx, ty, anchor = a, at, b, at, a - 6, at + 4, "end"
        parts.append(_el("line", x1=x1, y1=y1, x2=x2, y2=y2, stroke=GRID))
        parts.append(_el("text", fmt(value), x=tx, y=ty, text_anchor=anchor, fill=MUTED))
    return _join(parts)


def _line_swatch(index: int, x: float, y: float) -> SafeString:
    colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
    return _el(
        "line", x1=x, y1=y, x2=x + 18, y2=y, stroke=colour, stroke_width=3, stroke_dasharray=dash
    )


def _box_swatch(index: int, x: float, y: float) -> SafeString:
    return _el("rect", x=x + 3, y=y - 6, width=12, height=12, fill=PALETTE[index % len(PALETTE)])


def _legend(names: Sequence[str], swatch: Swatch) -> tuple[SafeString, float]:
    """Legend items in rows that wrap at the chart's width; returns them and where they end."""
    parts, x, y = [], PLOT_LEFT, TOP
    room = PLOT_RIGHT - PLOT_LEFT - 24
    for index, name in enumerate(names):
        width = 24 + min(len(name) * CHAR_WIDTH, room) + 16
        if x > PLOT_LEFT and x + width > PLOT_RIGHT:
            x, y = PLOT_LEFT, y + 20
        parts += [swatch(index, x, y), _label(name, room, x=x + 24, y=y + 4)]
        x += width
    return _join(parts), y + 20


def _cartesian(
    *,
    title: str,
    summary: str,
    points: Sequence[Point],
    swatch: Swatch,
    y_max: float | None,
    y_format: Format,
    x_labels: Iterable[tuple[float, str, float]],
    draw: Callable[[_Scale], Iterable[SafeString]],
) -> SafeString:
    """The frame the line, bar and histogram charts share: legend, value axis with gridlines,
    the marks ``draw`` makes on the value scale, and x labels as (x, text, room for it).
    ``points`` are every value there is, for the axis's top and the summary."""
    legend, legend_end = _legend(list(dict.fromkeys(point[0] for point in points)), swatch)
    top = legend_end + 14  # room above the tallest mark for its value label
    bottom = top + PLOT_HEIGHT
    y = _Scale(0.0, y_max or _nice_max([point[2] for point in points]), bottom, top)
    labels = [_label(text, room, x=x, y=bottom + 18) for x, text, room in x_labels]
    series, where, value = max(points, key=lambda point: point[2])  # the first of any tie
    desc = _("{summary}; highest: {highest}.").format(
        summary=summary, highest=_point_text(series, where, y_format(value))
    )
    return _svg(
        title,
        desc,
        bottom + 32,
        [
            legend,
            _gridlines(y, y_format, (PLOT_LEFT, PLOT_RIGHT), vertical=False),
            *draw(y),
            _el("line", x1=PLOT_LEFT, y1=bottom, x2=PLOT_RIGHT, y2=bottom, stroke=MUTED),
            _el("g", *labels, text_anchor="middle", fill=MUTED),
        ],
    )


def _grouped_bars(
    *,
    title: str,
    summary: str,
    slots: Sequence[tuple[float, float]],
    wheres: Sequence[str],
    series: dict[str, list[float]],
    y_format: Format,
    x_labels: Iterable[tuple[float, str, float]],
) -> SafeString:
    """The bars of bar_chart and histogram: in each slot (left, width) one bar per series,
    with its value above it where that fits."""
    points = [
        (name, where, value)
        for name, values in series.items()
        for where, value in zip(wheres, values, strict=True)
    ]

    def draw(y: _Scale) -> Iterable[SafeString]:
        for (left, room), where, *values in zip(slots, wheres, *series.values(), strict=True):
            width = room / len(series)
            for s, (name, value) in enumerate(zip(series, values, strict=True)):
                x, top, text = left + width * s, y(value), y_format(value)
                tooltip = _el("title", _point_text(name, where, text))
                fill, height = PALETTE[s % len(PALETTE)], y(0.0) - top
                yield _el("rect", tooltip, x=x, y=top, width=width, height=height, fill=fill, **BAR)
                # Only where it fits over the bar (some 6 px a character at font-size 11):
                # overlapping labels read as nonsense, and the tooltip has the value anyway.
                if len(text) * 6 <= width + 2:
                    yield _el("text", text, x=x + width / 2, y=top - 4, **VALUE)

    return _cartesian(
        title=title,
        summary=summary,
        points=points,
        swatch=_box_swatch,
        y_max=None,
        y_format=y_format,
        x_labels=x_labels,
        draw=draw,
    )


def line_chart(
    *,
    title: str,
    x_labels: list[str],
    series: dict[str, list[float | None]],
    y_max: float | None = None,
    y_format: Format = percent,
    empty_text: str = NO_DATA,
) -> SafeString:
    """One line per series over the x labels (days, weeks); None leaves a gap in the line."""
    _check_lengths(series, len(x_labels), "x labels")
    points = [
        (name, label, value)
        for name, values in series.items()
        for label, value in zip(x_labels, values, strict=True)
        if value is not None
    ]
    if not points:
        return _empty(title, empty_text)
    x = _Scale(0, len(x_labels) - 1, PLOT_LEFT + 24, PLOT_RIGHT - 24)

    def draw(y: _Scale) -> Iterable[SafeString]:
        for index, (name, values) in enumerate(series.items()):
            colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
            # A None ends a run of values and so breaks the line; a lone value between
            # gaps is just its marker.
            for present, run in itertools.groupby(enumerate(values), lambda p: p[1] is not None):
                coords = [f"{_trim(x(i), 1)},{_trim(y(v), 1)}" for i, v in run if present]
                if len(coords) > 1:
                    yield _el(
                        "polyline",
                        points=" ".join(coords),
                        stroke=colour,
                        stroke_dasharray=dash,
                        **LINE,
                    )
            for i, value in enumerate(values):
                if value is not None:
                    tooltip = _el("title", _point_text(name, x_labels[i], y_format(value)))
                    yield _el("circle", tooltip, cx=x(i), cy=y(value), fill=colour, **POINT)

    room = (PLOT_RIGHT - PLOT_LEFT) / min(len(x_labels), MAX_X_LABELS)
    summary = _("{count} series over {points} points, {first} to {last}").format(
        count=len(series), points=len(x_labels), first=x_labels[0], last=x_labels[-1]
    )
    return _cartesian(
        title=title,
        summary=summary,
        points=points,
        swatch=_line_swatch,
        y_max=y_max,
        y_format=y_format,
        x_labels=[(x(i), x_labels[i], room) for i in _thinned(len(x_labels))],
        draw=draw,
    )


def bar_chart(
    *,
    title: str,
    categories: list[str],
    series: dict[str, list[float]],
    y_format: Format = number,
    empty_text: str = NO_DATA,
) -> SafeString:
    """Grouped vertical bars: one group per category, one bar in it per series."""
    _check_lengths(series, len(categories), "categories")
    if not categories or not series:
        return _empty(title, empty_text)
    band = (PLOT_RIGHT - PLOT_LEFT) / len(categories)
    summary = _("{count} categories, {series} series").format(
        count=len(categories), series=len(series)
    )
    return _grouped_bars(
        title=title,
        summary=summary,
        slots=[(PLOT_LEFT + band * (c + 0.1), band * 0.8) for c in range(len(categories))],
        wheres=categories,
        series=series,
        y_format=y_format,
        x_labels=[(PLOT_LEFT + band * (c + 0.5), cat, band) for c, cat in enumerate(categories)],
    )


def histogram(
    *,
    title: str,
    bin_edges: list[float],
    series: dict[str, list[int]],
    x_format: Format = number,
    empty_text: str = NO_DATA,
) -> SafeString:
    """Counts in the bins between consecutive edges; several series stand side by side."""
    _check_lengths(series, max(len(bin_edges) - 1, 0), "bins")
    total = sum(sum(values) for values in series.values())
    if not total:
        return _empty(title, empty_text)
    x = _Scale(bin_edges[0], bin_edges[-1], PLOT_LEFT, PLOT_RIGHT)
    bins = list(itertools.pairwise(bin_edges))
    room = (PLOT_RIGHT - PLOT_LEFT) / min(len(bin_edges), MAX_X_LABELS)
    summary = _("{total} items in {bins} bins, {lo} to {hi}").format(
        total=total, bins=len(bins), lo=x_format(bin_edges[0]), hi=x_format(bin_edges[-1])
    )
    return _grouped_bars(
        title=title,
        summary=summary,
        slots=[(x(lo) + 1, x(hi) - x(lo) - 2) for lo, hi in bins],  # a pixel's gap each side
        wheres=[f"{x_format(lo)}–{x_format(hi)}" for lo, hi in bins],
        series=series,
        y_format=number,
        x_labels=[
            (x(bin_edges[i]), x_format(bin_edges[i]), room) for i in _thinned(len(bin_edges))
        ],
    )


@dataclass(frozen=True)
class IntervalRow:
    """An estimate with its confidence interval; rows of one group sit together."""

    label: str
    estimate: float | None
    low: float | None
    high: float | None
    group: str | None = None

    @property
    def has_data(self) -> bool:
        # An estimate without its interval counts as no data: alone, it invites
        # over-reading a small sample.
        return None not in (self.estimate, self.low, self.high)

    @property
    def name(self) -> str:
        return f"{self.group} · {self.label}" if self.group else self.label

    def figures(self, fmt: Format) -> str:
        return f"{fmt(self.estimate)} [{fmt(self.low)}, {fmt(self.high)}]"


def _interval_row(row: IntervalRow, x: _Scale, cy: float, colour: str, fmt: Format) -> SafeString:
    label = _label(row.label, INTERVAL_LEFT - 20, x=INTERVAL_LEFT - 8, y=cy + 4, text_anchor="end")
    if not row.has_data:
        return label + _el("text", _("no data"), x=INTERVAL_LEFT, y=cy + 4, fill=MUTED)
    low, high = x(row.low), x(row.high)
    caps = f"M{_trim(low, 1)} {_trim(cy - 5, 1)}v10M{_trim(high, 1)} {_trim(cy - 5, 1)}v10"
    tooltip = _el("title", f"{row.name}: {row.figures(fmt)}")
    return _join(
        [
            label,
            _el("line", x1=low, y1=cy, x2=high, y2=cy, stroke=colour, **WHISKER),
            _el("path", d=caps, stroke=colour, stroke_width=2),
            _el("circle", tooltip, cx=x(row.estimate), cy=cy, fill=colour, **ESTIMATE),
            _el("text", row.figures(fmt), x=INTERVAL_RIGHT + 12, y=cy + 4),
        ]
    )


def interval_chart(
    *,
    title: str,
    rows: list[IntervalRow],
    x_min: float = 0.0,
    x_max: float = 1.0,
    x_format: Format = percent,
    empty_text: str = NO_DATA,
) -> SafeString:
    """Dot-and-whisker rows on one shared axis: each estimate with its confidence interval,
    consecutive rows of a group (one measure for two versions, say) under its name."""
    measured = [row for row in rows if row.has_data]
    if not measured:
        return _empty(title, empty_text)
    x = _Scale(x_min, x_max, INTERVAL_LEFT, INTERVAL_RIGHT)
    parts, y = [], TOP
    for group, members in itertools.groupby(rows, lambda row: row.group):
        if group is not None:
            parts.append(_label(group, WIDTH - 24, x=12, y=y + 17, font_weight="bold"))
            y += ROW_HEIGHT
        # Colour by place in the group: the first version is blue in every group, the second
        # orange, and so on, so the pairs read alike.
        for index, row in enumerate(members):
            colour = PALETTE[index % len(PALETTE)]
            parts.append(_interval_row(row, x, y + ROW_HEIGHT / 2, colour, x_format))
            y += ROW_HEIGHT
    best = max(measured, key=lambda row: row.estimate)
    desc = _("{count} estimates with confidence intervals; highest: {highest}.").format(
        count=len(measured), highest=f"{best.name}: {best.figures(x_format)}"
    )
    grid = _gridlines(x, x_format, (TOP, y), vertical=True)
    return _svg(title, desc, y + 28, [grid, *parts])
