"""Monthly trend charts for the reports, drawn on the server by matplotlib (Agg backend).

Charts come back as PNG (or SVG) bytes; the views embed them as data: URIs,
which the Content-Security-Policy allows for images. Thai labels need a Thai
font: Sarabun, from the fontpkg-sarabun package (`marketplace/fonts.py`), so
no system font package is needed.
"""

import base64
import io
import logging
import threading
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot-free use below

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from ..fonts import FAMILY, font_path  # noqa: E402
from ..i18n import format_month  # noqa: E402
from .reports import is_suppressed  # noqa: E402

log = logging.getLogger(__name__)

GREEN = "#2f5d3a"
LIGHT_GREEN = "#9cc39f"
RED = "#a1331f"
# Matplotlib keeps per-font caches that are not safe under threads (gunicorn threads,
# the test server): draw one chart at a time.
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def thai_font():
    """The family name of the Thai font charts use (Sarabun, from its PyPI package)."""
    for weight in ("regular", "bold"):
        font_manager.fontManager.addfont(str(font_path(weight)))
    return FAMILY


def _figure():
    font = thai_font()
    figure = Figure(figsize=(8, 3.2), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    return figure, axes, families


def _style(axes, families):
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", color="#e3ddd0", linewidth=0.8)
    axes.set_axisbelow(True)
    for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
        label.set_fontfamily(families)


def _baht_axis(axes):
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"฿{value:,.0f}"))


def _render(figure, fmt):
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, metadata={"Software": None} if fmt == "png" else None)
    return buffer.getvalue()


def monthly_income_chart(months, title, language, poverty_line=None, line_label="", fmt="png"):
    """A bar chart of value-chain income per month, in baht.

    `months`: [(first day of month, satang or SUPPRESSED, …)]. Suppressed months
    are left empty and marked "<5". With `poverty_line` (satang per person per
    month), `months` carry per-person amounts and the line is drawn across.
    """
    with _LOCK:
        figure, axes, families = _figure()
        labels = [format_month(first, language) for first, *_rest in months]
        values = [None if is_suppressed(v) else v / 100 for _first, v, *_rest in months]
        positions = range(len(months))
        axes.bar(
            list(positions),
            [v or 0 for v in values],
            color=[GREEN if v is not None else LIGHT_GREEN for v in values],
            width=0.7,
        )
        for x, value in zip(positions, values, strict=True):
            if value is None:
                axes.annotate("<5", (x, 0), ha="center", va="bottom", fontsize=8, color="#555")
        if poverty_line is not None:
            axes.axhline(poverty_line / 100, color=RED, linewidth=1.5, linestyle="--")
            axes.text(
                0.995,
                poverty_line / 100,
                line_label,
                transform=axes.get_yaxis_transform(),  # x across the axes, y in baht
                ha="right",
                va="bottom",
                fontsize=8,
                color=RED,
                fontfamily=families,
            )
        axes.set_xticks(list(positions), labels, rotation=45, ha="right", fontsize=8)
        axes.set_title(title, fontsize=11, fontfamily=families, loc="left")
        _baht_axis(axes)
        _style(axes, families)
        return _render(figure, fmt)


def data_uri(data, fmt="png"):
    """Chart bytes as a data: URI for an <img> (allowed by the CSP's img-src)."""
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
