"""SQLAlchemy models, one module per area; importing this registers them all."""

from .accounts import AuditLog, GroupMembership, MembershipRole, OfficerArea, User
from .catalog import (
    Category,
    Claim,
    ClaimEvidence,
    ClaimKind,
    ClaimStatus,
    ContributionRole,
    GroupKind,
    Lot,
    LotContribution,
    LotKind,
    ProducerGroup,
    Product,
    ProductImage,
    ProductStatus,
    Variant,
)
from .households import Household, HouseholdAssessment, HouseholdPersonal, PovertyClass

__all__ = [
    "AuditLog",
    "GroupMembership",
    "MembershipRole",
    "OfficerArea",
    "Category",
    "Claim",
    "ClaimEvidence",
    "ClaimKind",
    "ClaimStatus",
    "ContributionRole",
    "GroupKind",
    "Household",
    "HouseholdAssessment",
    "HouseholdPersonal",
    "Lot",
    "LotContribution",
    "LotKind",
    "PovertyClass",
    "ProducerGroup",
    "Product",
    "ProductImage",
    "ProductStatus",
    "User",
    "Variant",
]
