"""The office home lists what needs doing now, with links, in a few statements."""

import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import event

from marketplace.extensions import db
from marketplace.i18n import bangkok_today
from marketplace.models import ClaimStatus, OrderStatus, PaymentMethod
from marketplace.office.todo import group_todo
from marketplace.orders import fulfilment, service

from .. import factories
from .order_helpers import a_product, paid_order, pending_order, slip_order


@contextmanager
def counted(engine):
    """The statements this thread sends inside the block."""
    statements, owner = [], threading.get_ident()

    def before(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == owner:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _busy_group(office, today):
    """Group A with one of each kind of work waiting, and a few things that are not work."""
    group = office.a
    product = a_product(group, stock=20)
    variant = product.variants[0]
    paid_order(variant)  # to pack
    packed = paid_order(variant)
    fulfilment.mark_packed(group, packed.fulfilments[0].id)  # to send
    db.session.commit()
    slip_order(variant)  # a slip to check

    # A payment that arrived after its order closed and its stock was gone.
    scarce = a_product(group, stock=1)
    late = pending_order(scarce.variants[0])
    service.expire_order(late, now=datetime.now(UTC) + timedelta(days=30))
    paid_order(scarce.variants[0], quantity=1)  # to pack too; the size is now sold out
    payment = service.new_payment(late, PaymentMethod.TRANSFER)
    service.mark_paid(late, payment)
    db.session.commit()
    assert late.status == OrderStatus.EXPIRED

    low = factories.make_product(group=group, stock=3, name_th="ข้าวเหนียวดำ", name_en="Black rice")
    factories.make_product(group=group, stock=0, name_th="พริกแห้ง", name_en="Dried chili")
    factories.make_product(group=group, stock=100)  # plenty: not listed
    draft = factories.make_product(group=group, stock=0)
    draft.status = "draft"  # not on sale: not listed

    factories.make_claim(group, valid_until=today + timedelta(days=10))  # ends soon
    factories.make_claim(low, valid_until=today + timedelta(days=300))  # fine
    factories.make_claim(
        low,
        status=ClaimStatus.REJECTED,
        verified_at=datetime.now(UTC) - timedelta(days=3),
    )
    factories.make_claim(
        group,
        status=ClaimStatus.REJECTED,
        verified_at=datetime.now(UTC) - timedelta(days=90),  # long ago: not listed
    )
    # Another group's work is never counted.
    other = a_product(office.b)
    paid_order(other.variants[0])
    db.session.commit()
    return group


def test_the_office_home_lists_what_needs_doing_now(office):
    today = bangkok_today()
    _busy_group(office, today)
    office.login("leader")
    html = office.client.get(office.url("/")).get_data(as_text=True)
    assert "Needs doing now" in html
    expected = [
        ('href="/office/hom-phaendin/orders?tab=slips"', "1 transfer slip to check"),
        ('href="/office/hom-phaendin/orders?tab=to_pack"', "2 orders to pack"),
        ('href="/office/hom-phaendin/orders?tab=packed"', "1 packed order to send"),
        ('href="/office/hom-phaendin/orders?tab=closed"', "1 payment to give back"),
        ('href="/office/hom-phaendin/lots"', "3 sizes on sale are running out"),
        ('href="/office/hom-phaendin/claims"', "1 verified claim ends within 30 days"),
        ('href="/office/hom-phaendin/claims"', "1 claim was rejected in the last 30 days"),
    ]
    for link, text in expected:
        assert f"{link}>{text}</a>" in html, text
    # The low sizes, fewest first, each linking to its product.
    assert html.index("Dried chili") < html.index("Black rice")
    assert "<strong>Out of stock</strong>" in html and "3 left" in html
    assert "Nothing waits" not in html


def test_the_thai_office_home_speaks_thai(office):
    _busy_group(office, bangkok_today())
    office.login("staff").locale = "th"
    db.session.commit()
    html = office.client.get(office.url("/")).get_data(as_text=True)
    assert "สิ่งที่ต้องทำตอนนี้" in html
    assert "คำสั่งซื้อรอแพ็ก 2 รายการ" in html and "สินค้าใกล้หมด 3 ขนาด" in html


def test_an_idle_group_is_told_nothing_waits(office):
    a_product(office.a, stock=50)
    db.session.commit()
    office.login("leader")
    html = office.client.get(office.url("/")).get_data(as_text=True)
    assert "Nothing waits" in html
    assert "orders?tab=to_pack" not in html


def test_the_counts_take_a_few_statements_whatever_the_size(office):
    """No statement per order, lot or claim: the same count for a small and a big group."""
    today = bangkok_today()
    group = _busy_group(office, today)
    with counted(db.engine) as small:
        first = group_todo(group, today=today)
    for _ in range(5):
        _busy_group(office, today)
    db.session.expire_all()
    with counted(db.engine) as big:
        second = group_todo(group, today=today)
    assert second.to_pack > first.to_pack and second.low_stock_count > first.low_stock_count
    assert len(big) == len(small) <= 5, big
    assert len(second.low_stock) == 5  # named on the page; the rest are counted
