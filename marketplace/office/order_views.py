"""Office pages for a group's orders: to pack, packing slips, shipping, slips, refunds."""

from .blueprint import blueprint  # noqa: F401
