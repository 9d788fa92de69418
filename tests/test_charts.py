"""Server-drawn SVG charts: marks placed by the data, text escaped, each chart labelled."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from reviewapp.charts import (
    DASHES,
    PALETTE,
    IntervalRow,
    bar_chart,
    histogram,
    interval_chart,
    line_chart,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def find(root: ET.Element, tag: str, cls: str | None = None) -> list[ET.Element]:
    return [el for el in root.iter(SVG + tag) if cls is None or el.get("class") == cls]


def coords(polyline: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in polyline.get("points").split()]


def shown_texts(root: ET.Element) -> list[str]:
    return [t.text for t in find(root, "text")]


def test_it_places_line_points_by_value():
    """x spreads the labels evenly; y puts 0 on the baseline, y_max on the top gridline."""
    root = parse(
        line_chart(title="Rates", x_labels=["a", "b", "c"], series={"v1": [0, 0.5, 1]}, y_max=1)
    )
    points = [(float(c.get("cx")), float(c.get("cy"))) for c in find(root, "circle", "chart-point")]
    assert points == [(80, 278), (340, 178), (600, 78)]
    [line] = find(root, "polyline", "chart-line")
    assert coords(line) == points
    gridlines = sorted(
        float(line.get("y1")) for line in find(root, "line") if line.get("stroke") == "#d0d0d0"
    )
    assert gridlines == [78, 128, 178, 228, 278]
    assert {"0%", "25%", "50%", "75%", "100%"} <= set(shown_texts(root))


def test_it_rounds_the_value_axis_up_to_a_round_top():
    """Without y_max the top gridline is a round number just above the largest value."""
    root = parse(line_chart(title="Rates", x_labels=["a", "b"], series={"v1": [0.3, 0.71]}))
    assert {"0%", "20%", "40%", "60%", "80%"} <= set(shown_texts(root))
    assert "100%" not in shown_texts(root)


def test_it_breaks_a_line_where_a_value_is_missing():
    """None splits the line; a lone value between gaps keeps its marker but draws no line."""
    series = {"v1": [0.1, 0.2, None, 0.3, 0.4, None, 0.5]}
    root = parse(line_chart(title="Rates", x_labels=list("abcdefg"), series=series, y_max=1))
    lines = find(root, "polyline", "chart-line")
    assert [len(coords(line)) for line in lines] == [2, 2]
    assert len(find(root, "circle", "chart-point")) == 5


def test_it_gives_each_series_its_own_colour_and_dash():
    """Colour-blind-safe colours, and dashes too, so the lines differ in greyscale."""
    series = {f"v{i}": [0.1 * i, 0.2] for i in range(1, 4)}
    root = parse(line_chart(title="Rates", x_labels=["a", "b"], series=series))
    lines = find(root, "polyline", "chart-line")
    assert [line.get("stroke") for line in lines] == list(PALETTE[:3])
    assert [line.get("stroke-dasharray") for line in lines] == list(DASHES[:3])
    tips = [c.find(SVG + "title").text for c in find(root, "circle", "chart-point")]
    assert tips[0] == "v1 · a: 10%"


def test_it_draws_taller_bars_for_bigger_values():
    """Bars rise from the baseline in proportion to their values (axis top rounded to 4)."""
    root = parse(bar_chart(title="Reasons", categories=["tone", "facts"], series={"v1": [1, 3]}))
    bars = find(root, "rect", "chart-bar")
    assert [(float(b.get("x")), float(b.get("y")), float(b.get("height"))) for b in bars] == [
        (84.4, 228, 50),
        (368.4, 128, 150),
    ]
    assert {"1", "3", "0", "4"} <= set(shown_texts(root))
    assert bars[1].find(SVG + "title").text == "v1 · facts: 3"


def test_it_groups_bars_by_category_one_per_series():
    root = parse(
        bar_chart(
            title="Reasons", categories=["tone", "facts"], series={"v1": [2, 4], "v2": [3, 1]}
        )
    )
    bars = find(root, "rect", "chart-bar")
    assert [b.find(SVG + "title").text for b in bars] == [
        "v1 · tone: 2",
        "v2 · tone: 3",
        "v1 · facts: 4",
        "v2 · facts: 1",
    ]
    assert [b.get("fill") for b in bars] == [PALETTE[0], PALETTE[1]] * 2
    xs = [float(b.get("x")) for b in bars]
    assert xs == sorted(xs)


def test_it_draws_histogram_series_side_by_side_within_each_bin():
    root = parse(
        histogram(title="Edit distance", bin_edges=[0, 0.5, 1], series={"v1": [4, 2], "v2": [1, 3]})
    )
    bars = find(root, "rect", "chart-bar")
    assert [b.find(SVG + "title").text for b in bars] == [
        "v1 · 0–0.5: 4",
        "v2 · 0–0.5: 1",
        "v1 · 0.5–1: 2",
        "v2 · 0.5–1: 3",
    ]
    # Bins span 56..340 and 340..624; each bin's two bars share it, a pixel in from its edges.
    assert [float(b.get("x")) for b in bars] == [57, 198, 341, 482]
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] == 4 * heights[1] == 200
    desc = root.find(SVG + "desc").text
    assert desc == "10 items in 2 bins, 0 to 1; highest: v1 · 0–0.5: 4."


def test_it_escapes_labels_and_still_parses():
    """Labels are data: markup in them comes out as text, never as elements."""
    evil = "<script>alert(\"x\")</script> & 'quotes'"
    charts = [
        line_chart(title=evil, x_labels=[evil, "b"], series={evil: [0.1, 0.2]}),
        bar_chart(title=evil, categories=[evil], series={evil: [1]}),
        histogram(title=evil, bin_edges=[0, 1], series={evil: [3]}),
        interval_chart(title=evil, rows=[IntervalRow(evil, 0.5, 0.4, 0.6, group=evil)]),
    ]
    for svg in charts:
        assert "<script" not in svg
        root = parse(svg)
        assert not list(root.iter(SVG + "script"))
        assert root.find(SVG + "title").text == evil
        assert any(evil in text for text in shown_texts(root))


def test_it_sends_no_inline_style_or_script():
    """The site's CSP refuses inline styles and scripts; presentation attributes are fine."""
    svg = line_chart(title="Rates", x_labels=["a", "b"], series={"v1": [0.1, 0.2]})
    assert "style" not in svg
    assert "<script" not in svg
    assert 'class="chart-svg"' in svg


def test_it_labels_the_chart_with_its_title_and_a_summary_naming_the_highest_value():
    series = {"v1 approved": [0.5, 0.6, None], "v2 approved": [0.62, 0.71, 0.69]}
    root = parse(line_chart(title="Approval", x_labels=["Mon", "Tue", "Wed"], series=series))
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title[@id='{title_id}']").text == "Approval"
    desc = root.find(f"{SVG}desc[@id='{desc_id}']").text
    assert desc == "2 series over 3 points, Mon to Wed; highest: v2 approved · Tue: 71%."
    assert root.get("viewBox").startswith("0 0 640 ")
    assert root.get("width") is None


def test_it_gives_two_charts_on_one_page_different_ids():
    """Even two identical charts: aria-labelledby must name its own chart's title."""
    args = {"title": "Rates", "x_labels": ["a"], "series": {"v1": [0.5]}}
    first, second = parse(line_chart(**args)), parse(line_chart(**args))

    def ids(root):
        return {el.get("id") for el in root.iter() if el.get("id")}

    assert ids(first) and ids(second)
    assert not ids(first) & ids(second)


def test_it_thins_out_many_x_labels():
    """Thirty days get at most eight labels, so they never overlap; every point stays."""
    labels = [f"2024-05-{day:02}" for day in range(1, 31)]
    root = parse(line_chart(title="Rates", x_labels=labels, series={"v1": [0.5] * 30}))
    shown = [text for text in shown_texts(root) if text.startswith("2024-05-")]
    assert 1 < len(shown) <= 8
    assert shown[0] == "2024-05-01"
    assert len(find(root, "circle", "chart-point")) == 30


def test_it_maps_whisker_ends_to_low_and_high():
    """On the default 0..1 axis (x 176 to 480) the whisker spans low..high, the dot the estimate."""
    rows = [IntervalRow("tiny-llama v1", 0.62, 0.55, 0.69, group="Approval rate")]
    root = parse(interval_chart(title="v1 vs v2", rows=rows))
    [whisker] = find(root, "line", "chart-whisker")
    assert (float(whisker.get("x1")), float(whisker.get("x2"))) == (343.2, 385.8)
    [dot] = find(root, "circle", "chart-estimate")
    assert float(dot.get("cx")) == 364.5
    assert "62% [55%, 69%]" in shown_texts(root)
    assert dot.find(SVG + "title").text == "Approval rate · tiny-llama v1: 62% [55%, 69%]"


def test_it_pairs_interval_rows_under_their_group_and_colours_them_by_place():
    """The first row of every group shares a colour, the second another: versions read alike."""
    rows = [
        IntervalRow("v1", 0.62, 0.55, 0.69, group="Approval"),
        IntervalRow("v2", 0.70, 0.64, 0.76, group="Approval"),
        IntervalRow("v1", 0.20, 0.15, 0.25, group="Rejected"),
        IntervalRow("v2", None, None, None, group="Rejected"),
    ]
    root = parse(interval_chart(title="v1 vs v2", rows=rows))
    texts = shown_texts(root)
    assert texts.index("Approval") < texts.index("v2") < texts.index("Rejected")
    assert "no data" in texts
    dots = find(root, "circle", "chart-estimate")
    assert [dot.get("fill") for dot in dots] == [PALETTE[0], PALETTE[1], PALETTE[0]]
    ys = [float(dot.get("cy")) for dot in dots]
    assert ys == sorted(ys)
    desc = root.find(SVG + "desc").text
    assert desc.endswith("highest: Approval · v2: 70% [64%, 76%].")


@pytest.mark.parametrize(
    "draw",
    [
        lambda **kw: line_chart(x_labels=[], series={}, **kw),
        lambda **kw: line_chart(x_labels=["a", "b"], series={"v1": [None, None]}, **kw),
        lambda **kw: bar_chart(categories=[], series={"v1": []}, **kw),
        lambda **kw: histogram(bin_edges=[0, 1], series={"v1": [0]}, **kw),
        lambda **kw: interval_chart(rows=[IntervalRow("v1", None, 0.1, 0.2)], **kw),
    ],
)
def test_it_says_so_when_there_is_no_data(draw):
    """The message is a parameter, so the caller can pass a translated one."""
    assert "No data for this selection." in draw(title="Rates")
    root = parse(draw(title="Rates", empty_text="Ei tietoja <valinnalle>."))
    assert "Ei tietoja <valinnalle>." in shown_texts(root)
    assert not find(root, "polyline") and not find(root, "rect")


def test_it_refuses_a_series_that_does_not_match_its_labels():
    with pytest.raises(ValueError, match=re.escape("series 'v1' has 1 values for 2 x labels")):
        line_chart(title="Rates", x_labels=["a", "b"], series={"v1": [0.5]})
