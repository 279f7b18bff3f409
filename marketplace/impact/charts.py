"""Monthly income charts for the reports, laid out for a 360 px phone and drawn as inline SVG.

A chart is a horizontal bar per month: the month's name on the left, the bar,
the amount at its end; a household's per-person chart draws the poverty line
across. Horizontal bars keep every label level and readable however many
months the period has; the chart grows downwards instead of shrinking.

`monthly_income_chart` works out the geometry (`BarChart`), and the template
macro `macros/charts.html` writes it as SVG inside the page. The text stays
text, in the page's own font stack, so Thai is shaped by the reader's
browser with whatever Thai font it has, and nothing is drawn on the server.

Sizes are in the SVG's user units. The chart is `WIDTH` units wide and is
shown at the width of its figure (`PHONE_CHART_PX` on a 360 px phone, at most
`MAX_WIDTH_PX` on a wide screen), so every text of `FONT_SIZE` units shows at
`FONT_SIZE * 302 / WIDTH` = 12 px on the phone: at least `MIN_TEXT_PX`.
"""

import zlib
from dataclasses import dataclass, field

from ..i18n import format_month
from .reports.suppression import is_suppressed

WIDTH = 340
FONT_SIZE = 13.5
PHONE_CHART_PX = 302  # 360 px less the page's margins and the figure's padding and border
MIN_TEXT_PX = 11
MAX_WIDTH_PX = 480  # reports.css: the figure is at most 30rem wide, so text stays near its size

LABEL_WIDTH = 68  # month names: "ก.ย. 2569", "Sep 2026"
VALUE_WIDTH = 78  # the amount after the longest bar: "฿1,191,538"
ROW_HEIGHT = 24
BAR_HEIGHT = 15
TOP = 8
BOTTOM = 8
LINE_LABEL_HEIGHT = 20  # room above the rows for the poverty line's label


@dataclass(frozen=True)
class Bar:
    """One month: its label, the bar's geometry and the amount written after it."""

    label: str
    y: float
    width: float
    text: str
    suppressed: bool

    @property
    def text_y(self):
        """The baseline of the row's texts (vertically centred on the bar)."""
        return self.y + BAR_HEIGHT / 2 + FONT_SIZE * 0.35


@dataclass(frozen=True)
class BarChart:
    """The geometry of one chart, in SVG user units; `macros/charts.html` draws it."""

    title: str
    width: float
    height: float
    bars: list = field(default_factory=list)
    plot_x: float = LABEL_WIDTH
    font_size: float = FONT_SIZE
    bar_height: float = BAR_HEIGHT
    line_x: float | None = None
    line_label: str = ""
    line_label_x: float = 0
    line_label_anchor: str = "start"
    rows_top: float = TOP
    rows_bottom: float = 0

    @property
    def element_id(self):
        """A stable id for the chart's title and description (aria-labelledby)."""
        return f"chart-{zlib.crc32(self.title.encode()):08x}"

    @property
    def view_box(self):
        """The SVG viewBox attribute."""
        return f"0 0 {self.width:g} {self.height:g}"

    @property
    def phone_text_px(self):
        """How tall the chart's text shows on a 360 px phone, in CSS pixels."""
        return self.font_size * PHONE_CHART_PX / self.width


def whole_baht(satang):
    """Whole baht as the charts write it: ฿1,234."""
    return f"฿{round(satang / 100):,}"


def bar_rows(items, plot_width, largest, rows_top=TOP, row_height=ROW_HEIGHT, bar_top=None):
    """One `Bar` a row for [(label, amount or None, text)], from `rows_top` down.

    The longest bar is `plot_width` for `largest`; an amount of None (a
    suppressed cell) gets no bar. `bar_top` is where the bar starts within its
    row (default: centred).
    """
    bar_top = (row_height - BAR_HEIGHT) / 2 if bar_top is None else bar_top
    return [
        Bar(
            label=label,
            y=round(rows_top + index * row_height + bar_top, 1),
            width=0 if amount is None else round(plot_width * max(amount, 0) / largest, 1),
            text=text,
            suppressed=amount is None,
        )
        for index, (label, amount, text) in enumerate(items)
    ]


def monthly_income_chart(months, title, language, poverty_line=None, line_label=""):
    """The chart of value-chain income per month, in baht, as a `BarChart`.

    `months`: [(first day of month, satang or SUPPRESSED, …)]. Suppressed months
    get no bar and read "<5". With `poverty_line` (satang per person per
    month), `months` carry per-person amounts and the line is drawn across the
    bars, labelled `line_label` and its amount.
    """
    amounts = [None if is_suppressed(v) else max(v, 0) for _first, v, *_rest in months]
    largest = max([a for a in amounts if a is not None] + [poverty_line or 0, 1])
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows_top = TOP + (LINE_LABEL_HEIGHT if poverty_line is not None else 0)
    bars = bar_rows(
        [
            (format_month(first, language), amount, "<5" if amount is None else whole_baht(amount))
            for (first, *_rest), amount in zip(months, amounts, strict=True)
        ],
        plot_width,
        largest,
        rows_top,
    )
    rows_bottom = rows_top + len(months) * ROW_HEIGHT
    chart = dict(
        title=title,
        width=WIDTH,
        height=rows_bottom + BOTTOM,
        bars=bars,
        rows_top=rows_top,
        rows_bottom=rows_bottom,
    )
    if poverty_line is not None:
        line_x = round(LABEL_WIDTH + plot_width * poverty_line / largest, 1)
        # The label sits above the rows, to the left of the line when it would run off.
        anchor = "end" if line_x > WIDTH / 2 else "start"
        chart.update(
            line_x=line_x,
            line_label=f"{line_label} {whole_baht(poverty_line)}".strip(),
            line_label_x=line_x + (-4 if anchor == "end" else 4),
            line_label_anchor=anchor,
        )
    return BarChart(**chart)
