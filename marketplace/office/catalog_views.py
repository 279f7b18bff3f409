"""Back-office views for the group's catalog: products, variants, photos, lots, claims."""

from .blueprint import blueprint  # noqa: F401
