"""Member households of a producer group: register, edit, import, and read them safely.

Rules decided here:
- A group's household functions only ever see that group's households; an id
  from another group is `HouseholdNotFound` (the view answers 404, so ids of
  other groups' households cannot even be probed).
- Personal data (head's name, phone, registry reference) is stored only with a
  consent date; the registry reference is kept as a keyed hash (HMAC-SHA256
  with HOUSEHOLD_HASH_KEY, or a key derived from SECRET_KEY), never raw.
- Poverty assessments are never read here: the office has no use for them.
- Codes are pseudonymous: given by the group, or generated as the province
  code plus a running number (57-00001).
"""

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select

from .. import areas
from ..accounts import access
from ..accounts.audit import AuditAction, audit
from ..accounts.service import clean_text
from ..csv_import import CsvImportError, CsvProblem, read_rows, template_bytes
from ..extensions import db
from ..i18n import NotADate, bangkok_today, parse_ymd
from ..models import Household, HouseholdPersonal, Lot, LotContribution, ProducerGroup
from ..models.households import household_group

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
# Nine or more digits in a row, hyphens aside, looks like an ID card (13), a house
# registration (11) or a phone number (9-10): the code is shown in every report and
# kept after erasure, so it must never be one.
ID_LIKE = re.compile(r"[0-9]{9,}")
REGISTRY_REF = re.compile(r"^[0-9A-Z]{6,20}$")
PHONE = re.compile(r"^\+?[0-9]{9,15}$")

IMPORT_COLUMNS = (
    "code",
    "head_name",
    "village",
    "moo",
    "subdistrict_code",
    "phone",
    "consent_date",
    "consent_note",
    "registry_ref",
)
IMPORT_REQUIRED = ("head_name", "village", "subdistrict_code", "consent_date")
IMPORT_MAX_BYTES = 512 * 1024
IMPORT_MAX_ROWS = 2000


class HouseholdError(Exception):
    """A household value is wrong; `field` names the form field when there is one."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class HouseholdNotFound(LookupError):
    """No such household in this group (or in this officer's area)."""


# -- values ------------------------------------------------------------------------------


def registry_hash(value):
    """The keyed hash stored for a registry reference ("" for none)."""
    if not value:
        return ""
    key = current_app.config.get("HOUSEHOLD_HASH_KEY") or ""
    if key:
        key = key.encode() if isinstance(key, str) else key
    else:
        # A key of its own, derived from SECRET_KEY, so this hash never equals
        # another HMAC the app makes with the secret key.
        secret = str(current_app.config["SECRET_KEY"]).encode()
        key = hmac.new(secret, b"household-registry-ref", hashlib.sha256).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def normalize_registry_ref(value):
    """A registry reference without spaces and dashes, upper-cased; HouseholdError if odd."""
    value = re.sub(r"[\s-]", "", clean_text(value)).upper()
    if value and not REGISTRY_REF.match(value):
        raise HouseholdError(
            gettext("The registry reference is 6 to 20 letters or digits."),
            field="registry_ref",
        )
    return value


def parse_consent_date(value, today=None):
    """A consent date from YYYY-MM-DD text; Buddhist-era years (2568) are converted."""
    today = today or bangkok_today()
    value = clean_text(value)
    try:
        result = parse_ymd(value)
    except NotADate as error:
        if error.shape:
            message = gettext(
                "Write the consent date as YYYY-MM-DD, e.g. 2568-01-15 or 2025-01-15."
            )
        else:
            message = gettext("%(value)s is not a real date.", value=value)
        raise HouseholdError(message, field="consent_on") from None
    if result > today:
        raise HouseholdError(
            gettext("The consent date cannot be in the future."), field="consent_on"
        )
    if result.year < 2000:
        raise HouseholdError(gettext("The consent date is too far back."), field="consent_on")
    return result


def _place(subdistrict_code):
    subdistrict = areas.subdistrict(clean_text(subdistrict_code))
    if subdistrict is None:
        raise HouseholdError(
            gettext("Choose a subdistrict (6-digit code)."), field="subdistrict_code"
        )
    return subdistrict


def _moo(value):
    if value in (None, ""):
        return None
    try:
        moo = int(str(value).strip())
    except ValueError:
        moo = 0
    if not 1 <= moo <= 99:
        raise HouseholdError(gettext("Moo is a number from 1 to 99."), field="moo")
    return moo


@dataclass
class HouseholdValues:
    """Checked values of one household, ready to store."""

    code: str
    village: str
    moo: int | None
    subdistrict_code: str
    district_code: str
    province_code: str
    head_name: str
    phone: str
    registry_ref: str
    consent_on: date | None
    consent_note: str
    extra: dict = field(default_factory=dict)


def check_values(values, today=None):
    """HouseholdValues from plain strings, or HouseholdError naming the first bad field."""
    code = clean_text(values.get("code", ""), 40).upper()
    if code and not CODE.match(code):
        raise HouseholdError(
            gettext("A code is up to 20 capital letters, digits and hyphens."), field="code"
        )
    if ID_LIKE.search(code.replace("-", "")):
        raise HouseholdError(
            gettext(
                "A code must not be an ID card, house registration or phone number. "
                "Leave it empty to get a code made for you."
            ),
            field="code",
        )
    village = clean_text(values.get("village", ""))
    if not village:
        raise HouseholdError(gettext("Enter the village."), field="village")
    if len(village) > 120:
        raise HouseholdError(gettext("The village name is too long."), field="village")
    moo = _moo(values.get("moo"))
    subdistrict = _place(values.get("subdistrict_code", ""))
    head_name = clean_text(values.get("head_name", ""))
    if not head_name:
        raise HouseholdError(gettext("Enter the name of the head of household."), "head_name")
    if len(head_name) > 200:
        raise HouseholdError(gettext("The name is too long."), field="head_name")
    phone = re.sub(r"[\s()-]", "", clean_text(values.get("phone", "")))
    if phone and not PHONE.match(phone):
        raise HouseholdError(gettext("Enter a phone number of digits only."), field="phone")
    registry_ref = normalize_registry_ref(values.get("registry_ref", ""))
    consent_text = clean_text(values.get("consent_on", ""))
    if not consent_text:
        raise HouseholdError(
            gettext("Personal data is kept only with the household's consent: enter its date."),
            field="consent_on",
        )
    consent_on = parse_consent_date(consent_text, today)
    consent_note = clean_text(values.get("consent_note", ""))
    if len(consent_note) > 300:
        raise HouseholdError(gettext("The consent note is too long."), field="consent_note")
    return HouseholdValues(
        code=code,
        village=village,
        moo=moo,
        subdistrict_code=subdistrict.code,
        district_code=subdistrict.district_code,
        province_code=subdistrict.province_code,
        head_name=head_name,
        phone=phone,
        registry_ref=registry_ref,
        consent_on=consent_on,
        consent_note=consent_note,
    )


# -- codes -------------------------------------------------------------------------------


def _code_taken(code):
    return db.session.scalar(select(Household.id).where(Household.code == code)) is not None


def _next_numbers(province_code):
    """Running numbers for generated codes of a province, starting after the highest used."""
    prefix = f"{province_code}-"
    codes = db.session.scalars(select(Household.code).where(Household.code.like(f"{prefix}%")))
    highest = 0
    for code in codes:
        tail = code[len(prefix) :]
        if tail.isdigit():
            highest = max(highest, int(tail))
    n = highest
    while True:
        n += 1
        yield f"{prefix}{n:05d}"


# -- reads -------------------------------------------------------------------------------


def group_households_query(group):
    """Households supplying `group`, by code."""
    return (
        select(Household)
        .join(household_group, household_group.c.household_id == Household.id)
        .where(household_group.c.group_id == group.id)
        .order_by(Household.code)
    )


def get_group_household(group, household_id):
    """The household `household_id` if it supplies `group`, else HouseholdNotFound."""
    if not isinstance(household_id, int) or not 0 < household_id < 2**31:
        raise HouseholdNotFound()
    household = db.session.scalar(group_households_query(group).where(Household.id == household_id))
    if household is None:
        raise HouseholdNotFound()
    return household


def contributions_by_lot(households):
    """{household id: [(lot code, total quantity, unit)]}: what each supplied, lot by lot."""
    ids = [h.id for h in households]
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            LotContribution.household_id,
            Lot.code,
            func.sum(LotContribution.quantity),
            LotContribution.unit,
        )
        .join(Lot, Lot.id == LotContribution.lot_id)
        .where(LotContribution.household_id.in_(ids))
        .group_by(LotContribution.household_id, Lot.code, LotContribution.unit)
        .order_by(LotContribution.household_id, Lot.code)
    ).all()
    result = {}
    for household_id, lot_code, total, unit in rows:
        result.setdefault(household_id, []).append((lot_code, int(total), unit))
    return result


def officer_households_query(user):
    """Households in the officer's areas, by code (nothing for anyone else)."""
    return (
        select(Household)
        .where(access.officer_area_filter(user, Household))
        .order_by(Household.province_code, Household.code)
    )


def officer_can_see(user, household):
    """True if `user` is an officer whose area holds this household."""
    return access.officer_covers(user, household.province_code, household.district_code)


def groups_by_household(households):
    """{household id: [ProducerGroup]} for a page of households, in one query."""
    ids = [h.id for h in households]
    if not ids:
        return {}
    rows = db.session.execute(
        select(household_group.c.household_id, ProducerGroup)
        .join(ProducerGroup, ProducerGroup.id == household_group.c.group_id)
        .where(household_group.c.household_id.in_(ids))
        .order_by(ProducerGroup.name_th)
    ).all()
    result = {}
    for household_id, group in rows:
        result.setdefault(household_id, []).append(group)
    return result


# -- writes ------------------------------------------------------------------------------


def _registry_ref_problem(values, household=None):
    """A message when the registry reference is recorded for another household, else None.

    The registry import matches assessments to households by this reference, so
    two households holding one would make every later import of it fail.
    """
    if not values.registry_ref:
        return None
    query = select(HouseholdPersonal.household_id).where(
        HouseholdPersonal.registry_ref_hash == registry_hash(values.registry_ref)
    )
    if household is not None and household.id is not None:
        query = query.where(HouseholdPersonal.household_id != household.id)
    if db.session.scalar(query.limit(1)) is None:
        return None
    return gettext(
        "This registry reference is already recorded for another household. "
        "Check the number. A household is registered once, even when it supplies two groups: "
        "if another group registered it, add it with “A household of another group”."
    )


def _store_personal(household, values):
    personal = household.personal
    if personal is None:
        personal = HouseholdPersonal(household=household)
        db.session.add(personal)
    personal.head_name = values.head_name
    personal.phone = values.phone
    if values.registry_ref:
        personal.registry_ref_hash = registry_hash(values.registry_ref)
    personal.consent_on = values.consent_on
    personal.consent_note = values.consent_note


def create_household(group, fields, today=None):
    """Register a household supplying `group`; HouseholdError on bad or taken values."""
    values = check_values(fields, today)
    code = values.code or next(_next_numbers(values.province_code))
    if _code_taken(code):
        raise HouseholdError(gettext("The code %(code)s is already used.", code=code), "code")
    problem = _registry_ref_problem(values)
    if problem:
        raise HouseholdError(problem, "registry_ref")
    household = Household(
        code=code,
        village=values.village,
        moo=values.moo,
        subdistrict_code=values.subdistrict_code,
        district_code=values.district_code,
        province_code=values.province_code,
    )
    household.groups.append(group)
    db.session.add(household)
    _store_personal(household, values)
    db.session.flush()
    return household


def link_household(group, fields, today=None):
    """Add to `group` a household that another group registered, found by its registry reference.

    The leader has the reference from the household itself (it is never shown
    anywhere) and records the day the household agreed to supply this group
    too. HouseholdError when no household holds that reference (or its data
    was erased), or when it is the group's already. Audited; flushes; returns
    the household.
    """
    registry_ref = normalize_registry_ref(fields.get("registry_ref", ""))
    if not registry_ref:
        raise HouseholdError(
            gettext("Enter the household's house registration number."), field="registry_ref"
        )
    consent_on = parse_consent_date(fields.get("consent_on"), today)
    household = db.session.scalar(
        select(Household)
        .join(HouseholdPersonal, HouseholdPersonal.household_id == Household.id)
        .where(
            HouseholdPersonal.registry_ref_hash == registry_hash(registry_ref),
            Household.erased_at.is_(None),
        )
    )
    if household is None:
        raise HouseholdError(
            gettext(
                "No household is registered with this number. Check it, or add the "
                "household as a new one."
            ),
            field="registry_ref",
        )
    if group in household.groups:
        raise HouseholdError(
            gettext("Household %(code)s is one of this group's already.", code=household.code),
            field="registry_ref",
        )
    household.groups.append(group)
    db.session.flush()
    audit(
        AuditAction.HOUSEHOLD_LINKED,
        household,
        code=household.code,
        group=group.slug,
        consent_on=consent_on.isoformat(),
        consent_note=clean_text(fields.get("consent_note") or "", 300),
    )
    return household


def update_household(group, household_id, fields, today=None):
    """Change a household of `group` (its code stays); a blank registry ref keeps the old one."""
    household = get_group_household(group, household_id)
    if household.erased_at is not None:
        raise HouseholdError(gettext("This household's personal data was erased."))
    values = check_values(dict(fields, code=household.code), today)
    problem = _registry_ref_problem(values, household)
    if problem:
        raise HouseholdError(problem, "registry_ref")
    household.village = values.village
    household.moo = values.moo
    household.subdistrict_code = values.subdistrict_code
    household.district_code = values.district_code
    household.province_code = values.province_code
    _store_personal(household, values)
    db.session.flush()
    return household


def import_households(group, data, today=None):
    """Register every household of a CSV upload for `group`, or none: CsvImportError lists why.

    Columns: see IMPORT_COLUMNS; `consent_date` takes YYYY-MM-DD in either era.
    """
    rows = read_rows(
        data,
        IMPORT_COLUMNS,
        required=IMPORT_REQUIRED,
        max_bytes=IMPORT_MAX_BYTES,
        max_rows=IMPORT_MAX_ROWS,
    )
    problems = []
    checked = []
    codes_in_file = {}
    refs_in_file = {}
    for line, row in rows:
        fields = dict(row, consent_on=row.get("consent_date", ""))
        try:
            values = check_values(fields, today)
        except HouseholdError as error:
            problems.append(CsvProblem(line, error.message))
            continue
        if values.code:
            if values.code in codes_in_file:
                problems.append(
                    CsvProblem(
                        line,
                        gettext(
                            "The code %(code)s is also on line %(other)d.",
                            code=values.code,
                            other=codes_in_file[values.code],
                        ),
                    )
                )
                continue
            codes_in_file[values.code] = line
            if _code_taken(values.code):
                problems.append(
                    CsvProblem(
                        line, gettext("The code %(code)s is already used.", code=values.code)
                    )
                )
                continue
        if values.registry_ref:
            if values.registry_ref in refs_in_file:
                problems.append(
                    CsvProblem(
                        line,
                        gettext(
                            "The registry reference is also on line %(other)d.",
                            other=refs_in_file[values.registry_ref],
                        ),
                    )
                )
                continue
            refs_in_file[values.registry_ref] = line
            problem = _registry_ref_problem(values)
            if problem:
                problems.append(CsvProblem(line, problem))
                continue
        checked.append(values)
    if problems:
        raise CsvImportError(problems)

    generators = {}
    created = []
    for values in checked:
        code = values.code
        if not code:
            numbers = generators.setdefault(
                values.province_code, _next_numbers(values.province_code)
            )
            code = next(numbers)
            while code in codes_in_file:
                code = next(numbers)
        household = Household(
            code=code,
            village=values.village,
            moo=values.moo,
            subdistrict_code=values.subdistrict_code,
            district_code=values.district_code,
            province_code=values.province_code,
        )
        household.groups.append(group)
        db.session.add(household)
        _store_personal(household, values)
        created.append(household)
    db.session.flush()
    return created


def import_template(group):
    """The CSV template for household imports, with one example row in the group's area."""
    example = (
        "",
        "นางสมศรี ใจดี",
        group.village or "บ้านดอยงาม",
        str(group.moo or 5),
        group.subdistrict_code or "570505",
        "0812345678",
        "2568-01-15",
        "ยินยอมด้วยวาจาต่อหน้าผู้ใหญ่บ้าน",
        "",
    )
    return template_bytes(IMPORT_COLUMNS, [example])
