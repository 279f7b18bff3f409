"""Households that supply producer groups, their protected personal data and assessments.

The `household` table holds only what reports may show: a pseudonymous code and
area codes. Personal data sits in `household_personal`, read only through the
impact domain's access rules, and never joined into public queries.
"""

from sqlalchemy import CheckConstraint, UniqueConstraint

from ..extensions import db
from .accounts import utcnow
from .catalog import PlaceMixin

household_group = db.Table(
    "household_group",
    db.Column("household_id", db.ForeignKey("household.id"), primary_key=True),
    db.Column("group_id", db.ForeignKey("producer_group.id"), primary_key=True),
)


class Household(PlaceMixin, db.Model):
    """A household known to the marketplace by a pseudonymous code."""

    __tablename__ = "household"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(20), nullable=False, unique=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    erased_at = db.Column(db.DateTime(timezone=True))

    groups = db.relationship("ProducerGroup", secondary=household_group, backref="households")
    contributions = db.relationship("LotContribution", back_populates="household")
    personal = db.relationship(
        "HouseholdPersonal",
        back_populates="household",
        uselist=False,
        cascade="all, delete-orphan",
    )
    assessments = db.relationship(
        "HouseholdAssessment",
        back_populates="household",
        order_by="HouseholdAssessment.assessed_on",
    )

    def __repr__(self):
        return f"<Household {self.code}>"


class HouseholdPersonal(db.Model):
    """Personal data of a household (PDPA): kept apart, minimal, erasable."""

    __tablename__ = "household_personal"

    household_id = db.Column(db.ForeignKey("household.id"), primary_key=True)
    head_name = db.Column(db.String(200), nullable=False, default="")
    phone = db.Column(db.String(20), nullable=False, default="")
    registry_ref_hash = db.Column(db.String(64), nullable=False, default="")
    consent_on = db.Column(db.Date)
    consent_note = db.Column(db.String(300), nullable=False, default="")

    household = db.relationship("Household", back_populates="personal")


class PovertyClass:
    """The four TPMAP-style classes, from hardest to best off."""

    STRUGGLING = "struggling"  # อยู่ลำบาก
    DIFFICULT = "difficult"  # อยู่ยาก
    GETTING_BY = "getting_by"  # อยู่พอได้
    WELL_OFF = "well_off"  # อยู่ดี
    ALL = (STRUGGLING, DIFFICULT, GETTING_BY, WELL_OFF)


class HouseholdAssessment(db.Model):
    """A dated survey of one household: size, income, poverty class and TPMAP dimensions."""

    __tablename__ = "household_assessment"

    id = db.Column(db.Integer, primary_key=True)
    household_id = db.Column(db.ForeignKey("household.id"), nullable=False, index=True)
    assessed_on = db.Column(db.Date, nullable=False)
    members = db.Column(db.Integer, nullable=False)
    annual_income_satang = db.Column(db.BigInteger, nullable=False)
    poverty_class = db.Column(db.String(16), nullable=False)
    # TPMAP dimensions: True where the household is deprived in that dimension.
    deprived_health = db.Column(db.Boolean, nullable=False, default=False)
    deprived_living = db.Column(db.Boolean, nullable=False, default=False)
    deprived_education = db.Column(db.Boolean, nullable=False, default=False)
    deprived_income = db.Column(db.Boolean, nullable=False, default=False)
    deprived_access = db.Column(db.Boolean, nullable=False, default=False)
    source = db.Column(db.String(40), nullable=False, default="survey")
    # The household's consent to this survey being kept and used in reports (PDPA).
    consent_on = db.Column(db.Date)
    consent_note = db.Column(db.String(300), nullable=False, default="")
    entered_by_id = db.Column(db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    household = db.relationship("Household", back_populates="assessments")

    __table_args__ = (
        UniqueConstraint("household_id", "assessed_on", name="uq_assessment_household_date"),
        CheckConstraint("members > 0", name="members_positive"),
        CheckConstraint("annual_income_satang >= 0", name="income_not_negative"),
        CheckConstraint(f"poverty_class IN {PovertyClass.ALL!r}", name="poverty_class"),
    )
