"""Role × route matrix rows for household assessments and PDPA rights (export, erasure).

Office: the access export and erasure are the group's own leader's alone (not
staff, not admins). Officer: a household's page, its assessments and its full
export for officers of its area (the officer of province 50 gets 404 for A's
household in 57); the registry import and its template for any officer.
An empty POST to the erase form is refused by the form (400): it needs the
household's code typed in, so the matrix erases nothing.
"""

from datetime import date

from marketplace.extensions import db
from marketplace.models import HouseholdAssessment

from .matrix_rows import ANY_OFFICER, AREA_OFFICER, OFFICE, OWN_LEADER

EXPECT = {
    ("office.household_export", "GET"): (
        OFFICE + "/households/{household}/export.json",
        OWN_LEADER,
    ),
    ("office.household_erase", "GET"): (OFFICE + "/households/{household}/erase", OWN_LEADER),
    ("office.household_erase", "POST"): (OFFICE + "/households/{household}/erase", OWN_LEADER),
    ("officer.household", "GET"): ("/officer/households/{household}", AREA_OFFICER),
    ("officer.assessment_new", "GET"): (
        "/officer/households/{household}/assessments/new",
        AREA_OFFICER,
    ),
    ("officer.assessment_new", "POST"): (
        "/officer/households/{household}/assessments/new",
        AREA_OFFICER,
    ),
    ("officer.household_export", "GET"): (
        "/officer/households/{household}/export.json",
        AREA_OFFICER,
    ),
    ("officer.assessments_import", "GET"): ("/officer/assessments/import", ANY_OFFICER),
    ("officer.assessments_import", "POST"): ("/officer/assessments/import", ANY_OFFICER),
    ("officer.assessments_template", "GET"): ("/officer/assessments/template.csv", ANY_OFFICER),
}

OBJECT_IDS = []


def add_to_world(group, ids):
    """A baseline assessment of the group's household, so exports carry one."""
    db.session.add(
        HouseholdAssessment(
            household_id=ids["household"],
            assessed_on=date(2025, 3, 15),
            members=4,
            annual_income_satang=8_500_000,
            poverty_class="difficult",
            consent_on=date(2025, 3, 15),
        )
    )
    db.session.flush()
