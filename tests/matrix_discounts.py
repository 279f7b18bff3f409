"""Role × route matrix rows of discount codes: a group's codes in its office, market codes (admin).

Members see the codes, a code's page and a batch (and download it); leaders
(and admins) make codes and batches and pause or end them. The empty POSTs are
refused by the forms (400: no kind chosen, no status given).
"""

from marketplace.marketing import discounts
from marketplace.models import DiscountCode, DiscountKind

from .matrix_rows import ADMIN_ONLY, GROUP_LEADER, GROUP_MEMBER, OFFICE

CODE = OFFICE + "/discounts/{discount}"
BATCH = OFFICE + "/discounts/batches/{discount_batch}"
MARKET_BATCH = "/admin/discounts/batches/{market_batch}"

EXPECT = {
    ("office.discount_list", "GET"): (OFFICE + "/discounts", GROUP_MEMBER),
    ("office.discount_new", "GET"): (OFFICE + "/discounts/new", GROUP_LEADER),
    ("office.discount_new", "POST"): (OFFICE + "/discounts/new", GROUP_LEADER),
    ("office.discount_batch", "GET"): (OFFICE + "/discounts/batch", GROUP_LEADER),
    ("office.discount_batch", "POST"): (OFFICE + "/discounts/batch", GROUP_LEADER),
    ("office.discount_detail", "GET"): (CODE, GROUP_MEMBER),
    ("office.discount_status", "POST"): (CODE + "/status", GROUP_LEADER),
    ("office.discount_batch_view", "GET"): (BATCH, GROUP_MEMBER),
    ("office.discount_batch_download", "GET"): (BATCH + "/codes.csv", GROUP_MEMBER),
    ("admin.discount_list", "GET"): ("/admin/discounts", ADMIN_ONLY),
    ("admin.discount_new", "GET"): ("/admin/discounts/new", ADMIN_ONLY),
    ("admin.discount_new", "POST"): ("/admin/discounts/new", ADMIN_ONLY),
    ("admin.discount_batch", "GET"): ("/admin/discounts/batch", ADMIN_ONLY),
    ("admin.discount_batch", "POST"): ("/admin/discounts/batch", ADMIN_ONLY),
    ("admin.discount_detail", "GET"): ("/admin/discounts/{market_discount}", ADMIN_ONLY),
    ("admin.discount_status", "POST"): ("/admin/discounts/{market_discount}/status", ADMIN_ONLY),
    ("admin.discount_batch_view", "GET"): (MARKET_BATCH, ADMIN_ONLY),
    ("admin.discount_batch_download", "GET"): (MARKET_BATCH + "/codes.pdf", ADMIN_ONLY),
}

OBJECT_IDS = ["discount", "discount_batch", "market_discount", "market_batch"]


def add_to_world(group, ids):
    """A code and a batch of two for the group, and a market code and batch."""
    values = discounts.check_values({"kind": "percent", "percent": "10"}, group)
    code = discounts.create_code(group, f"G{group.id}CODE10", values)
    batch = discounts.generate_batch(group, 2, f"G{group.id}", values)
    market = DiscountCode(code=f"M{group.id}MARKET", kind=DiscountKind.FREE_SHIPPING, group_id=None)
    from marketplace.extensions import db

    db.session.add(market)
    db.session.flush()
    market_values = discounts.check_values({"kind": "free_shipping"})
    market_batch = discounts.generate_batch(None, 2, f"M{group.id}", market_values)
    ids.update(
        discount=code.id,
        discount_batch=batch,
        market_discount=market.id,
        market_batch=market_batch,
    )
