"""Database constraints and small derived properties of the catalog models."""

from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from marketplace.models import Claim, ClaimStatus, Lot, Variant


def test_variant_stock_is_the_sum_of_its_lots(db, make):
    product = make.product(stock=None)
    variant = product.variants[0]
    make.lot(variant, quantity=10, available=4)
    make.lot(variant, quantity=5, available=5)
    assert variant.stock == 9


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Lot, "available", -1),
        (Lot, "quantity", -1),
        (Variant, "price_satang", 0),
        (Variant, "weight_grams", -5),
    ],
)
def test_check_constraints_refuse_bad_values(db, make, model, field, value):
    product = make.product(stock=3)
    row = product.variants[0] if model is Variant else product.variants[0].lots[0]
    setattr(row, field, value)
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_lot_codes_are_unique(db, make):
    product = make.product(stock=None)
    make.lot(product.variants[0], code="HP-BSR-2512-01")
    with pytest.raises(IntegrityError):
        make.lot(product.variants[0], code="HP-BSR-2512-01")


def test_skus_and_slugs_are_unique(db, make):
    make.product(slug="black-sticky-rice")
    with pytest.raises(IntegrityError):
        make.product(slug="black-sticky-rice")


def test_a_claim_has_exactly_one_subject(db, make):
    product = make.product()
    db.session.add(Claim(kind="handmade", product=product, group=product.group))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_a_claim_needs_a_subject(db):
    db.session.add(Claim(kind="handmade"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_claim_kind_and_status_are_checked(db, make):
    group = make.group()
    db.session.add(Claim(kind="magic", group=group))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_validity_range_must_be_ordered(db, make):
    with pytest.raises(IntegrityError):
        make.claim(make.group(), valid_from=date(2026, 1, 2), valid_until=date(2026, 1, 1))


def test_contribution_role_is_unique_per_household_and_lot(db, make):
    product = make.product()
    lot = product.variants[0].lots[0]
    household = make.household(product.group)
    make.contribution(lot, household)
    with pytest.raises(IntegrityError):
        make.contribution(lot, household)


class TestClaimStatus:
    """Only a verified claim inside its dates earns the badge."""

    today = date(2026, 11, 21)

    def claim(self, make, **fields):
        return make.claim(make.group(), **fields)

    def test_verified_inside_dates(self, db, make):
        claim = self.claim(make, valid_until=self.today)
        assert claim.effective_status(self.today) == ClaimStatus.VERIFIED
        assert claim.is_verified(self.today)

    def test_verified_but_expired_yesterday(self, db, make):
        claim = self.claim(make, valid_until=self.today - timedelta(days=1))
        assert claim.effective_status(self.today) == ClaimStatus.EXPIRED
        assert not claim.is_verified(self.today)

    def test_verified_but_not_yet_valid(self, db, make):
        claim = self.claim(make, valid_from=self.today + timedelta(days=1))
        assert not claim.is_verified(self.today)

    @pytest.mark.parametrize(
        "status",
        [
            ClaimStatus.PENDING,
            ClaimStatus.SELF_DECLARED,
            ClaimStatus.REVOKED,
            ClaimStatus.REJECTED,
            ClaimStatus.EXPIRED,
        ],
    )
    def test_other_statuses_never_verify(self, db, make, status):
        claim = self.claim(make, status=status)
        assert claim.effective_status(self.today) == status
        assert not claim.is_verified(self.today)

    def test_open_ended_verified_claim(self, db, make):
        claim = self.claim(make, valid_from=None, valid_until=None)
        assert claim.is_verified(self.today)
