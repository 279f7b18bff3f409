"""A group's sales dashboard: what sold, when, from which channel, and what people looked at.

The definitions the leader reads (amounts are integer satang):

- **Sold**: a group's part of an order (its fulfilment) that was paid and is not
  wholly refunded, counted in the month it was paid (Bangkok time): the
  part's own payment when it was paid part by part, else the order's.
- **Revenue**: the sold lines' net amounts (price × units less discount) less
  what was refunded of them; shipping is not revenue. **Units**: units sold less
  units refunded. **Orders**: sold parts. **Average order**: revenue ÷ orders.
- **Source** of an order: the UTM tags (or the other site) of the visit that led
  to it (marketing/visits.py), read as a channel: LINE, Facebook, label QR,
  product feed, share link, another site, or direct.
- **Visits** of a page: its visitors per day added up (a visitor is counted once
  a page a day); **views**: every opening. **Conversion** of a product: orders
  with the product ÷ visits of its page.
- **Label scans**: views of a lot's page opened from its label's QR code
  (`utm_source=label`; a share card's QR code says `card` and counts as shared).
- **Households paid** this month and this year: households whose sale income
  from this group (the ledger's sale shares less reversals) is above zero; 1 to
  4 is shown as "<5", as in the reports.

Two queries read the orders (one per product, month and source over the lines;
one per month and source over the parts), both with the group's paid parts
found through `ix_fulfilment_group_status`; the rest of the figures are added
up in Python from those few rows.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy import case, func, literal, select

from ..extensions import db
from ..i18n import format_month, localized
from ..impact import charts
from ..impact.reports import SUPPRESSED, Period, PeriodError, is_small
from ..models import (
    Fulfilment,
    FulfilmentStatus,
    Lot,
    Order,
    OrderLine,
    Product,
    Refund,
    Variant,
)
from ..models.ledger import LedgerAccount, LedgerEntry, LedgerKind
from ..models.marketing import PageKind, PageViewDay
from .visits import BANGKOK, bangkok_today

SOLD_STATUSES = (
    FulfilmentStatus.PAID,
    FulfilmentStatus.PACKED,
    FulfilmentStatus.SHIPPED,
    FulfilmentStatus.DELIVERED,
    FulfilmentStatus.PARTLY_REFUNDED,
)
SALE_KINDS = (LedgerKind.SALE_SHARE, LedgerKind.REVERSAL)
BEST_SELLERS = 5
TOP_SOURCES = 20


class Channel:
    """Where orders and visits came from, as a leader reads it."""

    LINE = "line"
    FACEBOOK = "facebook"
    LABEL_QR = "label_qr"
    FEED = "feed"
    SHARE = "share"
    OTHER = "other"
    DIRECT = "direct"
    ALL = (LINE, FACEBOOK, LABEL_QR, FEED, SHARE, OTHER, DIRECT)


CHANNEL_LABELS = {
    Channel.LINE: lazy_gettext("LINE"),
    Channel.FACEBOOK: lazy_gettext("Facebook"),
    Channel.LABEL_QR: lazy_gettext("Label QR code"),
    Channel.FEED: lazy_gettext("Product feed"),
    Channel.SHARE: lazy_gettext("Shared link"),
    Channel.OTHER: lazy_gettext("Other sites"),
    Channel.DIRECT: lazy_gettext("Direct"),
}

_FACEBOOK = {"facebook", "fb", "instagram", "ig", "messenger"}
_FACEBOOK_HOSTS = ("facebook.com", "instagram.com", "messenger.com", "fb.com")
_LINE_HOSTS = ("line.me", "jp.naver.line.android", "line.naver.jp")


def channel_of(source, medium, referrer=""):
    """The Channel of a visit's or order's UTM source and medium, or its referring site."""
    source, medium, referrer = source or "", medium or "", referrer or ""
    if medium == "feed":
        return Channel.FEED
    if source == "label":  # labels.py: utm_source=label&utm_medium=qr
        return Channel.LABEL_QR
    if source == "line":
        return Channel.LINE
    if source in _FACEBOOK:
        return Channel.FACEBOOK
    if source in ("share", "card"):  # a copied link; a share card's QR code
        return Channel.SHARE
    if source:
        return Channel.OTHER
    if any(referrer == h or referrer.endswith("." + h) for h in _LINE_HOSTS):
        return Channel.LINE
    if any(referrer == h or referrer.endswith("." + h) for h in _FACEBOOK_HOSTS):
        return Channel.FACEBOOK
    if referrer:
        return Channel.OTHER
    return Channel.DIRECT


def _month_key(day):
    return day.year * 100 + day.month


def _utc_start(day):
    """The UTC moment a Bangkok day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - BANGKOK


# -- the figures -----------------------------------------------------------------------------


@dataclass
class Figures:
    """Revenue (satang), units and orders of some slice of the sales."""

    revenue: int = 0
    units: int = 0
    orders: int = 0

    @property
    def average(self):
        """Revenue per order, in satang (0 without orders)."""
        return round(self.revenue / self.orders) if self.orders else 0


@dataclass
class MonthRow(Figures):
    first: date = None


@dataclass
class ProductRow(Figures):
    product_id: int = 0
    name: str = ""
    views: int = 0
    visits: int = 0

    @property
    def conversion(self):
        """Orders ÷ visits as a fraction, or None without visits."""
        return self.orders / self.visits if self.visits else None


@dataclass
class ChannelRow(Figures):
    channel: str = ""
    visits: int = 0

    @property
    def label(self):
        return str(CHANNEL_LABELS[self.channel])

    @property
    def conversion(self):
        return self.orders / self.visits if self.visits else None


@dataclass
class SourceRow(Figures):
    source: str = ""
    medium: str = ""
    campaign: str = ""
    channel: str = ""


@dataclass
class LotRow:
    lot_id: int
    code: str
    product: str
    scans: int = 0
    views: int = 0
    visits: int = 0


@dataclass
class Dashboard:
    """Everything the dashboard page and its downloads show for one group and period."""

    group: object
    period: Period
    total: Figures
    months: list
    products: list
    best_sellers: list
    channels: list
    sources: list
    lots: list
    households_month: object  # int, or SUPPRESSED
    households_year: object
    today: date
    visits: int = 0
    views: int = 0
    charts: dict = field(default_factory=dict)


def default_period(today=None):
    """The twelve months up to today (Bangkok): from the first of the month 11 months back."""
    today = today or bangkok_today()
    month, year = today.month - 11, today.year
    if month < 1:
        month, year = month + 12, year - 1
    return Period(date(year, month, 1), today)


def _paid_parts(group_id, period, paid_by=None):
    """The month column and the conditions both order queries share.

    `paid_by`: None reads every paid part of the group (the kept months); "order" only
    the parts paid with their whole order, "part" those paid on their own, each found
    through its own index on when it was paid (this month, read live).

    The month a part was paid in (Bangkok time) is a CASE over the UTC moments the
    period's months begin: plain comparisons, the same on PostgreSQL and SQLite,
    and much cheaper per row than converting each timestamp's time zone.
    """
    paid_at = func.coalesce(Fulfilment.paid_at, Order.paid_at)
    months = period.months
    starts = [_utc_start(first) for first in months[1:]]
    if starts:
        month = case(
            *[
                (paid_at < start, _month_key(first))
                for start, first in zip(starts, months, strict=False)
            ],
            else_=_month_key(months[-1]),
        )
    else:
        month = literal(_month_key(months[0]))
    low, high = _utc_start(period.start), _utc_start(period.end + timedelta(days=1))
    if paid_by == "order":
        paid = (Fulfilment.paid_at.is_(None), Order.paid_at >= low, Order.paid_at < high)
    elif paid_by == "part":
        paid = (Fulfilment.paid_at >= low, Fulfilment.paid_at < high)
    else:
        paid = (paid_at >= low, paid_at < high)
    conditions = (Fulfilment.group_id == group_id, Fulfilment.status.in_(SOLD_STATUSES), *paid)
    return month, conditions


def _line_rows(group_id, period, paid_by=None):
    """(month, product, source, medium, campaign, referrer, revenue, units, orders) rows.

    The inner query adds up each part's lines per product (a part may hold two sizes of
    one product), so the outer one counts parts with a plain count, not a DISTINCT.
    """
    month, conditions = _paid_parts(group_id, period, paid_by)
    sources = (Order.utm_source, Order.utm_medium, Order.utm_campaign, Order.referrer)
    per_part = (
        select(
            month.label("month"),
            Variant.product_id.label("product_id"),
            *sources,
            func.sum(
                OrderLine.unit_price_satang * OrderLine.quantity
                - OrderLine.discount_satang
                - OrderLine.refunded_satang
            ).label("revenue"),
            func.sum(OrderLine.quantity - OrderLine.refunded_quantity).label("units"),
        )
        .select_from(Fulfilment)
        .join(Order, Order.id == Fulfilment.order_id)
        .join(OrderLine, OrderLine.fulfilment_id == Fulfilment.id)
        .join(Variant, Variant.id == OrderLine.variant_id)
        .where(*conditions)
        .group_by(Fulfilment.id, Variant.product_id, month, *sources)
        .subquery()
    )
    keys = (
        per_part.c.month,
        per_part.c.product_id,
        per_part.c.utm_source,
        per_part.c.utm_medium,
        per_part.c.utm_campaign,
        per_part.c.referrer,
    )
    return db.session.execute(
        select(
            *keys, func.sum(per_part.c.revenue), func.sum(per_part.c.units), func.count()
        ).group_by(*keys)
    ).all()


def _order_rows(group_id, period, paid_by=None):
    """(month, source, medium, campaign, referrer, orders) rows."""
    month, conditions = _paid_parts(group_id, period, paid_by)
    keys = (month, Order.utm_source, Order.utm_medium, Order.utm_campaign, Order.referrer)
    return db.session.execute(
        select(*keys, func.count(Fulfilment.id))
        .select_from(Fulfilment)
        .join(Order, Order.id == Fulfilment.order_id)
        .where(*conditions)
        .group_by(*keys)
    ).all()


# -- past months, kept for a while ----------------------------------------------------------
#
# A month that has ended changes only when one of its orders is refunded, so its rows are
# kept in the worker's memory (SALES_DASHBOARD_CACHE_SECONDS, an hour), keyed by the
# group's refunds (their number and newest id): a refund reads them again at once. The
# current month is always read from the orders. Page-view totals of ended months never
# change and are kept the same way. With 50,000 orders the ended months cost about a
# second to read, once an hour per worker; the current month a fraction of it.

_CACHE = "sales_dashboard"
_CACHE_SIZE = 256


def _refund_mark(group_id):
    """(number, newest id) of the refunds of the group's parts: changes with every refund."""
    return tuple(
        db.session.execute(
            select(func.count(Refund.id), func.max(Refund.id))
            .join(Fulfilment, Fulfilment.id == Refund.fulfilment_id)
            .where(Fulfilment.group_id == group_id)
        ).one()
    )


def _kept(key, compute):
    """compute(), kept under `key` for SALES_DASHBOARD_CACHE_SECONDS in this worker."""
    seconds = current_app.config.get("SALES_DASHBOARD_CACHE_SECONDS", 3600)
    if seconds <= 0:
        return compute()
    cache = current_app.extensions.setdefault(_CACHE, {"lock": threading.Lock(), "rows": {}})
    now = time.monotonic()
    with cache["lock"]:
        found = cache["rows"].get(key)
    if found is not None and found[0] > now:
        return found[1]
    value = compute()
    with cache["lock"]:
        kept = cache["rows"]
        kept[key] = (now + seconds, value)
        while len(kept) > _CACHE_SIZE:
            kept.pop(next(iter(kept)))
    return value


def _split(period, today):
    """(the part of the period in months that have ended, the part in this month); either
    may be None."""
    this_month = today.replace(day=1)
    if period.start >= this_month:
        return None, period
    if period.end < this_month:
        return period, None
    return Period(period.start, this_month - timedelta(days=1)), Period(this_month, period.end)


def sales_rows(group_id, period, today):
    """(line rows, order rows) of the period: ended months (perhaps kept), this month live."""
    past, current = _split(period, today)
    lines, orders = [], []
    if past is not None:
        key = ("sales", group_id, past.start, past.end, _refund_mark(group_id))
        kept_lines, kept_orders = _kept(
            key, lambda: (_line_rows(group_id, past), _order_rows(group_id, past))
        )
        lines += kept_lines
        orders += kept_orders
    if current is not None:
        # A part is paid either with its order or on its own: the two add up, never overlap.
        for paid_by in ("order", "part"):
            lines += _line_rows(group_id, current, paid_by)
            orders += _order_rows(group_id, current, paid_by)
    return lines, orders


def view_rows(group_id, period, today):
    """The page-view rows of the period: ended months (kept: they never change), this month
    live."""
    past, current = _split(period, today)
    rows = []
    if past is not None:
        rows += _kept(("views", group_id, past.start, past.end), lambda: _view_rows(group_id, past))
    if current is not None:
        rows += _view_rows(group_id, current)
    return rows


def _view_rows(group_id, period):
    """(kind, product, lot, source, medium, referrer, views, visits, scans) rows."""
    is_scan = PageViewDay.source == "label"
    keys = (
        PageViewDay.kind,
        PageViewDay.product_id,
        PageViewDay.lot_id,
        PageViewDay.source,
        PageViewDay.medium,
        PageViewDay.referrer,
    )
    return db.session.execute(
        select(
            *keys,
            func.sum(PageViewDay.views),
            func.sum(PageViewDay.visitors),
            is_scan,
        )
        .where(
            PageViewDay.group_id == group_id,
            PageViewDay.day >= period.start,
            PageViewDay.day <= period.end,
        )
        .group_by(*keys)
    ).all()


def _household_sums(group_id, start, end):
    """{household id: its net sale income from the group between the dates}."""
    return dict(
        db.session.execute(
            select(LedgerEntry.household_id, func.sum(LedgerEntry.amount_satang))
            .where(
                LedgerEntry.group_id == group_id,
                LedgerEntry.account == LedgerAccount.HOUSEHOLD,
                LedgerEntry.kind.in_(SALE_KINDS),
                LedgerEntry.occurred_on >= start,
                LedgerEntry.occurred_on <= end,
            )
            .group_by(LedgerEntry.household_id)
            # SQLite would rather walk the household index in order (no sort for the GROUP
            # BY) and look up every entry of every group; the group's own index covers it.
            .with_hint(LedgerEntry, "INDEXED BY ix_ledger_group_date", "sqlite")
        ).all()
    )


def households_paid(group_id, start, end, today=None):
    """Households whose sale income from the group between the dates is above zero.

    1 to 4 come back as SUPPRESSED, as everywhere in the reports. The sums of months that
    have ended are kept like the sales rows (sale shares are dated the day they were paid,
    reversals the day of the refund).
    """
    this_month = (today or end).replace(day=1)
    sums = Counter()
    if start < this_month:
        past_end = min(end, this_month - timedelta(days=1))
        key = ("households", group_id, start, past_end, _refund_mark(group_id))
        sums.update(_kept(key, lambda: _household_sums(group_id, start, past_end)))
    if end >= this_month:
        sums.update(_household_sums(group_id, max(start, this_month), end))
    count = sum(1 for amount in sums.values() if amount > 0)
    return SUPPRESSED if is_small(count) else count


def _names(model, ids, extra=()):
    if not ids:
        return {}
    rows = db.session.execute(select(model, *extra).where(model.id.in_(ids))).all()
    return {row[0].id: row for row in rows}


def sales_dashboard(group, date_from=None, date_to=None, today=None):
    """The Dashboard of `group` for the period (default: the last twelve months)."""
    today = today or bangkok_today()
    if date_from is None or date_to is None:
        period = default_period(today)
        date_from, date_to = date_from or period.start, date_to or period.end
    period = Period(date_from, date_to)  # PeriodError for an odd one
    month_keys = [_month_key(first) for first in period.months]
    months = {_month_key(first): MonthRow(first=first) for first in period.months}
    products = {}
    channels = {c: ChannelRow(channel=c) for c in Channel.ALL}
    sources = {}
    total = Figures()

    line_rows, order_rows = sales_rows(group.id, period, today)
    for month, product_id, source, medium, campaign, referrer, revenue, units, orders in line_rows:
        revenue, units = int(revenue or 0), int(units or 0)
        row = products.setdefault(product_id, ProductRow(product_id=product_id))
        row.revenue += revenue
        row.units += units
        row.orders += orders
        if month in months:
            months[month].revenue += revenue
            months[month].units += units
        total.revenue += revenue
        total.units += units
        channel = channel_of(source, medium, referrer)
        channels[channel].revenue += revenue
        channels[channel].units += units
        key = (source, medium, campaign)
        found = sources.setdefault(
            key, SourceRow(source=source, medium=medium, campaign=campaign, channel=channel)
        )
        found.revenue += revenue
        found.units += units

    for month, source, medium, campaign, referrer, orders in order_rows:
        if month in months:
            months[month].orders += orders
        total.orders += orders
        channels[channel_of(source, medium, referrer)].orders += orders
        key = (source, medium, campaign)
        if key in sources:
            sources[key].orders += orders

    lots = {}
    visits = views = 0
    for kind, product_id, lot_id, source, medium, referrer, n_views, n_visits, scan in view_rows(
        group.id, period, today
    ):
        n_views, n_visits = int(n_views or 0), int(n_visits or 0)
        visits += n_visits
        views += n_views
        channels[channel_of(source, medium, referrer)].visits += n_visits
        if kind == PageKind.PRODUCT and product_id is not None:
            row = products.setdefault(product_id, ProductRow(product_id=product_id))
            row.views += n_views
            row.visits += n_visits
        elif kind == PageKind.LOT and lot_id is not None:
            row = lots.setdefault(lot_id, LotRow(lot_id=lot_id, code="", product=""))
            row.views += n_views
            row.visits += n_visits
            if scan:
                row.scans += n_views

    names = _names(Product, list(products))
    for product_id, row in products.items():
        if product_id in names:
            row.name = localized(names[product_id][0], "name")
    lot_rows = db.session.execute(
        select(Lot.id, Lot.code, Product)
        .join(Variant, Variant.id == Lot.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .where(Lot.id.in_(list(lots)))
    ).all()
    for lot_id, code, product in lot_rows:
        lots[lot_id].code = code
        lots[lot_id].product = localized(product, "name")

    product_list = sorted(products.values(), key=lambda r: (-r.revenue, -r.visits, r.name))
    best = sorted(
        (r for r in products.values() if r.units > 0), key=lambda r: (-r.units, -r.revenue)
    )[:BEST_SELLERS]
    channel_list = [r for r in channels.values() if r.orders or r.visits or r.revenue] or list(
        channels.values()
    )[:0]
    source_list = sorted(sources.values(), key=lambda r: (-r.revenue, -r.orders))[:TOP_SOURCES]
    lot_list = sorted(lots.values(), key=lambda r: (-r.scans, -r.views, r.code))
    month_start = today.replace(day=1)
    dashboard = Dashboard(
        group=group,
        period=period,
        total=total,
        months=[months[key] for key in month_keys],
        products=product_list,
        best_sellers=best,
        channels=channel_list,
        sources=source_list,
        lots=lot_list,
        households_month=households_paid(group.id, month_start, today, today),
        households_year=households_paid(group.id, today.replace(month=1, day=1), today, today),
        today=today,
        visits=visits,
        views=views,
    )
    dashboard.charts = dashboard_charts(dashboard)
    return dashboard


# -- charts: horizontal bars as in the reports (impact/charts.py), read at 360 px ------------


def _short(text, limit):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(title, items, label_width=charts.LABEL_WIDTH, value_width=charts.VALUE_WIDTH):
    """A charts.BarChart of [(label, value, text)]: one bar a row, longest bar the largest."""
    largest = max([value for _label, value, _text in items] + [1])
    bars = charts.bar_rows(items, charts.WIDTH - label_width - value_width, largest)
    rows_bottom = charts.TOP + len(items) * charts.ROW_HEIGHT
    return charts.BarChart(
        title=title,
        width=charts.WIDTH,
        height=rows_bottom + charts.BOTTOM,
        bars=bars,
        plot_x=label_width,
        rows_top=charts.TOP,
        rows_bottom=rows_bottom,
    )


STACKED_ROW_HEIGHT = 40  # the label's line, then the bar
STACKED_LABEL_CHARS = 40  # a Thai product name of ~40 characters fits 340 units at 13.5


def stacked_bar_chart(title, items, value_width=64):
    """Like `bar_chart`, the label on its own line above each bar, for long product names.

    `macros/dashboard_charts.html` draws it; at 360 px the text is 12 px, as in the reports.
    """
    largest = max([value for _label, value, _text in items] + [1])
    bars = charts.bar_rows(
        [(_short(label, STACKED_LABEL_CHARS), value, text) for label, value, text in items],
        charts.WIDTH - value_width,
        largest,
        row_height=STACKED_ROW_HEIGHT,
        bar_top=STACKED_ROW_HEIGHT - charts.BAR_HEIGHT - 4,
    )
    rows_bottom = charts.TOP + len(items) * STACKED_ROW_HEIGHT
    return charts.BarChart(
        title=title,
        width=charts.WIDTH,
        height=rows_bottom + charts.BOTTOM,
        bars=bars,
        plot_x=0,
        rows_top=charts.TOP,
        rows_bottom=rows_bottom,
    )


def dashboard_charts(dashboard):
    """{name: BarChart} for the page; a chart with nothing to show is left out."""
    from ..i18n import current_language

    language = current_language()
    result = {}
    if any(m.revenue for m in dashboard.months):
        result["months"] = bar_chart(
            gettext("Revenue by month"),
            [
                (format_month(m.first, language), m.revenue, charts.whole_baht(m.revenue))
                for m in dashboard.months
            ],
        )
    if dashboard.best_sellers:
        result["best_sellers"] = stacked_bar_chart(
            gettext("Best sellers: units sold"),
            [(r.name, r.units, f"{r.units:,}") for r in dashboard.best_sellers],
        )
    sold = [c for c in dashboard.channels if c.orders]
    if sold:
        result["channels"] = stacked_bar_chart(
            gettext("Orders by source"), [(c.label, c.orders, f"{c.orders:,}") for c in sold]
        )
    return result


def period_or_default(date_from, date_to, today=None):
    """(Period, error message or None): the asked-for period, or the default with why."""
    try:
        if date_from or date_to:
            default = default_period(today)
            return Period(date_from or default.start, date_to or default.end), None
    except PeriodError as error:
        return default_period(today), error.message
    return default_period(today), None
