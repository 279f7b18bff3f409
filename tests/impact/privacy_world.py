"""Data for the assessment, registry-import and privacy tests: two groups, households, people.

Group A (Hom Phaendin) in Phan, Chiang Rai (57/5705) with households HH-A1 and
HH-A2 (registry numbers known); group B (Karen chili) in Mae Hong Son (58) with
HH-B1. Officers: one for province 57, one for district 5701 only (not Phan),
one for 58. Leaders of A and B, staff of A, an admin.
"""

import csv
import io
from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace

from flask import g
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.impact import households as household_domain
from marketplace.models import (
    AuditLog,
    HouseholdAssessment,
    LedgerAccount,
    LedgerEntry,
    LedgerKind,
)

from .. import factories

# Made-up 11-digit house registration numbers, the way the registry writes them.
REF_A1 = "57050012345"
REF_A2 = "57050067890"
REF_B1 = "58010011111"
NAME_A1 = "Somsri Jaidee"
PHONE_A1 = "0812345678"
CONSENT_NOTE_A1 = "Signed before village head Boonmee"

HEADER = (
    "household_id,assessed_on,members,annual_income_baht,poverty_class,"
    "deprived_health,deprived_living,deprived_education,deprived_income,deprived_access,"
    "consent_date,consent_note"
)


def build():
    """The world described in the module docstring, committed."""
    _without_search_index()
    group_a = factories.make_group(slug="hom", name_en="Hom Phaendin")
    group_b = factories.make_group(
        slug="chili",
        name_en="Karen chili",
        province_code="58",
        district_code="5801",
        subdistrict_code="580101",
        postal_code="58000",
    )
    a1 = household_domain.create_household(
        group_a,
        {
            "code": "HH-A1",
            "head_name": NAME_A1,
            "phone": PHONE_A1,
            "village": "บ้านดอยงาม",
            "moo": "5",
            "subdistrict_code": "570505",
            "registry_ref": REF_A1,
            "consent_on": "2025-01-15",
            "consent_note": CONSENT_NOTE_A1,
        },
    )
    a2 = household_domain.create_household(
        group_a,
        {
            "code": "HH-A2",
            "head_name": "Malee Srisuk",
            "village": "บ้านดอยงาม",
            "subdistrict_code": "570505",
            "registry_ref": REF_A2,
            "consent_on": "2025-01-15",
        },
    )
    b1 = household_domain.create_household(
        group_b,
        {
            "code": "HH-B1",
            "head_name": "Naw Paw",
            "village": "บ้านห้วยปูลิง",
            "subdistrict_code": "580101",
            "registry_ref": REF_B1,
            "consent_on": "2025-01-15",
        },
    )
    product_a = factories.make_product(group=group_a, stock=None, name_en="Black sticky rice")
    lot_a = factories.make_lot(product_a.variants[0], code="LOT-A-2568")
    factories.make_contribution(lot_a, a1, quantity=40)
    product_b = factories.make_product(group=group_b, stock=None, name_en="Karen chili")
    lot_b = factories.make_lot(
        product_b.variants[0],
        code="LOT-B-2568",
        province_code="58",
        district_code="5801",
        subdistrict_code="580101",
    )
    # A1 also supplies B: the leader of A must not see that in A's export.
    a1.groups.append(group_b)
    factories.make_contribution(lot_b, a1, quantity=7)

    users = SimpleNamespace(
        leader_a=_user("leader-a@example.com", memberships=[(group_a, "leader")]),
        staff_a=_user("staff-a@example.com", memberships=[(group_a, "staff")]),
        leader_b=_user("leader-b@example.com", memberships=[(group_b, "leader")]),
        officer=_user("officer@example.com", officer_areas=["57"]),
        officer_district=_user("officer-5701@example.com", officer_areas=[("57", "5701")]),
        officer_b=_user("officer-58@example.com", officer_areas=["58"]),
        admin=_user("admin@example.com", admin=True),
    )
    db.session.commit()
    return SimpleNamespace(
        group_a=group_a,
        group_b=group_b,
        a1=a1,
        a2=a2,
        b1=b1,
        lot_a=lot_a,
        lot_b=lot_b,
        users=users,
    )


_PASSWORD_HASH = {}


def _user(email, **roles):
    """A user speaking English whose password is the factories' default, hashed once per run.

    Hashing (scrypt) takes a quarter second; seven users per test add up.
    """
    from marketplace.accounts.passwords import hash_password

    if "hash" not in _PASSWORD_HASH:
        _PASSWORD_HASH["hash"] = hash_password(factories.DEFAULT_PASSWORD)
    user = factories.make_user(email, password=None, locale="en", **roles)
    user.password_hash = _PASSWORD_HASH["hash"]
    return user


def add_ledger(world):
    """Sale shares and a payout for A1 in both groups, and a group-fund entry; committed."""
    rows = [
        (LedgerAccount.HOUSEHOLD, LedgerKind.SALE_SHARE, world.group_a, world.a1, 12_345),
        (LedgerAccount.HOUSEHOLD, LedgerKind.PAYOUT, world.group_a, world.a1, -10_000),
        (LedgerAccount.HOUSEHOLD, LedgerKind.SALE_SHARE, world.group_b, world.a1, 777_77),
        (LedgerAccount.GROUP_FUND, LedgerKind.SALE_SHARE, world.group_a, None, 5_000),
    ]
    for account, kind, group, household, amount in rows:
        db.session.add(
            LedgerEntry(
                account=account,
                kind=kind,
                group_id=group.id,
                household_id=household.id if household else None,
                amount_satang=amount,
                occurred_on=date(2025, 12, 20),
                lot_id=world.lot_a.id if group is world.group_a else world.lot_b.id,
            )
        )
    db.session.commit()


def add_assessment(household, on=date(2025, 3, 15), income=4_321_000, **fields):
    """A baseline assessment with a distinctive income (43,210 baht); committed."""
    values = dict(
        household_id=household.id,
        assessed_on=on,
        members=6,
        annual_income_satang=income,
        poverty_class="struggling",
        deprived_income=True,
        consent_on=on,
        consent_note=f"Consent of {NAME_A1}",
        source="survey",
    )
    values.update(fields)
    assessment = HouseholdAssessment(**values)
    db.session.add(assessment)
    db.session.commit()
    return assessment


def registry_csv(rows, header=HEADER, bom=True):
    """A registry export: `rows` are lists of cells, written after `header`."""
    out = io.StringIO(newline="")
    out.write(header + "\r\n")
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def row(ref, on="15/03/2568", members="4", income="85,000", klass="อยู่ยาก", flags="01010", **kw):
    """One registry row: five dimension flags as a string of 0/1."""
    return [
        ref,
        on,
        members,
        income,
        klass,
        *flags,
        kw.get("consent", on),
        kw.get("note", "ยินยอมเป็นลายลักษณ์อักษร"),
    ]


def audit_rows(action=None):
    """Audit rows, oldest first, optionally of one action."""
    query = select(AuditLog).order_by(AuditLog.id)
    if action:
        query = query.where(AuditLog.action == action)
    return db.session.scalars(query).all()


def database_text():
    """Every value of every table, as one string: to grep the whole database."""
    parts = []
    for table in db.metadata.sorted_tables:
        for values in db.session.execute(select(table)).all():
            parts.extend(str(value) for value in values)
    db.session.rollback()
    return "\n".join(parts)


@contextmanager
def english_request(app):
    """A request context in English, with nothing cached on `g` from an earlier one."""
    # The test's app context is shared with every request: Flask-Babel caches the
    # locale on `g`, so start clean (as tests/conftest.py's FreshRequestClient does).
    g.__dict__.clear()
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        yield
    g.__dict__.clear()


def _without_search_index():
    """These tests search nothing: skip indexing products on commit (seconds per test).

    Switched back on by `search_index_back_on` after each test that built a world.
    """
    from flask import current_app

    current_app.extensions["marketplace_search"]["auto_index"] = False


def search_index_back_on(app):
    """Undo `_without_search_index` for the rest of the suite."""
    app.extensions["marketplace_search"]["auto_index"] = True
