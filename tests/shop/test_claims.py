"""Only a verified claim inside its dates earns a badge; the others say what they are."""

from datetime import timedelta

import pytest

from marketplace.catalog.claims import present_claims
from marketplace.i18n import bangkok_today
from marketplace.models import ClaimKind, ClaimStatus

from .conftest import translated

YESTERDAY = bangkok_today() - timedelta(days=1)
TOMORROW = bangkok_today() + timedelta(days=1)


@pytest.fixture
def claimed(db, make):
    """One product with one Q-mark claim, shaped by the test."""

    def build(**fields):
        product = make.product(slug="claimed", name_en="Claimed rice")
        claim = make.claim(product, kind=ClaimKind.Q_MARK, certificate_no="Q-123", **fields)
        db.session.commit()
        return product, claim

    return build


def badge_html(app, language="en"):
    """The text of the badge a verified Q-mark claim shows."""
    return translated(app, language, "Verified: %(kind)s", kind=translated(app, language, "Q mark"))


def test_verified_claim_within_dates_earns_the_badge(app, claimed, get_page):
    claimed()
    _, html = get_page("/products/claimed", "en")
    assert badge_html(app) in html
    assert "Q-123" in html
    assert "สำนักงานเกษตรอำเภอพาน" in html
    assert "1 Jan 2025" in html and "31 Dec 2030" in html
    _, catalog = get_page("/products", "en")
    assert 'class="badge badge-verified">Q mark<' in catalog


def test_verified_claim_that_ended_yesterday_shows_as_expired(app, claimed, get_page):
    claimed(valid_until=YESTERDAY)
    _, html = get_page("/products/claimed", "en")
    assert badge_html(app) not in html
    assert "badge-verified" not in html
    assert translated(app, "en", "Expired") in html
    assert "claim-expired" in html
    _, catalog = get_page("/products", "en")
    assert "badge-verified" not in catalog


def test_verified_claim_not_yet_started_has_no_badge(app, claimed, get_page):
    claimed(valid_from=TOMORROW)
    _, html = get_page("/products/claimed", "en")
    assert "badge-verified" not in html
    assert translated(app, "en", "Awaiting verification") in html


def test_pending_claim_has_no_badge(app, claimed, get_page):
    claimed(status=ClaimStatus.PENDING)
    _, html = get_page("/products/claimed", "en")
    assert "badge-verified" not in html
    assert translated(app, "en", "Awaiting verification") in html


def test_self_declared_claim_says_so(app, claimed, get_page):
    claimed(status=ClaimStatus.SELF_DECLARED)
    _, html = get_page("/products/claimed", "en")
    assert "badge-verified" not in html
    assert translated(app, "en", "Self-declared") in html


def test_revoked_claim_is_shown_as_revoked_without_badge(app, claimed, get_page):
    claimed(status=ClaimStatus.REVOKED)
    _, html = get_page("/products/claimed", "en")
    assert "badge-verified" not in html
    assert translated(app, "en", "Revoked") in html
    assert "claim-revoked" in html


def test_rejected_claim_is_not_presented(app, claimed, get_page):
    claimed(status=ClaimStatus.REJECTED)
    _, html = get_page("/products/claimed", "en")
    assert "badge-verified" not in html
    assert "Q-123" not in html
    assert translated(app, "en", "Q mark") not in html.split("<footer")[0].split("</header>")[1]


def test_claims_are_ordered_most_trustworthy_first(db, make):
    product = make.product()
    revoked = make.claim(product, kind=ClaimKind.GAP, status=ClaimStatus.REVOKED)
    declared = make.claim(product, kind=ClaimKind.HANDMADE, status=ClaimStatus.SELF_DECLARED)
    verified = make.claim(product, kind=ClaimKind.OTOP)
    rejected = make.claim(product, kind=ClaimKind.PGS, status=ClaimStatus.REJECTED)
    views = present_claims([revoked, declared, verified, rejected, verified])
    assert [v.claim for v in views] == [verified, declared, revoked]
    assert [v.verified for v in views] == [True, False, False]
    assert views[2].withdrawn


def test_lot_claims_on_the_product_page_are_the_current_lots(shop, db, make, get_page, app):
    make.claim(shop["lots"]["old"], kind=ClaimKind.ORGANIC_THAILAND, certificate_no="OLD-LOT")
    db.session.commit()
    _, html = get_page("/products/black-sticky-rice", "en")
    assert "OLD-LOT" not in html
    assert translated(app, "en", "lot %(code)s", code="LOT-RICE-NOW") in html


@pytest.mark.parametrize("language", ["th", "en"])
def test_group_and_lot_pages_apply_the_same_rules(shop, db, make, get_page, app, language):
    make.claim(shop["groups"]["hom"], kind=ClaimKind.OTOP, valid_until=YESTERDAY)
    db.session.commit()
    for path in ("/groups/hom-phaendin", "/lot/LOT-RICE-NOW"):
        _, html = get_page(path, language)
        assert "claim-expired" in html
        assert "claim-pending" in html
    _, html = get_page("/groups/hom-phaendin", language)
    otop = translated(app, language, "OTOP")
    assert f'badge-verified">{otop}<' not in html
    assert translated(app, language, "Verified: %(kind)s", kind=otop) not in html
    _, html = get_page("/lot/LOT-RICE-NOW", language)
    verified = translated(
        app, language, "Verified: %(kind)s", kind=translated(app, language, "Chemical-free")
    )
    assert verified in html
