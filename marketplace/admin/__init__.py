"""The admin area (/admin): producer groups, accounts, roles and the audit log.

Every view requires an admin, checked once in the blueprint's before_request
(`marketplace.accounts.access.require_admin`).
"""

from . import discount_views, outbox_views, views  # noqa: F401  (attach their routes)
