"""Posting sales to the household income ledger (being written: see issue #5)."""


def post_order_shares(order):
    """Post every paid line's shares; idempotent."""


def post_refund_reversals(refund):
    """Post reversals for a refund; idempotent."""
