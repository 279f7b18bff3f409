"""The buyer-facing storefront blueprint: thin views over the catalog and orders domains.

`views` holds the `shop` blueprint and the storefront pages; `order_views`
attaches the cart, checkout and order pages to the same blueprint, `discount_views`
the discount code form and the shareable code link.
"""

from . import discount_views, order_views  # noqa: F401  (attach their routes to the shop blueprint)
