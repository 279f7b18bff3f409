"""A group's leaders are mailed when a buyer's transfer slip waits for them, and the
"to pack" mail carries the whole address and the office link.

Without the slip mail a leader learnt of a slip only by opening the office: the
buyer waited, and a part paid per group could expire with the money sent.
"""

import pytest

from marketplace.extensions import db
from marketplace.orders import fulfilment, slips

from ..factories import make_user
from ..office.pictures import picture


@pytest.fixture
def two(make):
    """Rice (group A) and chili (group B), each paid to its own PromptPay, each with a leader."""
    rice_group = make.group(slug="rice", promptpay_id="0812345678", shipping_flat_satang=5000)
    chili_group = make.group(slug="chili", promptpay_id="0993505000428")
    rice = make.product(group=rice_group, stock=5, price_satang=12000)
    chili = make.product(group=chili_group, stock=4, price_satang=8500)
    make_user("rice.leader@example.com", memberships=[(rice_group, "leader")], locale="th")
    make_user("rice.staff@example.com", memberships=[(rice_group, "staff")])
    make_user("chili.leader@example.com", memberships=[(chili_group, "leader")], locale="en")
    db.session.commit()
    return rice, chili


def _slip_mails(outbox):
    return [m for m in outbox if m.kind == "slip_to_check"]


def test_a_part_slip_mails_that_group_s_leaders_only(make, two, outbox, app):
    rice, chili = two
    order = make.order({rice.variants[0]: 2, chili.variants[0]: 1})
    db.session.commit()
    parts = {f.group_id: f for f in order.fulfilments}
    rice_part, chili_part = parts[rice.group_id], parts[chili.group_id]

    slips.submit_slip(order, picture(), rice_part)
    db.session.commit()
    [mail] = _slip_mails(outbox)
    assert mail.to == "rice.leader@example.com"  # not the staff, not the other group
    assert mail.subject == f"มีสลิปโอนเงินรอตรวจสอบ คำสั่งซื้อ {order.reference}"
    assert "฿290" in mail.body
    base = app.config["PUBLIC_BASE_URL"]
    assert f"{base}/office/rice/orders/{rice_part.id}" in mail.body

    slips.submit_slip(order, picture(), chili_part)
    db.session.commit()
    mail = _slip_mails(outbox)[-1]
    assert mail.to == "chili.leader@example.com"
    assert mail.subject == f"Transfer slip to check for order {order.reference}"  # her language
    assert f"/office/chili/orders/{chili_part.id}" in mail.body


def test_a_one_group_order_slip_mails_its_leader(make, two, outbox):
    rice, _ = two
    order = make.order({rice.variants[0]: 1})
    db.session.commit()
    slips.submit_slip(order, picture())
    db.session.commit()
    assert [m.to for m in _slip_mails(outbox)] == ["rice.leader@example.com"]


def test_a_slip_to_the_platform_account_mails_no_group(make, two, outbox, app, monkeypatch):
    monkeypatch.setitem(app.config, "PLATFORM_PROMPTPAY_ID", "0812345678")
    rice, chili = two
    order = make.order({rice.variants[0]: 1, chili.variants[0]: 1})
    db.session.commit()
    assert not order.paid_per_part
    slips.submit_slip(order, picture())
    db.session.commit()
    assert _slip_mails(outbox) == []  # the admins confirm it, on the Transfers page


def test_the_to_pack_mail_has_the_postal_address_and_the_office_link(make, two, outbox):
    rice, _ = two
    order = make.order({rice.variants[0]: 1})
    db.session.commit()
    slips.submit_slip(order, picture())
    db.session.commit()
    [part] = order.fulfilments
    fulfilment.confirm_slip(part.group, part.id)
    db.session.commit()
    [mail] = [m for m in outbox if m.kind == "fulfilment_to_pack"]
    assert "ต.ดอยงาม อ.พาน" in mail.body and "จ.เชียงราย 57120" in mail.body
    assert f"/office/rice/orders/{part.id}" in mail.body
