"""Role × route matrix rows for a group's orders (office) and the platform's transfers (admin).

Each group gets a paid order (its part: `fulfilment`), a transfer order of its
own with a slip waiting for the leader (`slip_fulfilment`), and an order shared
with a third group, paid by transfer to the platform's account with a slip
waiting for an admin (`transfer`, a payment id).

Staff see the lists, the part's page and the packing slip, and pack, ship and
hand over; the slip photo, slip decisions, cash and refunds are the leader's
(and admins'). The empty POSTs of the matrix pack the paid part (303), and are
refused by the forms or with a message elsewhere: shipping needs a carrier (400),
delivering an unshipped part and cash for a transfer are refused (303), a
rejection needs a reason (400), a refund needs something chosen (400), and giving back
a payment that is no second payment is refused with a message (303).
"""

from flask import current_app

from marketplace.extensions import db
from marketplace.models import PaymentMethod
from marketplace.orders import slips

from . import factories
from .matrix_rows import ADMIN_ONLY, GROUP_LEADER, GROUP_MEMBER, OFFICE
from .office.pictures import picture

PART = OFFICE + "/orders/{fulfilment}"
SLIP_PART = OFFICE + "/orders/{slip_fulfilment}"

EXPECT = {
    ("office.orders", "GET"): (OFFICE + "/orders", GROUP_MEMBER),
    ("office.order", "GET"): (PART, GROUP_MEMBER),
    ("office.packing_slip", "GET"): (PART + "/packing-slip", GROUP_MEMBER),
    ("office.order_pack", "POST"): (PART + "/pack", GROUP_MEMBER),
    ("office.order_ship", "POST"): (PART + "/ship", GROUP_MEMBER),
    ("office.order_deliver", "POST"): (PART + "/deliver", GROUP_MEMBER),
    ("office.order_slip", "GET"): (SLIP_PART + "/slip", GROUP_LEADER),
    ("office.slip_confirm", "POST"): (SLIP_PART + "/slip/confirm", GROUP_LEADER),
    ("office.slip_reject", "POST"): (SLIP_PART + "/slip/reject", GROUP_LEADER),
    ("office.cash_received", "POST"): (PART + "/cash-received", GROUP_LEADER),
    ("office.order_refund", "GET"): (PART + "/refund", GROUP_LEADER),
    ("office.order_refund", "POST"): (PART + "/refund", GROUP_LEADER),
    # No second payment to give back here: refused with a message (303).
    ("office.give_back", "POST"): (PART + "/give-back/{transfer}", GROUP_LEADER),
    ("admin.transfers", "GET"): ("/admin/transfers", ADMIN_ONLY),
    ("admin.transfer_slip", "GET"): ("/admin/transfers/{transfer}/slip", ADMIN_ONLY),
    ("admin.transfer_confirm", "POST"): ("/admin/transfers/{transfer}/confirm", ADMIN_ONLY),
    ("admin.transfer_reject", "POST"): ("/admin/transfers/{transfer}/reject", ADMIN_ONLY),
}

OBJECT_IDS = ["fulfilment", "slip_fulfilment", "transfer"]


def add_to_world(group, ids):
    """A paid order, a transfer with the group's slip waiting, and a platform transfer."""
    variant = ids["variant"]
    paid = factories.make_order({variant: 1}, payment_method=PaymentMethod.TRANSFER, paid=True)
    waiting = factories.make_order({variant: 1}, payment_method=PaymentMethod.TRANSFER)
    slips.submit_slip(waiting, picture())

    third = factories.make_product(group=factories.make_group(), stock=5)
    config = current_app.config
    before = config.get("PLATFORM_PROMPTPAY_ID", "")
    config["PLATFORM_PROMPTPAY_ID"] = "0812345678"  # a transfer for two groups needs it
    try:
        shared = factories.make_order(
            {variant: 1, third.variants[0]: 1}, payment_method=PaymentMethod.TRANSFER
        )
    finally:
        config["PLATFORM_PROMPTPAY_ID"] = before
    transfer = slips.submit_slip(shared, picture())
    db.session.flush()
    ids.update(
        fulfilment=paid.fulfilments[0].id,
        slip_fulfilment=waiting.fulfilments[0].id,
        transfer=transfer.id,
    )
