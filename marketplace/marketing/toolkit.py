"""What a group's office Marketing page offers: the things it can share, with their links.

Only what the storefront lists can be shared (its card and page answer 404
otherwise): the group itself while it is active, its active products that
have an active variant, and the lots of those variants that still have units.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import localized
from ..models import Product, ProductStatus, Variant
from . import share


@dataclass(frozen=True)
class Shareable:
    """One product, lot or group with its card addresses and share links."""

    kind: str
    ref: str
    title: str
    subtitle: str
    links: object  # share.ShareLinks


@dataclass(frozen=True)
class ShareableProduct:
    """A product and its lots in stock, each shareable."""

    product: Shareable
    lots: list


def group_shareables(group):
    """(the group's Shareable or None, [ShareableProduct]) for the office Marketing page.

    Empty when the group is paused: nothing of it is listed, so nothing has a card.
    """
    if not group.is_active:
        return None, []
    products = db.session.scalars(
        select(Product)
        .where(Product.group_id == group.id, Product.status == ProductStatus.ACTIVE)
        .options(selectinload(Product.variants).selectinload(Variant.lots))
        .order_by(Product.name_th, Product.id)
    ).all()
    items = []
    for product in products:
        variants = [v for v in product.variants if v.is_active]
        if not variants:
            continue
        name = localized(product, "name")
        lots = sorted(
            (lot for v in variants for lot in v.lots if lot.available > 0),
            key=lambda lot: (lot.produced_on, lot.id),
            reverse=True,
        )
        items.append(
            ShareableProduct(
                product=Shareable(
                    "product",
                    product.slug,
                    name,
                    "",
                    share.share_links("product", product.slug, name),
                ),
                lots=[
                    Shareable(
                        "lot",
                        lot.code,
                        name,
                        localized(lot.variant, "label"),
                        share.share_links("lot", lot.code, f"{name} · {lot.code}"),
                    )
                    for lot in lots
                ],
            )
        )
    title = localized(group, "name")
    links = share.share_links("group", group.slug, title)
    return Shareable("group", group.slug, title, "", links), items
