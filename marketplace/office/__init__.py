"""The group back office: products, photos, lots, stock, claims and member households.

The view modules attach their routes to the one `office` blueprint.
"""

from . import (  # noqa: F401  (attach their routes)
    catalog_views,
    discount_views,
    feed_views,
    household_views,
    import_views,
    label_views,
    ledger_views,
    marketing_views,
    order_views,
    sales_views,
)
from .blueprint import blueprint

__all__ = ["blueprint"]
