"""The group back office: products, photos, lots, stock, claims and member households.

The view modules attach their routes to the one `office` blueprint.
"""

from . import catalog_views, household_views, import_views  # noqa: F401  (attach their routes)
from .blueprint import blueprint

__all__ = ["blueprint"]
