"""`flask demo load`: fills an empty database with consistent demo data, and only an empty one."""

import re
from datetime import UTC, date, datetime, time, timedelta

import geothai
import pytest
from sqlalchemy import func, select

from marketplace.demo import DemoNotEmpty, load_demo, photos
from marketplace.demo.ledger import OPEN_DAYS
from marketplace.i18n import BANGKOK, bangkok_today
from marketplace.models import (
    Category,
    Claim,
    ClaimKind,
    ClaimStatus,
    FulfilmentStatus,
    GroupKind,
    Household,
    HouseholdAssessment,
    LedgerEntry,
    Lot,
    LotContribution,
    Order,
    PovertyClass,
    ProducerGroup,
    Product,
    ProductImage,
    ShareRule,
    Variant,
)
from marketplace.storage import storage

COUNTED = (
    Category,
    ProducerGroup,
    Product,
    Variant,
    Lot,
    LotContribution,
    ProductImage,
    Household,
    HouseholdAssessment,
    Claim,
)


def row_counts(db):
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in COUNTED
    }


def assert_area(place):
    """The place's codes exist in GeoThai and nest: subdistrict in district in province."""
    subdistrict = geothai.subdistrict(place.subdistrict_code)
    assert subdistrict is not None, place.subdistrict_code
    assert subdistrict.district_code == place.district_code
    assert subdistrict.province_code == place.province_code
    assert geothai.district(place.district_code) is not None
    assert geothai.province(place.province_code) is not None


def test_demo_load_fills_an_empty_database_once(runner, db):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded" in result.output
    counts = row_counts(db)
    assert counts["ProducerGroup"] >= 5
    assert counts["Product"] >= 20
    assert counts["Household"] >= 40
    assert f"{counts['Product']} products" in result.output

    # Hom Phaendin in Doi Ngam, Phan, Chiang Rai, with its three products.
    hom = db.session.scalar(select(ProducerGroup).filter_by(slug="hom-phaendin"))
    assert "หอมแผ่นดิน" in hom.name_th
    assert (hom.subdistrict_code, hom.district_code, hom.province_code) == ("570505", "5705", "57")
    assert hom.postal_code == "57120"
    assert hom.kind == GroupKind.COMMUNITY_ENTERPRISE and hom.registration_no
    # Every group can be paid directly: a PromptPay id the office would accept, an account.
    from marketplace.orders import promptpay

    for group in db.session.scalars(select(ProducerGroup)):
        assert promptpay.check_id(group.promptpay_id) == group.promptpay_id
        assert group.payout_bank and group.payout_account_no.isdigit() and group.phone
    names = " ".join(p.name_th for p in hom.products)
    for wanted in ("ข้าวเหนียวดำ", "ข้าวญี่ปุ่น", "พรมเช็ดเท้าทอมือ"):
        assert wanted in names
    assert all(len(p.variants) >= 2 for p in hom.products if "ข้าวเหนียวดำ" in p.name_th)

    # A Karen-chili group in Mae Hong Son.
    chili_groups = [
        g
        for g in db.session.scalars(select(ProducerGroup).filter_by(province_code="58"))
        if any("พริกกะเหรี่ยง" in p.name_th for p in g.products)
    ]
    assert chili_groups

    groups = db.session.scalars(select(ProducerGroup)).all()
    assert len({g.province_code for g in groups}) >= 5
    assert 3 <= sum(g.is_featured for g in groups) <= 4
    for group in groups:
        assert_area(group)
        assert group.name_en and group.story_th and group.story_en
        assert group.postal_code in geothai.subdistrict(group.subdistrict_code).postal_codes

    products = db.session.scalars(select(Product)).all()
    assert 6 <= sum(p.is_featured for p in products) <= 10
    assert len({p.category_id for p in products}) >= 5
    sold_out = partly_sold = 0
    for product in products:
        assert product.name_en and product.summary_th and product.description_en
        assert product.category is not None
        assert 1 <= len(product.variants) <= 4
        assert 1 <= len(product.images) <= 3
        for image in product.images:
            assert image.alt_th and image.alt_en
            assert storage().exists(f"products/{image.key}/320.webp")
        for variant in product.variants:
            assert isinstance(variant.price_satang, int) and variant.price_satang > 0
            assert 1 <= len(variant.lots) <= 3
            sold_out += variant.stock == 0
            for lot in variant.lots:
                assert re.fullmatch(r"[A-Z]{2}-[A-Z]{3}-\d{4}-\d{2}", lot.code)
                assert bangkok_today() - timedelta(days=400) <= lot.produced_on < bangkok_today()
                assert 0 <= lot.available <= lot.quantity
                partly_sold += 0 < lot.available < lot.quantity
                assert_area(lot)
                assert 2 <= len(lot.contributions) <= 8
                for contribution in lot.contributions:
                    assert product.group in contribution.household.groups
                    assert contribution.unit in ("kg", "pieces")
    assert sold_out >= 2
    assert partly_sold >= 10

    # Claims in every status and kind, on every kind of subject.
    claims = db.session.scalars(select(Claim)).all()
    assert {c.status for c in claims} == set(ClaimStatus.ALL)
    assert {c.kind for c in claims} == set(ClaimKind.ALL)
    assert any(c.group_id for c in claims)
    assert any(c.product_id for c in claims)
    assert any(c.lot_id for c in claims)
    verified = [c for c in claims if c.status == ClaimStatus.VERIFIED]
    assert all(c.verified_at is not None and c.issuer for c in verified)
    assert any(c.is_verified() for c in verified)
    assert any(c.effective_status() == ClaimStatus.EXPIRED for c in verified)

    # Households: pseudonymous, in their group's area, assessed, some improving.
    order = {c: i for i, c in enumerate(PovertyClass.ALL)}
    classes, improved = set(), 0
    for household in db.session.scalars(select(Household)):
        assert re.fullmatch(r"[A-Z]{2}-\d{4}", household.code)
        assert_area(household)
        assert household.groups
        assert household.subdistrict_code in {g.subdistrict_code for g in household.groups}
        personal = household.personal
        assert personal.head_name and personal.consent_on
        assert re.fullmatch(r"[0-9a-f]{64}", personal.registry_ref_hash)
        assert 1 <= len(household.assessments) <= 2
        for assessment in household.assessments:
            classes.add(assessment.poverty_class)
            assert assessment.annual_income_satang > 0
        first, last = household.assessments[0], household.assessments[-1]
        improved += order[last.poverty_class] > order[first.poverty_class]
    assert classes == set(PovertyClass.ALL)
    assert improved >= 5

    # Loading again changes nothing and says so.
    db.session.rollback()
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert "not loaded" in again.output
    assert row_counts(db) == counts


def test_load_demo_refuses_a_database_with_groups(db, make):
    make.group()
    before = row_counts(db)
    with pytest.raises(DemoNotEmpty):
        load_demo()
    assert row_counts(db) == before


def test_demo_photos_are_deterministic_jpegs():
    first = photos.photo_bytes("chilies", "same-seed", dried=True)
    assert first[:3] == b"\xff\xd8\xff"
    assert photos.photo_bytes("chilies", "same-seed", dried=True) == first
    assert photos.photo_bytes("chilies", "other-seed", dried=True) != first


def test_demo_data_is_dated_relative_to_the_day_it_loads(db):
    """Issue 11: loaded later, the demo had year-old unpacked orders; now everything moves."""
    today = date(2031, 3, 15)
    load_demo(today=today)
    db.session.commit()
    year_ago = today - timedelta(days=366)
    start_of_today = datetime.combine(today, time(0, 0), tzinfo=BANGKOK)

    lots = db.session.scalars(select(Lot)).all()
    assert all(today - timedelta(days=400) <= lot.produced_on < today for lot in lots)
    assert max(lot.produced_on for lot in lots) >= today - timedelta(days=60)
    # Notes that name a month name the moved one ("October 2026" reads "January 2031").
    notes = " ".join(f"{lot.notes_th} {lot.notes_en}" for lot in lots)
    assert "2026" not in notes and "2569" not in notes
    assert "January 2031" in notes and "มกราคม 2574" in notes

    orders = db.session.scalars(select(Order)).all()
    assert len(orders) > 50
    assert all(year_ago <= _aware(o.created_at).date() < today for o in orders)
    parts = [f for o in orders for f in o.fulfilments]
    waiting = [f for f in parts if f.status in (FulfilmentStatus.PAID, FulfilmentStatus.PACKED)]
    assert 0 < len(waiting) <= 15 < len(parts) // 5, len(waiting)
    for part in waiting:  # only the last few days' orders still wait
        assert _aware(part.order.paid_at) >= start_of_today - timedelta(days=OPEN_DAYS + 1)
    delivered = [f for f in parts if f.status == FulfilmentStatus.DELIVERED]
    assert len(delivered) == len(parts) - len(waiting)
    for part in delivered:
        paid, packed = _aware(part.order.paid_at), _aware(part.packed_at)
        shipped, came = _aware(part.shipped_at), _aware(part.delivered_at)
        assert paid < packed < shipped < came < start_of_today
        assert part.carrier and part.tracking_no

    days = db.session.scalars(select(LedgerEntry.occurred_on)).all()
    twelve_months = date(today.year - 1, today.month, 1)  # the last twelve whole months
    assert days and all(twelve_months <= day < today for day in days)
    rules = db.session.scalars(select(ShareRule.effective_from)).all()
    assert all(_aware(when).date() < today for when in rules)
    assert max(_aware(when).date() for when in rules) >= today - timedelta(days=366)
    assessed = db.session.scalars(select(HouseholdAssessment.assessed_on)).all()
    assert all(today - timedelta(days=800) <= day < today for day in assessed)

    claims = db.session.scalars(select(Claim)).all()
    assert any(c.is_verified(today) for c in claims)
    assert any(c.effective_status(today) == ClaimStatus.EXPIRED for c in claims)
    assert all(c.verified_at is None or _aware(c.verified_at).date() < today for c in claims)


def _aware(moment):
    """SQLite gives naive UTC datetimes back; PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
