"""Taking units from lots for an order, and giving them back, without ever overselling.

Every change is one conditional UPDATE: `available = available - n WHERE
available >= n`, and its row count says whether it happened. On SQLite the
checkout's transaction begins with `BEGIN IMMEDIATE` (`database.begin_write`),
so reads inside it are what is really there; on PostgreSQL the UPDATE waits on
the row lock and re-checks its condition, and a refused UPDATE re-reads the lot
and takes what is left. The lot table's CHECK (available >= 0) is the last guard.

Every stock change first takes the lock of the catalog state row
(`cache.lock_for_stock_change`: an upsert that keeps the page version), before
touching any lot. On PostgreSQL that row is then the first lock each such
transaction takes, so they queue on it the way SQLite's writers queue on BEGIN
IMMEDIATE: two carts holding the same products in a different order, or a
checkout beside a cancellation, cannot deadlock (lot, state row) against
(other lot, state row). Catalog edits through the ORM take the row first too
(`cache._bump_on_catalog_change` runs before flush). A stock change does not
give the storefront pages a new version, except when a variant runs out or
comes back (`cache.stock_changed`): listings show only "in stock" or not, and
product pages key on their own lots' stock (see catalog/cache.py).

Search reads stock from the lots at query time, so nothing here touches the
search index.
"""

from flask_babel import gettext
from sqlalchemy import func, select, update

from ..catalog.cache import lock_for_stock_change, stock_changed
from ..database import begin_write
from ..extensions import db
from ..models import LineAllocation, Lot


class OutOfStock(Exception):
    """Fewer units are left than asked for; nothing was reserved."""

    def __init__(self, variant_id, wanted, available):
        self.variant_id = variant_id
        self.wanted = wanted
        self.available = available
        super().__init__(f"variant {variant_id}: wanted {wanted}, {available} available")

    def message(self, name):
        """The buyer's message, naming the product."""
        if self.available <= 0:
            return gettext("%(name)s has just sold out.", name=name)
        return gettext(
            "Only %(n)d of %(name)s are left; please change the quantity.",
            n=self.available,
            name=name,
        )


def _lock_stock():
    """The lock every stock change takes before any lot's (above); the page version stays."""
    lock_for_stock_change(db.session.connection())


def _changed(variant_id, delta):
    """Tell the page cache that a variant's units went up (+) or down (-) by `delta`."""
    stock_changed(db.session.connection(), variant_id, delta)


def _take(lot_id, n):
    result = db.session.execute(
        update(Lot)
        .where(Lot.id == lot_id, Lot.available >= n)
        .values(available=Lot.available - n)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _available(lot_id):
    return db.session.scalar(select(Lot.available).where(Lot.id == lot_id)) or 0


def variant_available(variant_id):
    """Units of a variant available now, over all its lots."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Lot.available), 0)).where(Lot.variant_id == variant_id)
    )


def reserve(variant_id, quantity):
    """Take `quantity` units of a variant from its lots, oldest first: [(lot_id, units)].

    Raises OutOfStock when the lots hold fewer; the caller rolls back, which
    gives back whatever this call took.
    """
    begin_write(db.session)
    _lock_stock()
    lots = db.session.execute(
        select(Lot.id, Lot.available)
        .where(Lot.variant_id == variant_id, Lot.available > 0)
        .order_by(Lot.produced_on, Lot.id)
    ).all()
    taken = []
    needed = quantity
    for lot_id, seen in lots:
        while needed and seen > 0:
            n = min(needed, seen)
            if _take(lot_id, n):
                taken.append((lot_id, n))
                needed -= n
                break
            # Someone took units since we looked (PostgreSQL): look again.
            seen = _available(lot_id)
        if not needed:
            break
    if needed:
        raise OutOfStock(variant_id, quantity, quantity - needed + _left(lots, taken))
    _changed(variant_id, -quantity)
    return taken


def _left(lots, taken):
    """Units still available in the lots we looked at (for the message)."""
    taken_ids = {lot_id for lot_id, _ in taken}
    return sum(_available(lot_id) for lot_id, _ in lots if lot_id not in taken_ids)


def release(allocation, quantity=None):
    """Give back `quantity` (default: all still held) units of an allocation to its lot."""
    quantity = allocation.held_quantity if quantity is None else quantity
    if quantity <= 0:
        return 0
    if quantity > allocation.held_quantity:
        raise ValueError("cannot release more than the allocation holds")
    _lock_stock()
    db.session.execute(
        update(Lot)
        .where(Lot.id == allocation.lot_id)
        .values(available=Lot.available + quantity)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(LineAllocation)
        .where(LineAllocation.id == allocation.id)
        .values(released_quantity=LineAllocation.released_quantity + quantity)
        .execution_options(synchronize_session=False)
    )
    _changed(allocation.lot.variant_id, quantity)
    db.session.expire(allocation, ["released_quantity"])
    db.session.expire(allocation.lot, ["available"])
    return quantity


def take_again(allocation):
    """Take the released units of an allocation back from its lot; False if they are gone.

    For money that arrives after an order's hold ran out: the same lots, or nothing.
    """
    quantity = allocation.released_quantity
    if quantity == 0:
        return True
    _lock_stock()
    if not _take(allocation.lot_id, quantity):
        return False
    _changed(allocation.lot.variant_id, -quantity)
    db.session.execute(
        update(LineAllocation)
        .where(LineAllocation.id == allocation.id)
        .values(released_quantity=0)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(allocation, ["released_quantity"])
    db.session.expire(allocation.lot, ["available"])
    return True
