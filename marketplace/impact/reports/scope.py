"""Who may read which report: areas an officer covers, groups and households in them."""

from __future__ import annotations

from sqlalchemy import exists, false, not_, select

from ... import areas
from ...accounts import access
from ...extensions import db
from ...models import Household, ProducerGroup
from ...models.households import household_group


class ReportNotFound(LookupError):
    """No such area, group or household for this viewer (the view answers 404)."""


def is_admin(viewer):
    return viewer is None or access.is_admin(viewer)


def check_area(viewer, province_code, district_code=None, subdistrict_code=None):
    """The (province, district, subdistrict) areas if they exist and the viewer covers them.

    `viewer=None` is the command line (sees everything). An officer of one
    district sees that district's reports, not its province's: ReportNotFound.
    """
    province = areas.province(province_code or "")
    district = areas.district(district_code) if district_code else None
    subdistrict = areas.subdistrict(subdistrict_code) if subdistrict_code else None
    if province is None:
        raise ReportNotFound()
    if district_code and (district is None or district.province_code != province.code):
        raise ReportNotFound()
    if subdistrict_code and (
        district is None or subdistrict is None or subdistrict.district_code != district.code
    ):
        raise ReportNotFound()
    if not is_admin(viewer):
        if district is None:
            covered = any(
                area.province_code == province.code and not area.district_code
                for area in (viewer.officer_areas if access.is_officer(viewer) else ())
            )
        else:
            covered = access.officer_covers(viewer, province.code, district.code)
        if not covered:
            raise ReportNotFound()
    return province, district, subdistrict


def viewer_sees_household(viewer, household_row):
    """True if the viewer may see this household's own row (admins and the CLI: all)."""
    if is_admin(viewer):
        return True
    return access.officer_covers(viewer, household_row.province_code, household_row.district_code)


def get_group(viewer, group_id):
    """The group if the viewer may read its report, else ReportNotFound.

    Officers: a group located in their area, or one that households of their area supply.
    """
    if not isinstance(group_id, int) or not 0 < group_id < 2**31:
        raise ReportNotFound()
    group = db.session.get(ProducerGroup, group_id)
    if group is None:
        raise ReportNotFound()
    if is_admin(viewer):
        return group
    if access.officer_covers(viewer, group.province_code, group.district_code):
        return group
    supplied = db.session.scalar(
        select(
            exists()
            .where(household_group.c.group_id == group.id)
            .where(household_group.c.household_id == Household.id)
            .where(access.officer_area_filter(viewer, Household))
        )
    )
    if not supplied:
        raise ReportNotFound()
    return group


def get_household(viewer, household_id):
    """The household if the viewer may read its report (officers: in their area)."""
    if not isinstance(household_id, int) or not 0 < household_id < 2**31:
        raise ReportNotFound()
    household = db.session.get(Household, household_id)
    if household is None or not viewer_sees_household(viewer, household):
        raise ReportNotFound()
    return household


def outside_area(viewer, place):
    """SQL: true for a place (Household, or columns with its area codes) the viewer may not see."""
    if is_admin(viewer):
        return false()
    return not_(access.officer_area_filter(viewer, place))
