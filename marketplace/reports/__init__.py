"""The income-uplift reports officers (their area) and admins (all) read, and their exports.

The figures are worked out in `impact.reports`; `views` shows them.
"""

from .views import blueprint

__all__ = ["blueprint"]
