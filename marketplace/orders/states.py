"""The allowed status changes of orders, fulfilments and payments, in one table each.

Every status change in the code goes through `change_order`, `change_fulfilment`
or `change_payment`; a change the table does not list raises `TransitionRefused`
and changes nothing. Setting a status to the one it already has is allowed and
does nothing, which is what makes replayed webhooks and double clicks harmless.
"""

from ..models import FulfilmentStatus as F
from ..models import OrderStatus as O
from ..models import PaymentStatus as P

ORDER_TRANSITIONS = {
    O.PENDING_PAYMENT: {O.PAID, O.CANCELLED, O.EXPIRED},
    # Money that arrives after the hold ran out still counts, if the stock can be taken
    # again (`orders.service.mark_paid` re-reserves it first); when the stock is gone the
    # payment is kept and given back in full (`orders.refunds.refund_late_payment`).
    O.EXPIRED: {O.PAID, O.REFUNDED},
    O.CANCELLED: {O.PAID, O.REFUNDED},
    O.PAID: {O.PARTLY_REFUNDED, O.REFUNDED},
    O.PARTLY_REFUNDED: {O.PARTLY_REFUNDED, O.REFUNDED},
    O.REFUNDED: set(),
}

FULFILMENT_TRANSITIONS = {
    F.PENDING_PAYMENT: {F.PAID, F.CANCELLED, F.EXPIRED},
    F.PAID: {F.PACKED, F.SHIPPED, F.DELIVERED, F.PARTLY_REFUNDED, F.REFUNDED},
    # Packed → delivered: a part picked up at the group is handed over without shipping.
    F.PACKED: {F.SHIPPED, F.DELIVERED, F.PARTLY_REFUNDED, F.REFUNDED},
    F.SHIPPED: {F.DELIVERED, F.PARTLY_REFUNDED, F.REFUNDED},
    F.DELIVERED: {F.PARTLY_REFUNDED, F.REFUNDED},
    F.PARTLY_REFUNDED: {F.PARTLY_REFUNDED, F.REFUNDED, F.PACKED, F.SHIPPED, F.DELIVERED},
    F.CANCELLED: {F.PAID, F.REFUNDED},
    F.EXPIRED: {F.PAID, F.REFUNDED},
    F.REFUNDED: set(),
}

PAYMENT_TRANSITIONS = {
    P.PENDING: {P.SUBMITTED, P.SUCCEEDED, P.FAILED, P.CANCELLED},
    P.SUBMITTED: {P.SUCCEEDED, P.REJECTED, P.CANCELLED},
    # A rejected slip may be replaced by a new one.
    P.REJECTED: {P.SUBMITTED, P.CANCELLED},
    P.FAILED: {P.CANCELLED, P.SUCCEEDED},
    P.SUCCEEDED: set(),
    # Stripe may still report a payment for a session we gave up on: it is never lost.
    P.CANCELLED: {P.SUCCEEDED},
}


class TransitionRefused(Exception):
    """A status change the table does not allow; nothing was changed."""

    def __init__(self, kind, current, wanted):
        super().__init__(f"{kind}: {current} → {wanted} is not allowed")
        self.kind = kind
        self.current = current
        self.wanted = wanted


def allowed(table, current, wanted):
    """True when `current → wanted` is in `table` (or is no change at all)."""
    return current == wanted or wanted in table.get(current, set())


def _change(kind, table, row, wanted):
    if not allowed(table, row.status, wanted):
        raise TransitionRefused(kind, row.status, wanted)
    changed = row.status != wanted
    row.status = wanted
    return changed


def change_order(order, wanted):
    """Move an order to `wanted`; True if its status changed."""
    return _change("order", ORDER_TRANSITIONS, order, wanted)


# A partly refunded part goes on being packed, shipped and delivered, so the table lets
# `partly_refunded` move on to those stages; the part's timestamps say which stage it
# has reached, and no change may take it back to an earlier one.
_STAGE_RANK = {F.PAID: 0, F.PACKED: 1, F.SHIPPED: 2, F.DELIVERED: 3}


def _reached_rank(fulfilment):
    if fulfilment.delivered_at is not None:
        return 3
    if fulfilment.shipped_at is not None:
        return 2
    if fulfilment.packed_at is not None:
        return 1
    return 0


def change_fulfilment(fulfilment, wanted):
    """Move a fulfilment to `wanted`; True if its status changed.

    Besides the table, a part never goes back to a stage before the one its
    timestamps show (delivered → partly refunded → packed is refused).
    """
    rank = _STAGE_RANK.get(wanted)
    if rank is not None and fulfilment.status != wanted and rank < _reached_rank(fulfilment):
        raise TransitionRefused("fulfilment", fulfilment.status, wanted)
    return _change("fulfilment", FULFILMENT_TRANSITIONS, fulfilment, wanted)


def change_payment(payment, wanted):
    """Move a payment to `wanted`; True if its status changed."""
    return _change("payment", PAYMENT_TRANSITIONS, payment, wanted)
