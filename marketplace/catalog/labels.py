"""Human-readable, translatable labels for the codes stored in the catalog.

One mapping per code family; templates reach them through the template globals
the storefront blueprint registers (`claim_kind_label`, `claim_status_label` …).
An unknown code falls back to the code itself, so a new value never breaks a page.
"""

from flask_babel import lazy_gettext as _l

from ..models import ClaimKind, ClaimStatus, ContributionRole, GroupKind, LotKind

CLAIM_KINDS = {
    ClaimKind.CHEMICAL_FREE: _l("Chemical-free"),
    ClaimKind.ORGANIC_THAILAND: _l("Organic Thailand"),
    ClaimKind.PGS: _l("PGS organic"),
    ClaimKind.GAP: _l("GAP"),
    ClaimKind.Q_MARK: _l("Q mark"),
    ClaimKind.HANDMADE: _l("Handmade"),
    ClaimKind.NATURAL_DYE: _l("Natural dye"),
    ClaimKind.OTOP: _l("OTOP"),
}

CLAIM_STATUSES = {
    ClaimStatus.SELF_DECLARED: _l("Self-declared"),
    ClaimStatus.PENDING: _l("Awaiting verification"),
    ClaimStatus.VERIFIED: _l("Verified"),
    ClaimStatus.REJECTED: _l("Rejected"),
    ClaimStatus.REVOKED: _l("Revoked"),
    ClaimStatus.EXPIRED: _l("Expired"),
}

# What each status means to a buyer, in one sentence under the claim.
CLAIM_STATUS_EXPLANATIONS = {
    ClaimStatus.SELF_DECLARED: _l("Stated by the group itself; nobody has checked it yet."),
    ClaimStatus.PENDING: _l("Submitted for checking; not verified yet."),
    ClaimStatus.VERIFIED: _l("Checked and confirmed, valid today."),
    ClaimStatus.REJECTED: _l("Checked and not confirmed."),
    ClaimStatus.REVOKED: _l("Withdrawn after checking: it no longer holds."),
    ClaimStatus.EXPIRED: _l("Was verified, but its validity has ended."),
}

GROUP_KINDS = {
    GroupKind.OCCUPATIONAL: _l("Occupational group"),
    GroupKind.COMMUNITY_ENTERPRISE: _l("Community enterprise"),
    GroupKind.COOPERATIVE: _l("Cooperative"),
}

LOT_KINDS = {
    LotKind.HARVEST: _l("Harvest"),
    LotKind.PRODUCTION: _l("Production batch"),
}

LOT_DATE_LABELS = {
    LotKind.HARVEST: _l("Harvested"),
    LotKind.PRODUCTION: _l("Made"),
}

CONTRIBUTION_ROLES = {
    ContributionRole.GROWER: _l("Growers"),
    ContributionRole.WEAVER: _l("Weavers"),
    ContributionRole.PROCESSOR: _l("Processors"),
    ContributionRole.DYER: _l("Dyers"),
    ContributionRole.PACKER: _l("Packers"),
}

CLAIM_SUBJECTS = {
    "group": _l("the group"),
    "product": _l("this product"),
    "lot": _l("lot"),
}

SORTS = {
    "newest": _l("Newest"),
    "price_asc": _l("Price: low to high"),
    "price_desc": _l("Price: high to low"),
}


def _label(mapping, code):
    return mapping.get(code, code)


def claim_kind_label(kind):
    """'Chemical-free', 'Organic Thailand' … for a ClaimKind code."""
    return _label(CLAIM_KINDS, kind)


def claim_status_label(status):
    """'Verified', 'Self-declared' … for a ClaimStatus code."""
    return _label(CLAIM_STATUSES, status)


def claim_status_explanation(status):
    """One sentence telling a buyer what a claim status means."""
    return _label(CLAIM_STATUS_EXPLANATIONS, status)


def group_kind_label(kind):
    """'Community enterprise', 'Cooperative' … for a GroupKind code."""
    return _label(GROUP_KINDS, kind)


def lot_kind_label(kind):
    """'Harvest' or 'Production batch' for a LotKind code."""
    return _label(LOT_KINDS, kind)


def lot_date_label(kind):
    """'Harvested' or 'Made': the caption of a lot's date."""
    return _label(LOT_DATE_LABELS, kind)


def contribution_role_label(role):
    """'Growers', 'Weavers' … for a ContributionRole code (plural: it heads a count)."""
    return _label(CONTRIBUTION_ROLES, role)


def claim_subject_label(subject):
    """What a claim is about, as a phrase: 'the group', 'this product', 'lot'."""
    return _label(CLAIM_SUBJECTS, subject)


def sort_label(sort):
    """The caption of a catalog sort order."""
    return _label(SORTS, sort)


TEMPLATE_GLOBALS = {
    "claim_kind_label": claim_kind_label,
    "claim_status_label": claim_status_label,
    "claim_status_explanation": claim_status_explanation,
    "group_kind_label": group_kind_label,
    "lot_kind_label": lot_kind_label,
    "lot_date_label": lot_date_label,
    "contribution_role_label": contribution_role_label,
    "claim_subject_label": claim_subject_label,
    "sort_label": sort_label,
}
