"""How claims are presented to buyers: which show, in what order, with which badge.

The rules, decided once here so every page tells the same story:

- Only a claim whose `Claim.is_verified()` is true (verified, inside its
  validity dates) earns the "verified" badge.
- Self-declared and pending claims are shown for what they are, with their
  status spelled out and no badge.
- A verified claim past its end date is shown as *expired* (no badge); one
  whose start date is still ahead shows as pending (see `effective_status`).
- **Rejected** claims are never shown to buyers: they were checked and found
  untrue, so listing them, however labelled, would still advertise a false
  statement next to the product.
- **Revoked** claims *are* shown, clearly marked "Revoked" and listed last:
  they were once verified, so packages printed while they held may still be
  in buyers' hands, and a buyer scanning the lot's QR code deserves to learn
  that the claim no longer stands rather than see it silently vanish.

Issuer, certificate number, dates and status are always shown for the
claims that do appear.
"""

from dataclasses import dataclass

from ..i18n import bangkok_today
from ..models import Claim, ClaimStatus

# Display order: what a buyer can rely on first, withdrawn statements last.
_ORDER = {
    ClaimStatus.VERIFIED: 0,
    ClaimStatus.PENDING: 1,
    ClaimStatus.SELF_DECLARED: 2,
    ClaimStatus.EXPIRED: 3,
    ClaimStatus.REVOKED: 4,
}

HIDDEN_STATUSES = frozenset({ClaimStatus.REJECTED})


@dataclass(frozen=True)
class ClaimView:
    """A claim as a buyer sees it today."""

    claim: Claim
    status: str
    subject: str
    lot_code: str = ""

    @property
    def verified(self):
        """True only for the claims that earn the badge."""
        return self.status == ClaimStatus.VERIFIED

    @property
    def withdrawn(self):
        """True for a revoked claim, shown only as a warning."""
        return self.status == ClaimStatus.REVOKED

    @property
    def kind(self):
        """The claim's kind code."""
        return self.claim.kind


def claim_subject(claim):
    """'group', 'product' or 'lot': what the claim is about."""
    if claim.lot_id is not None:
        return "lot"
    if claim.product_id is not None:
        return "product"
    return "group"


def present_claims(claims, today=None):
    """The claims a buyer should see, as ClaimViews, most trustworthy first.

    Rejected claims are left out; duplicates (the same claim reached twice)
    are shown once.
    """
    today = today or bangkok_today()
    seen = set()
    views = []
    for claim in claims:
        if claim.id in seen:
            continue
        seen.add(claim.id)
        status = claim.effective_status(today)
        if status in HIDDEN_STATUSES:
            continue
        subject = claim_subject(claim)
        lot_code = claim.lot.code if subject == "lot" and claim.lot is not None else ""
        views.append(ClaimView(claim=claim, status=status, subject=subject, lot_code=lot_code))
    views.sort(key=lambda v: (_ORDER.get(v.status, 9), v.claim.kind, v.claim.id))
    return views


def verified_kinds(views):
    """The distinct claim kinds that earn a badge, in a stable order."""
    return sorted({view.kind for view in views if view.verified})
