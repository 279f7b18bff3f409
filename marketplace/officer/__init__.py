"""The agency officers' area: claim review, and households and assessments in their areas.

The view modules attach their routes to the one `officer` blueprint.
"""

from . import household_views, views  # noqa: F401  (attach their routes)
from .blueprint import blueprint

__all__ = ["blueprint"]
