"""Household assessments: recorded by officers, or imported from a poverty-registry CSV export.

Rules decided here:
- Only officers touch assessments, and only for households in their areas; a
  household outside them is `HouseholdNotFound` (the view answers 404), so ids
  of other areas cannot be probed. Group leaders never read assessments.
- Every assessment carries the household's consent (a date, and a note on
  how it was given); without it nothing is stored.
- Dates are accepted as ISO (2025-03-15), or day/month/year (15/03/2568), the
  way Thai registries write them; a year above 2400 is Buddhist era (-543).
- Poverty classes are accepted as the Thai labels (อยู่ลำบาก, อยู่ยาก, อยู่พอได้,
  อยู่ดี) or the English codes (struggling, difficult, getting_by, well_off).
- A registry import matches rows to the marketplace's households by the keyed
  hash of the national household id, within the officer's areas. The id itself
  is hashed as soon as it is read and is never stored, logged or shown.
- Import is all or nothing for *bad* rows: one wrong value and nothing is
  imported, every wrong line listed. Rows that match no household in the
  officer's areas are *skipped and counted*, not refused: a registry export
  covers a whole subdistrict or district, of which only some households supply
  a group, and telling "unknown" apart from "in another area" would reveal
  which households the marketplace knows elsewhere. A file matching nothing at
  all is refused. A row already recorded with the same values is skipped too,
  so a file can be uploaded again safely; the same household and date with
  other values is an error.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from sqlalchemy import select

from ..accounts import access
from ..accounts.audit import AuditAction, audit
from ..accounts.service import clean_text
from ..csv_import import CsvImportError, CsvProblem, decode, read_rows, template_bytes
from ..extensions import db
from ..i18n import NotADate, bangkok_today, calendar_date
from ..models import Household, HouseholdAssessment, HouseholdPersonal
from ..models.households import PovertyClass
from .households import (
    HouseholdError,
    HouseholdNotFound,
    normalize_registry_ref,
    registry_hash,
)

MAX_MEMBERS = 50
MAX_ANNUAL_INCOME_SATANG = 100_000_000 * 100  # 100 million baht: beyond it, a typo
SOURCE_SURVEY = "survey"
SOURCE_REGISTRY = "registry"

DIMENSIONS = ("health", "living", "education", "income", "access")

# The registry CSV: one row per assessed household.
IMPORT_COLUMNS = (
    "household_id",
    "assessed_on",
    "members",
    "annual_income_baht",
    "poverty_class",
    "deprived_health",
    "deprived_living",
    "deprived_education",
    "deprived_income",
    "deprived_access",
    "consent_date",
    "consent_note",
)
IMPORT_REQUIRED = (
    "household_id",
    "assessed_on",
    "members",
    "annual_income_baht",
    "poverty_class",
    "consent_date",
)
# Thai headings a spreadsheet may use instead of the English column names.
COLUMN_ALIASES = {
    "รหัสบ้าน": "household_id",
    "เลขรหัสประจำบ้าน": "household_id",
    "วันที่สำรวจ": "assessed_on",
    "จำนวนสมาชิก": "members",
    "รายได้ต่อปี": "annual_income_baht",
    "รายได้ครัวเรือนต่อปี": "annual_income_baht",
    "ระดับความยากจน": "poverty_class",
    "ด้านสุขภาพ": "deprived_health",
    "ด้านความเป็นอยู่": "deprived_living",
    "ด้านการศึกษา": "deprived_education",
    "ด้านรายได้": "deprived_income",
    "ด้านการเข้าถึงบริการรัฐ": "deprived_access",
    "วันที่ให้ความยินยอม": "consent_date",
    "หมายเหตุความยินยอม": "consent_note",
}
IMPORT_MAX_BYTES = 1024 * 1024
IMPORT_MAX_ROWS = 5000
# Households looked up per query: under every database's bound-parameter limit.
_MATCH_CHUNK = 500

POVERTY_CLASS_INPUTS = {
    "อยู่ลำบาก": PovertyClass.STRUGGLING,
    "อยู่ยาก": PovertyClass.DIFFICULT,
    "อยู่พอได้": PovertyClass.GETTING_BY,
    "อยู่ดี": PovertyClass.WELL_OFF,
    "struggling": PovertyClass.STRUGGLING,
    "difficult": PovertyClass.DIFFICULT,
    "getting_by": PovertyClass.GETTING_BY,
    "getting by": PovertyClass.GETTING_BY,
    "getting-by": PovertyClass.GETTING_BY,
    "well_off": PovertyClass.WELL_OFF,
    "well off": PovertyClass.WELL_OFF,
    "well-off": PovertyClass.WELL_OFF,
}
POVERTY_CLASS_THAI = {
    PovertyClass.STRUGGLING: "อยู่ลำบาก",
    PovertyClass.DIFFICULT: "อยู่ยาก",
    PovertyClass.GETTING_BY: "อยู่พอได้",
    PovertyClass.WELL_OFF: "อยู่ดี",
}
# "Deprived in this dimension": yes / no, as spreadsheets and the registry write it
# (ตกเกณฑ์ = fails the threshold = deprived; ผ่านเกณฑ์ = passes it).
_FLAG_TRUE = {"1", "y", "yes", "true", "t", "x", "ใช่", "มี", "ขาด", "ตกเกณฑ์", "ไม่ผ่าน"}
_FLAG_FALSE = {"", "0", "n", "no", "false", "f", "-", "ไม่ใช่", "ไม่มี", "ไม่ขาด", "ผ่าน", "ผ่านเกณฑ์"}


class AssessmentError(Exception):
    """An assessment value is wrong; `field` names the form field when there is one."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def poverty_class_label(code):
    """A poverty class as people read it, in the current language."""
    labels = {
        PovertyClass.STRUGGLING: gettext("Struggling (อยู่ลำบาก)"),
        PovertyClass.DIFFICULT: gettext("Difficult (อยู่ยาก)"),
        PovertyClass.GETTING_BY: gettext("Getting by (อยู่พอได้)"),
        PovertyClass.WELL_OFF: gettext("Well off (อยู่ดี)"),
    }
    return labels.get(code, code)


def dimension_label(name):
    """A TPMAP dimension's name in the current language."""
    labels = {
        "health": gettext("Health"),
        "living": gettext("Living conditions"),
        "education": gettext("Education"),
        "income": gettext("Income"),
        "access": gettext("Access to public services"),
    }
    return labels.get(name, name)


# -- values ------------------------------------------------------------------------------


def parse_date(value, field_name, today=None, label=None):
    """A date from 2025-03-15, 2568-03-15 or 15/03/2568 (also with - or .); not in the future."""
    today = today or bangkok_today()
    text = clean_text(value)
    label = label or gettext("The date")
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    dmy = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif dmy:
        day, month, year = (int(part) for part in dmy.groups())
    else:
        raise AssessmentError(
            gettext(
                "%(label)s %(value)s is not a date: write 15/03/2568 or 2025-03-15.",
                label=label,
                value=text[:20] or "—",
            ),
            field=field_name,
        )
    try:
        result = calendar_date(year, month, day)
    except NotADate:
        raise AssessmentError(
            gettext("%(label)s %(value)s is not a real date.", label=label, value=text),
            field=field_name,
        ) from None
    if result > today:
        raise AssessmentError(
            gettext("%(label)s cannot be in the future.", label=label), field=field_name
        )
    if result.year < 2000:
        raise AssessmentError(gettext("%(label)s is too far back.", label=label), field=field_name)
    return result


def parse_members(value):
    """The number of household members, 1 to 50."""
    text = clean_text(str(value if value is not None else ""))
    if not re.fullmatch(r"\d{1,3}", text) or not 1 <= int(text) <= MAX_MEMBERS:
        raise AssessmentError(
            gettext("Members is a whole number from 1 to %(max)d.", max=MAX_MEMBERS),
            field="members",
        )
    return int(text)


def parse_baht(value):
    """Integer satang from baht text such as 85,000 or ฿85000.50; never negative."""
    text = re.sub(r"[\s,฿]|บาท", "", clean_text(str(value if value is not None else "")))
    message = gettext(
        "The annual income is an amount in baht, e.g. 85000 or 85,000.50.",
    )
    if not re.fullmatch(r"\d{1,12}(\.\d{1,2})?", text):
        raise AssessmentError(message, field="annual_income")
    try:
        satang = int(Decimal(text) * 100)
    except InvalidOperation:
        raise AssessmentError(message, field="annual_income") from None
    if satang > MAX_ANNUAL_INCOME_SATANG:
        raise AssessmentError(
            gettext("The annual income is too large; check the amount."), field="annual_income"
        )
    return satang


def parse_poverty_class(value):
    """A PovertyClass code from a Thai label or an English code."""
    text = re.sub(r"\s+", " ", clean_text(value)).lower()
    found = POVERTY_CLASS_INPUTS.get(text) or POVERTY_CLASS_INPUTS.get(text.replace(" ", ""))
    if found is None:
        raise AssessmentError(
            gettext(
                "The poverty class is one of อยู่ลำบาก, อยู่ยาก, อยู่พอได้, อยู่ดี "
                "(or struggling, difficult, getting_by, well_off)."
            ),
            field="poverty_class",
        )
    return found


def parse_flag(value, name):
    """True where the household is deprived in dimension `name` (1/0, yes/no, ใช่/ไม่ใช่ …)."""
    if isinstance(value, bool):
        return value
    text = clean_text(str(value if value is not None else "")).lower()
    if text in _FLAG_TRUE:
        return True
    if text in _FLAG_FALSE:
        return False
    raise AssessmentError(
        gettext(
            "%(dimension)s: write 1 where the household is deprived, 0 where not.",
            dimension=dimension_label(name),
        ),
        field=f"deprived_{name}",
    )


@dataclass
class AssessmentValues:
    """Checked values of one assessment, ready to store."""

    assessed_on: date
    members: int
    annual_income_satang: int
    poverty_class: str
    deprived: dict
    consent_on: date
    consent_note: str
    extra: dict = field(default_factory=dict)

    def same_as(self, assessment):
        """True if `assessment` holds exactly these numbers (a re-imported row)."""
        return (
            assessment.assessed_on == self.assessed_on
            and assessment.members == self.members
            and assessment.annual_income_satang == self.annual_income_satang
            and assessment.poverty_class == self.poverty_class
            and all(
                bool(getattr(assessment, f"deprived_{name}")) == self.deprived[name]
                for name in DIMENSIONS
            )
        )


def check_values(values, today=None):
    """AssessmentValues from plain strings (a form or a CSV row), or AssessmentError."""
    today = today or bangkok_today()
    assessed_on = parse_date(
        values.get("assessed_on", ""), "assessed_on", today, gettext("The assessment date")
    )
    members = parse_members(values.get("members", ""))
    income = parse_baht(values.get("annual_income", ""))
    poverty_class = parse_poverty_class(values.get("poverty_class", ""))
    deprived = {name: parse_flag(values.get(f"deprived_{name}", ""), name) for name in DIMENSIONS}
    consent_text = clean_text(values.get("consent_on", ""))
    if not consent_text:
        raise AssessmentError(
            gettext("An assessment is kept only with the household's consent: enter its date."),
            field="consent_on",
        )
    consent_on = parse_date(consent_text, "consent_on", today, gettext("The consent date"))
    consent_note = clean_text(values.get("consent_note", ""))
    if len(consent_note) > 300:
        raise AssessmentError(gettext("The consent note is too long."), field="consent_note")
    return AssessmentValues(
        assessed_on=assessed_on,
        members=members,
        annual_income_satang=income,
        poverty_class=poverty_class,
        deprived=deprived,
        consent_on=consent_on,
        consent_note=consent_note,
    )


# -- reads -------------------------------------------------------------------------------


def get_area_household(user, household_id):
    """The household `household_id` if it lies in the officer's areas, else HouseholdNotFound."""
    if not isinstance(household_id, int) or not 0 < household_id < 2**31:
        raise HouseholdNotFound()
    household = db.session.scalar(
        select(Household).where(
            Household.id == household_id, access.officer_area_filter(user, Household)
        )
    )
    if household is None:
        raise HouseholdNotFound()
    return household


def household_assessments(household):
    """The household's assessments, oldest first (the first is the baseline)."""
    return db.session.scalars(
        select(HouseholdAssessment)
        .where(HouseholdAssessment.household_id == household.id)
        .order_by(HouseholdAssessment.assessed_on, HouseholdAssessment.id)
    ).all()


def _existing(household_id, assessed_on):
    return db.session.scalar(
        select(HouseholdAssessment).where(
            HouseholdAssessment.household_id == household_id,
            HouseholdAssessment.assessed_on == assessed_on,
        )
    )


# -- writes ------------------------------------------------------------------------------


def _new_assessment(household, values, user, source):
    assessment = HouseholdAssessment(
        household_id=household.id,
        assessed_on=values.assessed_on,
        members=values.members,
        annual_income_satang=values.annual_income_satang,
        poverty_class=values.poverty_class,
        source=source,
        consent_on=values.consent_on,
        consent_note=values.consent_note,
        entered_by_id=getattr(user, "id", None),
        **{f"deprived_{name}": flag for name, flag in values.deprived.items()},
    )
    db.session.add(assessment)
    return assessment


def record_assessment(user, household_id, fields, today=None):
    """Record an officer's assessment of a household in their area; AssessmentError if wrong.

    `fields` holds plain strings: assessed_on, members, annual_income (baht),
    poverty_class, deprived_<dimension> (booleans or 1/0), consent_on, consent_note.
    """
    household = get_area_household(user, household_id)
    if household.erased_at is not None:
        raise AssessmentError(
            gettext("This household's personal data was erased; no new assessment is taken.")
        )
    values = check_values(fields, today)
    if _existing(household.id, values.assessed_on) is not None:
        raise AssessmentError(
            gettext("This household already has an assessment on that date."),
            field="assessed_on",
        )
    assessment = _new_assessment(household, values, user, SOURCE_SURVEY)
    db.session.flush()
    audit(
        AuditAction.ASSESSMENT_RECORDED,
        assessment,
        actor=user,
        household=household.code,
        assessed_on=values.assessed_on.isoformat(),
        source=SOURCE_SURVEY,
    )
    return assessment


# -- the registry import -----------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did: assessments made, and rows left aside (by line number)."""

    created: list
    unmatched_lines: list
    already_lines: list

    @property
    def households(self):
        """How many distinct households got an assessment."""
        return len({assessment.household_id for assessment in self.created})


def _canonical_header(data):
    """The upload with its header's Thai headings replaced by the English column names."""
    text = decode(data, IMPORT_MAX_BYTES)
    end = text.find("\n")
    first, rest = (text, "") if end < 0 else (text[: end + 1], text[end + 1 :])
    try:
        cells = next(csv.reader(io.StringIO(first, newline="")), [])
    except csv.Error:
        return data
    if not cells:  # an empty file: read_rows says so
        return data
    names = [COLUMN_ALIASES.get(cell.strip(), cell.strip()) for cell in cells]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n" if first.endswith("\r\n") else "\n").writerow(names)
    return (out.getvalue() + rest).encode("utf-8")


def _match_households(user, hashes):
    """{registry hash: [Household]} for the live households in the officer's areas."""
    found = {}
    hashes = sorted(hashes)
    for start in range(0, len(hashes), _MATCH_CHUNK):
        chunk = hashes[start : start + _MATCH_CHUNK]
        rows = db.session.execute(
            select(HouseholdPersonal.registry_ref_hash, Household)
            .join(Household, Household.id == HouseholdPersonal.household_id)
            .where(
                HouseholdPersonal.registry_ref_hash.in_(chunk),
                Household.erased_at.is_(None),
                access.officer_area_filter(user, Household),
            )
            .order_by(Household.code)
        ).all()
        for digest, household in rows:
            found.setdefault(digest, []).append(household)
    return found


def _existing_assessments(household_ids):
    """{(household id, date): HouseholdAssessment} for these households."""
    result = {}
    ids = sorted(household_ids)
    for start in range(0, len(ids), _MATCH_CHUNK):
        for assessment in db.session.scalars(
            select(HouseholdAssessment).where(
                HouseholdAssessment.household_id.in_(ids[start : start + _MATCH_CHUNK])
            )
        ):
            result[(assessment.household_id, assessment.assessed_on)] = assessment
    return result


def import_registry(user, data, today=None):
    """Import a registry CSV export for the officer's areas, all or nothing: ImportResult.

    Raises CsvImportError listing every bad line; see the module docstring for
    which rows are skipped rather than refused.
    """
    access.require_officer(user)
    rows = read_rows(
        _canonical_header(data),
        IMPORT_COLUMNS,
        required=IMPORT_REQUIRED,
        # The size was checked on the upload itself; the rewritten header may differ a little.
        max_bytes=IMPORT_MAX_BYTES * 2,
        max_rows=IMPORT_MAX_ROWS,
    )
    problems = []
    checked = []  # (line, registry hash, AssessmentValues)
    for line, row in rows:
        fields = dict(
            row,
            annual_income=row.get("annual_income_baht", ""),
            consent_on=row.get("consent_date", ""),
        )
        try:
            reference = normalize_registry_ref(row.get("household_id", ""))
            if not reference:
                raise AssessmentError(gettext("The household id is missing."))
            values = check_values(fields, today)
        except (AssessmentError, HouseholdError) as error:
            message = error.message
            if isinstance(error, HouseholdError):
                message = gettext("The household id is 6 to 20 letters or digits.")
            problems.append(CsvProblem(line, message))
            continue
        # The raw id goes no further than this line: only its keyed hash is kept.
        checked.append((line, registry_hash(reference), values))
    if problems:
        raise CsvImportError(problems)

    matches = _match_households(user, {digest for _, digest, _ in checked})
    existing = _existing_assessments(
        {household.id for households in matches.values() for household in households}
    )
    seen = {}
    to_create = []
    unmatched, already = [], []
    for line, digest, values in checked:
        households = matches.get(digest, [])
        if not households:
            unmatched.append(line)
            continue
        if len(households) > 1:
            problems.append(
                CsvProblem(
                    line,
                    gettext(
                        "This household id belongs to several households here (%(codes)s); "
                        "ask their groups which record to keep.",
                        codes=", ".join(h.code for h in households),
                    ),
                )
            )
            continue
        household = households[0]
        key = (household.id, values.assessed_on)
        if key in seen:
            problems.append(
                CsvProblem(
                    line,
                    gettext(
                        "Household %(code)s is assessed on the same date on line %(other)d.",
                        code=household.code,
                        other=seen[key],
                    ),
                )
            )
            continue
        seen[key] = line
        recorded = existing.get(key)
        if recorded is not None:
            if values.same_as(recorded):
                already.append(line)
                continue
            problems.append(
                CsvProblem(
                    line,
                    gettext(
                        "Household %(code)s already has a different assessment on this date.",
                        code=household.code,
                    ),
                )
            )
            continue
        to_create.append((household, values))
    if problems:
        raise CsvImportError(problems)
    if not to_create and not already:
        raise CsvImportError(
            [
                CsvProblem(
                    0,
                    gettext(
                        "No row matches a household of your area. Households are matched by "
                        "the house registration number their group recorded."
                    ),
                )
            ]
        )

    created = [
        _new_assessment(household, values, user, SOURCE_REGISTRY) for household, values in to_create
    ]
    db.session.flush()
    audit(
        AuditAction.ASSESSMENTS_IMPORTED,
        None,
        actor=user,
        rows=len(checked),
        imported=len(created),
        unmatched=len(unmatched),
        already_recorded=len(already),
        households=sorted({household.code for household, _ in to_create}),
    )
    return ImportResult(created=created, unmatched_lines=unmatched, already_lines=already)


def import_template():
    """The CSV template for registry imports, with one made-up example row."""
    example = (
        "57050012345",
        "15/03/2568",
        "4",
        "85000",
        "อยู่ยาก",
        "0",
        "1",
        "0",
        "1",
        "0",
        "15/03/2568",
        "ยินยอมเป็นลายลักษณ์อักษร แบบฟอร์มเก็บที่ อบต.",
    )
    return template_bytes(IMPORT_COLUMNS, [example])
