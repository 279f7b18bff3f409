"""Role × route matrix rows of the share-rule and ledger pages (see tests/matrix_rows.py)."""

from datetime import date

from marketplace.extensions import db
from marketplace.impact import ledger
from marketplace.models import ProducerGroup

from .matrix_rows import GROUP_LEADER, GROUP_MEMBER, OFFICE

EXPECT = {
    ("office.share_rules_page", "GET"): (OFFICE + "/share-rules", GROUP_MEMBER),
    ("office.share_rule_product", "GET"): (OFFICE + "/products/{product}/share-rule", GROUP_LEADER),
    ("office.share_rule_product", "POST"): (
        OFFICE + "/products/{product}/share-rule",
        GROUP_LEADER,
    ),
    ("office.share_rule_variant", "GET"): (OFFICE + "/variants/{variant}/share-rule", GROUP_LEADER),
    ("office.share_rule_variant", "POST"): (
        OFFICE + "/variants/{variant}/share-rule",
        GROUP_LEADER,
    ),
    ("office.ledger", "GET"): (OFFICE + "/ledger", GROUP_MEMBER),
    ("office.household_ledger", "GET"): (OFFICE + "/ledger/households/{household}", GROUP_LEADER),
    ("office.ledger_entry_new", "GET"): (OFFICE + "/ledger/new", GROUP_LEADER),
    ("office.ledger_entry_new", "POST"): (OFFICE + "/ledger/new", GROUP_LEADER),
}

OBJECT_IDS = []


def add_to_world(group, ids):
    """A raw-material purchase from the group's household, so the ledger pages have a row."""
    group = db.session.get(ProducerGroup, group.id)
    ledger.record_entry(
        group,
        {
            "kind": "raw_material",
            "household_id": str(ids["household"]),
            "occurred_on": "2026-03-15",
            "quantity": "40",
            "unit": "kg",
            "unit_price": "80",
        },
        today=date(2026, 11, 1),
    )
