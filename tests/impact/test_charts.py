"""Report charts: laid out for a 360 px phone, drawn as SVG text, suppressed months hidden."""

import re
from datetime import date

from flask import render_template_string

from marketplace.impact import charts
from marketplace.impact.reports import SUPPRESSED

MONTHS = [(date(2026, month, 1), amount) for month, amount in ((1, 1_623_400), (2, 0), (3, 40_000))]


def test_one_bar_per_month_scaled_to_the_largest():
    chart = charts.monthly_income_chart(MONTHS, "รายได้รายเดือน", "th")
    assert [bar.label for bar in chart.bars] == ["ม.ค. 2569", "ก.พ. 2569", "มี.ค. 2569"]
    assert [bar.text for bar in chart.bars] == ["฿16,234", "฿0", "฿400"]
    plot_width = charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH
    assert chart.bars[0].width == plot_width
    assert chart.bars[1].width == 0
    assert chart.bars[2].width == round(plot_width * 40_000 / 1_623_400, 1)
    # Rows go down the chart; it grows with the months instead of shrinking its text.
    assert chart.bars[0].y < chart.bars[1].y < chart.bars[2].y < chart.height
    longer = charts.monthly_income_chart(MONTHS * 8, "x", "en")
    assert longer.height > chart.height and longer.font_size == chart.font_size


def test_text_shows_at_least_11_px_on_a_360_px_phone():
    chart = charts.monthly_income_chart(MONTHS, "x", "th")
    assert chart.phone_text_px >= charts.MIN_TEXT_PX
    assert chart.font_size * charts.PHONE_CHART_PX / chart.width >= 11


def test_a_suppressed_month_has_no_bar_and_reads_under_5():
    months = [(date(2026, 1, 1), SUPPRESSED), (date(2026, 2, 1), 50_000)]
    chart = charts.monthly_income_chart(months, "x", "en")
    hidden, shown = chart.bars
    assert hidden.suppressed and hidden.width == 0 and hidden.text == "<5"
    assert not shown.suppressed and shown.text == "฿500" and shown.label == "Feb 2026"


def test_poverty_line_is_drawn_across_with_its_amount():
    months = [(date(2026, 1, 1), 200_000), (date(2026, 2, 1), 400_000)]
    chart = charts.monthly_income_chart(months, "x", "en", poverty_line=307_800, line_label="Line")
    plot_width = charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH
    assert chart.line_x == round(charts.LABEL_WIDTH + plot_width * 307_800 / 400_000, 1)
    assert chart.line_label == "Line ฿3,078"
    # Right of the middle: the label runs to the left of the line, inside the chart.
    assert chart.line_label_anchor == "end" and chart.line_label_x < chart.line_x
    assert chart.rows_top > charts.TOP  # room above the rows for the label
    # A line above every month still fits: the scale reaches the line.
    low = charts.monthly_income_chart(months[:1], "x", "en", poverty_line=900_000)
    assert low.line_x == charts.LABEL_WIDTH + plot_width


def test_macro_writes_svg_with_thai_text_title_and_description(app):
    chart = charts.monthly_income_chart(
        [(date(2026, 1, 1), 120_000), (date(2026, 2, 1), SUPPRESSED)],
        "รายได้ที่จ่ายให้ครัวเรือน",
        "th",
        poverty_line=307_800,
        line_label="เส้นความยากจน",
    )
    with app.test_request_context():
        html = render_template_string(
            '{% from "macros/charts.html" import bar_chart %}{{ bar_chart(chart, "คำอธิบาย") }}',
            chart=chart,
        )
    svg = re.search(r"<svg[^>]*>.*</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and f'viewBox="{chart.view_box}"' in svg
    assert f'aria-labelledby="{chart.element_id}-title {chart.element_id}-desc"' in svg
    assert f'<figcaption id="{chart.element_id}-title"' in html
    assert "<desc" in svg and "คำอธิบาย" in svg
    # Text is text, in Thai, not drawn paths or an embedded picture.
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert {"ม.ค. 2569", "ก.พ. 2569", "฿1,200", "&lt;5", "เส้นความยากจน ฿3,078"} <= set(texts)
    assert "<image" not in svg and "base64" not in svg
    assert svg.count("<rect") == 1  # the suppressed month has no bar
