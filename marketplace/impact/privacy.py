"""PDPA rights of a household: the access export (everything stored about it) and erasure.

Who gets what (the views decide who may ask; these functions decide what is in it):
- the group's leader gets the *group* export: the household, its personal data,
  its contributions to this group's lots and this group's ledger entries for
  it. Never assessments, never other groups' dealings;
- an officer of the household's area gets the *area* export: all of the
  above for every group it supplies, plus its assessments.
Both are machine-readable JSON (amounts in integer satang, dates ISO 8601), and
every export writes an audit row.

Erasure de-identifies: the personal-data row (head's name, phone, registry
hash, consent record) is deleted, free-text consent notes on assessments are
blanked, and the household is marked erased. The pseudonymous code, the
place, contributions, the assessments' numbers and the ledger stay, so reports
and aggregates do not change. Erasing twice changes nothing the second time.
Ledger entries are never edited (the ledger is append-only), so leaders must
not write names into their free-text descriptions.
"""

import json
from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy import select

from ..accounts.audit import AuditAction, audit
from ..accounts.service import clean_text
from ..extensions import db
from ..models import (
    HouseholdAssessment,
    Lot,
    LotContribution,
    ProducerGroup,
    Product,
    Variant,
)
from ..models.households import household_group
from ..models.ledger import LedgerEntry, LedgerKind
from .assessments import DIMENSIONS, get_area_household, household_assessments
from .households import get_group_household

EXPORT_FORMAT = "marketplace.household-export/1"
SCOPE_GROUP = "group"
SCOPE_AREA = "area"


class ErasureError(Exception):
    """The erasure was not confirmed; `field` names the form field."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


# -- the access export -------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _group_dict(group):
    return {"slug": group.slug, "name_th": group.name_th, "name_en": group.name_en}


def _household_dict(household):
    return {
        "code": household.code,
        "village": household.village,
        "moo": household.moo,
        "subdistrict_code": household.subdistrict_code,
        "district_code": household.district_code,
        "province_code": household.province_code,
        "created_at": _iso(household.created_at),
        "erased_at": _iso(household.erased_at),
    }


def _personal_dict(household):
    personal = household.personal
    if personal is None or household.erased_at is not None:
        return None
    return {
        "head_name": personal.head_name,
        "phone": personal.phone,
        # Only a keyed one-way hash is kept; saying so is the honest answer here.
        "registry_reference": (
            "recorded as a keyed one-way hash; the number itself is not stored"
            if personal.registry_ref_hash
            else None
        ),
        "consent_on": _iso(personal.consent_on),
        "consent_note": personal.consent_note,
    }


def _groups(household, group=None):
    query = (
        select(ProducerGroup)
        .join(household_group, household_group.c.group_id == ProducerGroup.id)
        .where(household_group.c.household_id == household.id)
        .order_by(ProducerGroup.slug)
    )
    if group is not None:
        query = query.where(ProducerGroup.id == group.id)
    return db.session.scalars(query).all()


def _contributions(household, group=None):
    query = (
        select(LotContribution, Lot, Variant, Product, ProducerGroup)
        .join(Lot, Lot.id == LotContribution.lot_id)
        .join(Variant, Variant.id == Lot.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .join(ProducerGroup, ProducerGroup.id == Product.group_id)
        .where(LotContribution.household_id == household.id)
        .order_by(Lot.produced_on, Lot.code, LotContribution.id)
    )
    if group is not None:
        query = query.where(Product.group_id == group.id)
    return [
        {
            "group": producer.slug,
            "lot": lot.code,
            "product_th": product.name_th,
            "product_en": product.name_en,
            "produced_on": _iso(lot.produced_on),
            "role": contribution.role,
            "quantity": contribution.quantity,
            "unit": contribution.unit,
        }
        for contribution, lot, _variant, product, producer in db.session.execute(query)
    ]


def _ledger(household, group=None):
    query = (
        select(LedgerEntry, ProducerGroup.slug, Lot.code)
        .join(ProducerGroup, ProducerGroup.id == LedgerEntry.group_id)
        .outerjoin(Lot, Lot.id == LedgerEntry.lot_id)
        .where(LedgerEntry.household_id == household.id)
        .order_by(LedgerEntry.occurred_on, LedgerEntry.id)
    )
    if group is not None:
        query = query.where(LedgerEntry.group_id == group.id)
    entries = []
    earned = paid_out = 0
    for entry, group_slug, lot_code in db.session.execute(query):
        if entry.kind == LedgerKind.PAYOUT:
            paid_out -= entry.amount_satang
        elif entry.kind in LedgerKind.INCOME:
            earned += entry.amount_satang
        entries.append(
            {
                "id": entry.id,
                "occurred_on": _iso(entry.occurred_on),
                "group": group_slug,
                "kind": entry.kind,
                "amount_satang": entry.amount_satang,
                "role": entry.role,
                "lot": lot_code,
                "order_line_id": entry.order_line_id,
                "refund_line_id": entry.refund_line_id,
                "quantity": str(entry.quantity) if entry.quantity is not None else None,
                "unit": entry.unit,
                "unit_price_satang": entry.unit_price_satang,
                "description": entry.description,
                "recorded_at": _iso(entry.created_at),
            }
        )
    totals = {
        "earned_satang": earned,
        "paid_out_satang": paid_out,
        "balance_satang": earned - paid_out,
    }
    return entries, totals


def _assessment_dict(assessment):
    return {
        "assessed_on": _iso(assessment.assessed_on),
        "members": assessment.members,
        "annual_income_satang": assessment.annual_income_satang,
        "poverty_class": assessment.poverty_class,
        "deprived": {name: bool(getattr(assessment, f"deprived_{name}")) for name in DIMENSIONS},
        "source": assessment.source,
        "consent_on": _iso(assessment.consent_on),
        "consent_note": assessment.consent_note,
        "recorded_at": _iso(assessment.created_at),
    }


def household_export(household, group=None):
    """Everything stored about `household`, as a JSON-ready dict.

    With `group`, the leader's view: that group's dealings, no assessments.
    Without, the officer's view: every group, and the assessments.
    """
    ledger, totals = _ledger(household, group)
    data = {
        "format": EXPORT_FORMAT,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "scope": SCOPE_GROUP if group is not None else SCOPE_AREA,
        "notes": [
            "Amounts are integer satang (100 satang = 1 baht); dates are ISO 8601.",
            "Ledger entries are signed: payouts are negative.",
        ],
        "household": _household_dict(household),
        "personal_data": _personal_dict(household),
        "groups": [_group_dict(g) for g in _groups(household, group)],
        "contributions": _contributions(household, group),
        "ledger_entries": ledger,
        "ledger_totals": totals,
    }
    if group is None:
        data["assessments"] = [_assessment_dict(a) for a in household_assessments(household)]
    return data


def export_bytes(data):
    """The export as UTF-8 JSON, Thai kept readable."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def group_export(group, household_id):
    """The leader's export of a household of `group` (HouseholdNotFound outside it); audited."""
    household = get_group_household(group, household_id)
    data = household_export(household, group=group)
    audit(AuditAction.HOUSEHOLD_EXPORTED, household, code=household.code, scope=SCOPE_GROUP)
    return household, data


def area_export(user, household_id):
    """An officer's full export of a household in their areas (else HouseholdNotFound); audited."""
    household = get_area_household(user, household_id)
    data = household_export(household)
    audit(
        AuditAction.HOUSEHOLD_EXPORTED,
        household,
        actor=user,
        code=household.code,
        scope=SCOPE_AREA,
    )
    return household, data


# -- erasure -----------------------------------------------------------------------------


def erase(household):
    """De-identify `household`; True if something was erased, False if it already was."""
    if household.erased_at is not None and household.personal is None:
        return False
    # Delete the personal row outright (delete-orphan): name, phone, registry hash, consent.
    household.personal = None
    for assessment in db.session.scalars(
        select(HouseholdAssessment).where(HouseholdAssessment.household_id == household.id)
    ):
        # Free text: it may name the person who consented.
        assessment.consent_note = ""
    first_time = household.erased_at is None
    if first_time:
        household.erased_at = datetime.now(UTC)
    db.session.flush()
    return True


def erase_group_household(group, household_id, confirm_code):
    """The leader erases a household of `group`, confirming with its code; audited once.

    Returns True if it was erased now, False if it had been already.
    """
    household = get_group_household(group, household_id)
    if clean_text(confirm_code).upper() != household.code:
        raise ErasureError(
            gettext("Type the household's code, %(code)s, to confirm.", code=household.code),
            field="confirm",
        )
    if not erase(household):
        return household, False
    audit(AuditAction.HOUSEHOLD_ERASED, household, code=household.code, group=group.slug)
    return household, True
