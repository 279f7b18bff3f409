"""Mail to buyers and groups about their orders, written into the outbox with their cause.

Each mail is a row of the transaction that made it true (an order placed,
paid, shipped): it leaves only after that commit, and a rollback takes it
away, so nobody is told of a payment or a shipment that was not saved, and a
mail server that is down loses nothing (see marketplace/mail/outbox.py). Each
message is written in the language the buyer ordered in.
"""

from flask import render_template
from flask_babel import force_locale, gettext
from sqlalchemy import select

from ..accounts.service import mail_link
from ..extensions import db
from ..mail import queue_mail
from ..models import GroupMembership, MembershipRole, User


def order_link(order):
    """The buyer's link to the order page: signed, so a guest needs no account."""
    from .service import order_token

    return mail_link("shop.order_status", reference=order.reference, token=order_token(order))


def _render(order, template, **context):
    with force_locale(order.locale):
        subject_and_body = render_template(template, order=order, link=order_link(order), **context)
    subject, _, body = subject_and_body.partition("\n")
    return subject.strip(), body.lstrip("\n")


def order_placed(order):
    """Tell the buyer the order is placed and how to pay."""
    queue_mail(order.email, *_render(order, "mail/order_placed.txt"), kind="order_placed")


def _receipt(order):
    """The order's impact receipt in the buyer's language (None before anything is posted)."""
    from ..impact import receipts
    from ..impact.reports.suppression import SUPPRESS_BELOW

    return dict(receipt=receipts.order_receipt(order, order.locale), suppress_below=SUPPRESS_BELOW)


def order_paid(order):
    """Tell the buyer the payment arrived (with the impact receipt), and each group that it
    has a part to pack."""
    from .fulfilment import address_lines  # fulfilment imports this module

    queue_mail(
        order.email, *_render(order, "mail/order_paid.txt", **_receipt(order)), kind="order_paid"
    )
    for fulfilment in order.fulfilments:
        for user in group_leaders(fulfilment.group_id):
            with force_locale(user.locale):
                subject = gettext("New order %(ref)s to pack", ref=order.reference)
                body = render_template(
                    "mail/fulfilment_to_pack.txt",
                    order=order,
                    fulfilment=fulfilment,
                    address=address_lines(order, user.locale),
                    link=office_order_link(fulfilment),
                )
            queue_mail(user.email, subject, body, kind="fulfilment_to_pack")


def office_order_link(fulfilment):
    """A leader's link to their group's part of an order in the office."""
    return mail_link("office.order", group_slug=fulfilment.group.slug, fulfilment_id=fulfilment.id)


def slip_to_check(payment, fulfilment):
    """Tell the leaders of the group paid by `payment` that a transfer slip waits for them.

    Only the group's own leaders can confirm it: without this mail they would
    learn of it only by opening the office.
    """
    order = payment.order
    for user in group_leaders(fulfilment.group_id):
        with force_locale(user.locale):
            subject = gettext("Transfer slip to check for order %(ref)s", ref=order.reference)
            body = render_template(
                "mail/slip_to_check.txt",
                order=order,
                payment=payment,
                fulfilment=fulfilment,
                link=office_order_link(fulfilment),
            )
        queue_mail(user.email, subject, body, kind="slip_to_check")


def order_closed(order):
    """Tell the buyer an unpaid order was cancelled or ran out of time."""
    queue_mail(order.email, *_render(order, "mail/order_closed.txt"), kind="order_closed")


def fulfilment_shipped(fulfilment):
    """Tell the buyer a group's part is on its way, with carrier and tracking number."""
    order = fulfilment.order
    queue_mail(
        order.email,
        *_render(order, "mail/fulfilment_shipped.txt", fulfilment=fulfilment),
        kind="fulfilment_shipped",
    )


def slip_rejected(payment):
    """Tell the buyer a transfer slip was not accepted, why, and that another may be sent."""
    order = payment.order
    queue_mail(
        order.email,
        *_render(order, "mail/slip_rejected.txt", payment=payment),
        kind="slip_rejected",
    )


def refund_made(refund):
    """Tell the buyer money was given back, with the impact receipt as it now stands."""
    order = refund.order
    queue_mail(
        order.email,
        *_render(order, "mail/refund_made.txt", refund=refund, **_receipt(order)),
        kind="refund_made",
    )


def late_payment_refunded(order, payment, amount_satang):
    """Tell the buyer that money which came after the order closed was given back in full."""
    queue_mail(
        order.email,
        *_render(order, "mail/late_payment_refunded.txt", payment=payment, amount=amount_satang),
        kind="late_payment_refunded",
    )


def surplus_given_back(order, payment):
    """Tell the buyer that a second payment of an order already paid was given back in full."""
    queue_mail(
        order.email,
        *_render(
            order, "mail/surplus_given_back.txt", payment=payment, amount=payment.amount_satang
        ),
        kind="surplus_given_back",
    )


def group_leaders(group_id):
    """Active leaders of a group (who are told of new orders)."""
    return db.session.scalars(
        select(User)
        .join(GroupMembership, GroupMembership.user_id == User.id)
        .where(
            GroupMembership.group_id == group_id,
            GroupMembership.role == MembershipRole.LEADER,
            User.active.is_(True),
        )
    ).all()
