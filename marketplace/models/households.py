"""Households that supply producer groups, their protected personal data and assessments.

The `household` table holds only what reports may show: a pseudonymous code and
area codes. Personal data sits in `household_personal`, read only through the
impact domain's access rules, and never joined into public queries.
"""

from sqlalchemy import CheckConstraint, Index, UniqueConstraint

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


class AssessmentSpan(db.Model):
    """Each assessment with the days it is in force, filed under its household's area.

    An assessment is in force from its date until the household's next one's
    (`until_on`, empty for the latest); `is_first` is 1 for the household's
    earliest. Kept up in the flush that adds, changes or deletes an assessment
    (the household's spans are worked out again) and refiled when a household's
    area codes change (`impact.summaries`), so an area report reads its households'
    spans from one range of the area index instead of finding them among every
    household's assessments. Derived data, so no foreign keys: `flask ledger
    summaries` rebuilds and checks it.
    """

    __tablename__ = "assessment_span"

    household_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    assessed_on = db.Column(db.Date, primary_key=True)
    until_on = db.Column(db.Date)
    is_first = db.Column(db.Integer, nullable=False)
    members = db.Column(db.Integer, nullable=False)
    income = db.Column(db.BigInteger, nullable=False)
    poverty_class = db.Column(db.String(16), nullable=False)
    province_code = db.Column(db.String(2), nullable=False)
    district_code = db.Column(db.String(4), nullable=False)
    subdistrict_code = db.Column(db.String(6), nullable=False)

    __table_args__ = (
        # An area's spans, read without visiting the table.
        Index(
            "ix_assessment_span_area",
            "province_code",
            "district_code",
            "subdistrict_code",
            "household_id",
            "assessed_on",
            "until_on",
            "is_first",
            "members",
            "income",
            "poverty_class",
        ),
    )
