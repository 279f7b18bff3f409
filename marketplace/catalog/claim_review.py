"""Officers' decisions on claims: verify, reject, revoke, within their area only.

A claim's area is that of the group it is about: a group claim's own group, a
product claim's product's group, a lot claim's lot's product's group. An
officer sees and decides only claims whose group lies in one of their areas
(`accounts.access.officer_covers`); any other claim is `ClaimNotFound` (404).

Allowed status changes, and nothing else:

    pending  → verified | rejected
    verified → revoked

An officer never decides a claim of a group they belong to (as leader or staff):
the group would be verifying itself. Such a claim still shows in their queue,
marked, and another officer of the area decides it (`check_may_decide`).

A verified claim past its end date needs no job: `Claim.effective_status`
shows it as expired everywhere.
"""

import re
from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..accounts import access
from ..accounts.audit import AuditAction, audit_claim_decision
from ..accounts.service import clean_text
from ..extensions import db
from ..i18n import bangkok_today
from ..models import AuditLog, Claim, ClaimEvidence, ClaimStatus, Lot, ProducerGroup, Product
from ..models import Variant as _Variant
from .labels import claim_status_label

TRANSITIONS = {
    ClaimStatus.PENDING: frozenset({ClaimStatus.VERIFIED, ClaimStatus.REJECTED}),
    ClaimStatus.VERIFIED: frozenset({ClaimStatus.REVOKED}),
}
DECIDED = (ClaimStatus.VERIFIED, ClaimStatus.REJECTED, ClaimStatus.REVOKED)
EVIDENCE_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}(\.[a-z0-9]{1,5})?$")


class ClaimNotFound(LookupError):
    """No such claim in this officer's area."""


class ClaimDecisionError(Exception):
    """The decision cannot be made; `field` names the form field when there is one."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def subject_group(claim):
    """The producer group a claim is about, directly or through its product or lot."""
    if claim.group is not None:
        return claim.group
    if claim.product is not None:
        return claim.product.group
    if claim.lot is not None:
        return claim.lot.variant.product.group
    return None


def _area_query(user):
    """Claims whose subject group lies in the officer's areas, with that group alongside."""
    product = aliased(Product)
    lot = aliased(Lot)
    variant = aliased(_Variant)
    lot_product = aliased(Product)
    group = aliased(ProducerGroup)
    group_id = func.coalesce(Claim.group_id, product.group_id, lot_product.group_id)
    return (
        select(Claim)
        .outerjoin(product, product.id == Claim.product_id)
        .outerjoin(lot, lot.id == Claim.lot_id)
        .outerjoin(variant, variant.id == lot.variant_id)
        .outerjoin(lot_product, lot_product.id == variant.product_id)
        .join(group, group.id == group_id)
        .where(access.officer_area_filter(user, group))
    )


def pending_claims(user):
    """Claims awaiting review in the officer's area, oldest first."""
    return db.session.scalars(
        _area_query(user)
        .where(Claim.status == ClaimStatus.PENDING)
        .order_by(Claim.created_at, Claim.id)
    ).all()


def recently_decided(user, limit=20):
    """Claims decided in the officer's area, latest decision first.

    The decision time is the latest claim.decided audit row, or `verified_at`
    for claims verified before the queue existed (imported, demo data).
    """
    last = (
        select(AuditLog.subject_id, func.max(AuditLog.at).label("at"))
        .where(AuditLog.action == AuditAction.CLAIM_DECIDED, AuditLog.subject_type == "claim")
        .group_by(AuditLog.subject_id)
        .subquery()
    )
    decided_at = func.coalesce(last.c.at, Claim.verified_at)
    return db.session.scalars(
        _area_query(user)
        .outerjoin(last, last.c.subject_id == Claim.id)
        .where(and_(Claim.status.in_(DECIDED), decided_at.is_not(None)))
        .order_by(decided_at.desc(), Claim.id.desc())
        .limit(limit)
    ).all()


def get_claim(user, claim_id):
    """The claim if it lies in the officer's area, else ClaimNotFound."""
    if not isinstance(claim_id, int) or not 0 < claim_id < 2**31:
        raise ClaimNotFound()
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        raise ClaimNotFound()
    group = subject_group(claim)
    if group is None or not access.officer_covers(user, group.province_code, group.district_code):
        raise ClaimNotFound()
    return claim


def get_evidence(user, claim_id, evidence_id):
    """(claim, evidence) for an evidence file of a claim in the officer's area."""
    claim = get_claim(user, claim_id)
    evidence = db.session.get(ClaimEvidence, evidence_id) if 0 < evidence_id < 2**31 else None
    if evidence is None or evidence.claim_id != claim.id or not EVIDENCE_KEY.match(evidence.key):
        raise ClaimNotFound()
    return claim, evidence


def is_own_group_claim(user, claim):
    """True when the user belongs to the group the claim is about."""
    return access.membership(user, subject_group(claim)) is not None


def check_may_decide(user, claim):
    """ClaimDecisionError when the officer belongs to the claim's group (any role)."""
    if is_own_group_claim(user, claim):
        raise ClaimDecisionError(
            gettext(
                "You belong to the group this claim is about, so another officer of the area "
                "must decide it."
            )
        )


def _check_transition(claim, status):
    if status not in TRANSITIONS.get(claim.status, ()):
        raise ClaimDecisionError(
            gettext(
                "This claim is “%(current)s”; it cannot become “%(new)s”.",
                current=claim_status_label(claim.status),
                new=claim_status_label(status),
            )
        )


def _reason(reason, required):
    reason = clean_text(reason, 2000)
    if required and not reason:
        raise ClaimDecisionError(gettext("Give the reason for this decision."), field="reason")
    return reason


def verify(user, claim_id, valid_from, valid_until, certificate_no="", reason=""):
    """Verify a pending claim for the given dates; fills a missing certificate number."""
    claim = get_claim(user, claim_id)
    check_may_decide(user, claim)
    _check_transition(claim, ClaimStatus.VERIFIED)
    if valid_from is None or valid_until is None:
        raise ClaimDecisionError(gettext("Enter both validity dates."), field="valid_until")
    if valid_until < valid_from:
        raise ClaimDecisionError(
            gettext("The end date must not be before the start date."), field="valid_until"
        )
    if valid_until < bangkok_today():
        raise ClaimDecisionError(gettext("The end date has already passed."), field="valid_until")
    certificate_no = clean_text(certificate_no, 80)
    if not claim.certificate_no:
        if not certificate_no:
            raise ClaimDecisionError(
                gettext("Enter the certificate number."), field="certificate_no"
            )
        claim.certificate_no = certificate_no
    claim.valid_from = valid_from
    claim.valid_until = valid_until
    claim.status = ClaimStatus.VERIFIED
    claim.verified_by_id = user.id
    claim.verified_at = datetime.now(UTC)
    claim.decision_reason = _reason(reason, required=False)
    db.session.flush()
    audit_claim_decision(claim, ClaimStatus.VERIFIED, claim.decision_reason)
    return claim


def _decide_with_reason(user, claim_id, status, reason):
    claim = get_claim(user, claim_id)
    check_may_decide(user, claim)
    _check_transition(claim, status)
    claim.decision_reason = _reason(reason, required=True)
    claim.status = status
    db.session.flush()
    audit_claim_decision(claim, status, claim.decision_reason)
    return claim


def reject(user, claim_id, reason):
    """Reject a pending claim; the reason is required."""
    return _decide_with_reason(user, claim_id, ClaimStatus.REJECTED, reason)


def revoke(user, claim_id, reason):
    """Revoke a verified claim; the reason is required."""
    return _decide_with_reason(user, claim_id, ClaimStatus.REVOKED, reason)
