"""The leader's sales dashboard: figures against hand-computed orders, views and ledger rows;
who may open it; the CSV and XLSX downloads in the viewer's language."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from marketplace.extensions import db
from marketplace.impact.reports import SUPPRESSED
from marketplace.marketing import dashboard
from marketplace.models import FulfilmentStatus
from marketplace.models.ledger import LedgerAccount, LedgerEntry, LedgerKind
from marketplace.models.marketing import PageViewDay
from marketplace.orders import service
from tests import factories

TODAY = date(2026, 11, 15)


def paid_order(items, at, source="", medium="", campaign="", referrer=""):
    """An order through the real checkout, paid at `at` (UTC), with its visit's source."""
    order = factories.make_order(items)
    order.utm_source, order.utm_medium, order.utm_campaign = source, medium, campaign
    order.referrer = referrer
    service.mark_paid(order, service.new_payment(order, "transfer"), at=at)
    db.session.flush()
    return order


def views(group, day, views, visitors, product=None, lot=None, source="", medium=""):
    kind = "lot" if lot is not None else "product" if product is not None else "group"
    key = f"lot:{lot.id}" if lot is not None else f"product:{product.id}" if product else "g"
    db.session.add(
        PageViewDay(
            day=day,
            kind=kind,
            page_key=key,
            group_id=group.id,
            product_id=product.id if product is not None else None,
            lot_id=lot.id if lot is not None else None,
            source=source,
            medium=medium,
            views=views,
            visitors=visitors,
        )
    )


def income(group, household, amount, on):
    db.session.add(
        LedgerEntry(
            account=LedgerAccount.HOUSEHOLD,
            kind=LedgerKind.SALE_SHARE,
            group_id=group.id,
            household_id=household.id,
            amount_satang=amount,
            occurred_on=on,
        )
    )


@pytest.fixture
def shop(db):
    """Group A with rice (฿150) and a mat (฿250.50); group B with tea; hand-made sales."""
    a = factories.make_group(slug="hom-phaendin", name_th="กลุ่มหอมแผ่นดิน", name_en="Hom Phaendin")
    b = factories.make_group(slug="karen-chili")
    rice = factories.make_product(
        group=a, price_satang=15000, stock=50, name_th="ข้าวเหนียวดำ", name_en="Black sticky rice"
    )
    mat = factories.make_product(
        group=a, price_satang=25050, stock=50, name_th="เสื่อกก", name_en="Reed mat"
    )
    tea = factories.make_product(group=b, price_satang=9000, stock=50)
    rv, mv = rice.variants[0], mat.variants[0]
    # November (Bangkok): 2 rice from LINE, this group's part paid on its own (its order's
    # other parts later): the part's own payment decides the month.
    first = paid_order(
        {rv: 2}, datetime(2026, 11, 10, 3, 0, tzinfo=UTC), "line", "social", "rice_share"
    )
    first.fulfilments[0].paid_at = first.paid_at
    first.paid_at = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
    # 23:30 on 31 October in Bangkok: October. A rice and a mat from Facebook.
    paid_order({rv: 1, mv: 1}, datetime(2026, 10, 31, 16, 30, tzinfo=UTC), referrer="facebook.com")
    # 00:30 on 1 November in Bangkok: November. 3 mats from a label, one refunded.
    third = paid_order({mv: 3}, datetime(2026, 10, 31, 17, 30, tzinfo=UTC), "label", "qr")
    line = third.lines[0]
    line.refunded_quantity, line.refunded_satang = 1, 25050
    third.fulfilments[0].status = FulfilmentStatus.PARTLY_REFUNDED
    # Not sold: unpaid, refunded in full, before the period (23:00 on 30 Nov 2025 in Bangkok),
    # another group's.
    factories.make_order({rv: 5})
    gone = paid_order({rv: 4}, datetime(2026, 11, 1, 5, 0, tzinfo=UTC), "line")
    gone.fulfilments[0].status = FulfilmentStatus.REFUNDED
    paid_order({rv: 7}, datetime(2025, 11, 30, 16, 0, tzinfo=UTC), "line")
    paid_order({tea.variants[0]: 9}, datetime(2026, 11, 2, 5, 0, tzinfo=UTC), "line")
    # Page views: rice's page, a lot's page from its label and not, outside the period, B's.
    lot = rv.lots[0]
    views(a, date(2026, 11, 3), 10, 6, product=rice, source="line", medium="social")
    views(a, date(2026, 10, 3), 3, 2, product=rice)
    views(a, date(2026, 11, 4), 4, 3, lot=lot, source="label", medium="qr")
    views(a, date(2026, 11, 4), 2, 2, lot=lot)
    views(a, date(2025, 11, 30), 50, 50, product=rice)
    views(b, date(2026, 11, 3), 90, 90, product=tea)
    db.session.commit()
    return dict(a=a, b=b, rice=rice, mat=mat, lot=lot)


def test_figures_against_hand_computed_sales(app, shop):
    with app.test_request_context("/?lang=en"):
        board = dashboard.sales_dashboard(shop["a"], today=TODAY)
    # 2 × 150 + (150 + 250.50) + (3 − 1) × 250.50 baht.
    assert board.total.revenue == 30000 + 40050 + 50100
    assert (board.total.orders, board.total.units) == (3, 6)
    assert board.total.average == 40050
    assert board.period.start == date(2025, 12, 1) and board.period.end == TODAY
    by_month = {m.first: (m.revenue, m.orders, m.units) for m in board.months}
    assert len(board.months) == 12
    assert by_month[date(2026, 11, 1)] == (80100, 2, 4)
    assert by_month[date(2026, 10, 1)] == (40050, 1, 2)
    assert sum(r for r, _o, _u in by_month.values()) == board.total.revenue
    products = {r.name: (r.units, r.revenue, r.orders, r.views, r.visits) for r in board.products}
    assert products == {
        "Black sticky rice": (3, 45000, 2, 13, 8),
        "Reed mat": (3, 75150, 2, 0, 0),
    }
    assert [r.name for r in board.best_sellers] == ["Reed mat", "Black sticky rice"]
    rice = next(r for r in board.products if r.name == "Black sticky rice")
    assert rice.conversion == pytest.approx(2 / 8)
    channels = {c.channel: (c.orders, c.revenue, c.visits) for c in board.channels}
    assert channels == {
        "line": (1, 30000, 6),
        "facebook": (1, 40050, 0),
        "label_qr": (1, 50100, 3),
        "direct": (0, 0, 4),
    }
    [lot] = board.lots
    assert (lot.code, lot.scans, lot.views, lot.visits) == (shop["lot"].code, 4, 6, 5)
    assert board.visits == 6 + 2 + 3 + 2 and board.views == 19
    assert set(board.charts) == {"months", "best_sellers", "channels"}


def test_a_chosen_period(app, shop):
    with app.test_request_context("/"):
        board = dashboard.sales_dashboard(
            shop["a"], date(2026, 10, 1), date(2026, 10, 31), today=TODAY
        )
    assert (board.total.revenue, board.total.orders) == (40050, 1)
    assert [m.first for m in board.months] == [date(2026, 10, 1)]


def test_households_paid_counts_with_the_privacy_threshold(app, shop):
    a = shop["a"]
    households = [factories.make_household(group=a) for _ in range(7)]
    for household in households[:5]:
        income(a, household, 1000, date(2026, 11, 2))
    income(a, households[5], 500, date(2026, 3, 2))
    # Paid and then taken back in full: not paid.
    income(a, households[6], 800, date(2026, 11, 3))
    db.session.add(
        LedgerEntry(
            account=LedgerAccount.HOUSEHOLD,
            kind=LedgerKind.REVERSAL,
            group_id=a.id,
            household_id=households[6].id,
            amount_satang=-800,
            occurred_on=date(2026, 11, 4),
        )
    )
    db.session.commit()
    assert dashboard.households_paid(a.id, date(2026, 11, 1), TODAY) == 5
    assert dashboard.households_paid(a.id, date(2026, 1, 1), TODAY) == 6
    assert dashboard.households_paid(a.id, date(2026, 3, 1), date(2026, 3, 31)) is SUPPRESSED
    assert dashboard.households_paid(shop["b"].id, date(2026, 1, 1), TODAY) == 0


@pytest.mark.parametrize(
    ("source", "medium", "referrer", "channel"),
    [
        ("line", "social", "", "line"),
        ("", "", "line.me", "line"),
        ("facebook", "social", "", "facebook"),
        ("", "", "m.facebook.com", "facebook"),
        ("label", "qr", "", "label_qr"),
        ("google", "feed", "", "feed"),
        ("meta", "feed", "", "feed"),
        ("share", "link", "", "share"),
        ("card", "qr", "product_card", "share"),
        ("poster", "qr", "", "other"),
        ("newsletter", "email", "", "other"),
        ("", "", "google.com", "other"),
        ("", "", "", "direct"),
    ],
)
def test_channels(source, medium, referrer, channel):
    assert dashboard.channel_of(source, medium, referrer) == channel


def english(user):
    """The user's saved language (it wins over the cookie) set to English."""
    user.locale = "en"
    db.session.commit()


# -- the pages -------------------------------------------------------------------------------


@pytest.fixture
def people(shop, make_user):
    a = shop["a"]
    return dict(
        leader=make_user("leader@example.com", memberships=[(a, "leader")]),
        staff=make_user("staff@example.com", memberships=[(a, "staff")]),
        other=make_user("other@example.com", memberships=[(shop["b"], "leader")]),
        admin=make_user("admin@example.com", admin=True),
    )


@pytest.mark.parametrize(
    ("who", "status"), [("leader", 200), ("admin", 200), ("staff", 403), ("other", 403)]
)
def test_who_opens_the_dashboard(client, auth, people, who, status):
    db.session.commit()
    auth.login(f"{who}@example.com")
    for path in ("sales", "sales.csv", "sales.xlsx"):
        assert client.get(f"/office/hom-phaendin/{path}").status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(client, shop):
    response = client.get("/office/hom-phaendin/sales")
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_page_in_thai_and_english(client, auth, people):
    db.session.commit()
    auth.login("leader@example.com")
    page = client.get("/office/hom-phaendin/sales?from=2026-10-01&to=2026-11-15")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "฿1,201.50" in text  # 120,150 satang
    assert "<svg" in text and "ข้าวเหนียวดำ" in text
    english(people["leader"])
    text = client.get("/office/hom-phaendin/sales?from=2026-10-01&to=2026-11-15").get_data(
        as_text=True
    )
    assert "Black sticky rice" in text and "Label QR code" in text
    # The leader's navigation links the dashboard; staff's does not.
    assert 'href="/office/hom-phaendin/sales"' in text


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("from=2026-13-45", 200),
        ("from=x&to=y", 200),
        ("from=2030-01-01&to=2020-01-01", 200),
        ("from=2000-01-01&to=2026-01-01", 200),  # more than five years
        ("from=" + "9" * 10_000, 200),
        ("from=%00", 400),  # the app's request guard
    ],
)
def test_odd_periods_fall_back_to_the_default(client, auth, people, query, status):
    db.session.commit()
    auth.login("leader@example.com")
    for path in ("sales", "sales.csv", "sales.xlsx"):
        assert client.get(f"/office/hom-phaendin/{path}?{query}").status_code == status


def test_csv_follows_the_viewers_language(client, auth, people):
    db.session.commit()
    auth.login("leader@example.com")
    english(people["leader"])
    response = client.get(
        "/office/hom-phaendin/sales.csv?table=products&from=2026-10-01&to=2026-11-15"
    )
    assert response.mimetype == "text/csv"
    assert (
        "sales-hom-phaendin-20261001-20261115-products.csv"
        in response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Product", "Revenue (baht)", "Orders", "Units"]
    assert rows[1] == ["Reed mat", "751.50", "2", "3", "0", "0", ""]
    assert rows[2] == ["Black sticky rice", "450.00", "2", "3", "13", "8", "25.0"]
    people["leader"].locale = "th"
    db.session.commit()
    thai = client.get("/office/hom-phaendin/sales.csv?table=months").get_data(as_text=True)
    assert "เดือน" in thai.splitlines()[0]
    for table in ("sources", "lots", "nonsense"):
        assert client.get(f"/office/hom-phaendin/sales.csv?table={table}").status_code == 200


def test_xlsx_has_every_table(client, auth, people):
    db.session.commit()
    auth.login("leader@example.com")
    english(people["leader"])
    response = client.get("/office/hom-phaendin/sales.xlsx?from=2026-10-01&to=2026-11-15")
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    assert book.sheetnames == [
        "Summary",
        "By month",
        "By product",
        "By source",
        "Label scans by lot",
    ]
    summary = {row[0]: (*row, None)[1] for row in book["Summary"].iter_rows(values_only=True)}
    assert summary["Revenue (baht)"] == pytest.approx(1201.50)
    assert summary["Orders"] == 3
    months = list(book["By month"].iter_rows(values_only=True))
    assert months[0][0] == "Month"
    assert ("2026-11", 801.0, 2, 400.5, 4) in months


def test_ended_months_are_kept_until_a_refund(app, shop, monkeypatch):
    from marketplace.models import Order, Refund

    monkeypatch.setitem(app.config, "SALES_DASHBOARD_CACHE_SECONDS", 3600)
    app.extensions.pop("sales_dashboard", None)

    def revenue():
        with app.test_request_context("/"):
            return dashboard.sales_dashboard(shop["a"], today=TODAY).total.revenue

    assert revenue() == 120150
    # October's order (an ended month): a change that is not a refund is not read again …
    october = db.session.scalars(db.select(Order).where(Order.referrer == "facebook.com")).one()
    line = october.lines[0]
    line.refunded_satang = 15000
    db.session.commit()
    assert revenue() == 120150
    # … a refund of the group is, at once.
    db.session.add(
        Refund(
            order_id=october.id,
            fulfilment_id=october.fulfilments[0].id,
            amount_satang=15000,
            method="transfer",
        )
    )
    db.session.commit()
    assert revenue() == 120150 - 15000
    app.extensions.pop("sales_dashboard", None)
