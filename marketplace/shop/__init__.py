"""The buyer-facing storefront blueprint: thin views over the catalog and orders domains.

`views` holds the `shop` blueprint and the storefront pages; `order_views`
attaches the cart, checkout and order pages to the same blueprint.
"""

from . import order_views  # noqa: F401  (attaches its routes to the shop blueprint)
