"""Helpers for storefront tests: pages in a chosen language, expected translations, a small shop."""

import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale, gettext

from marketplace.i18n import bangkok_today
from marketplace.models import ClaimKind, ClaimStatus, LotKind


def translated(app, language, message, **variables):
    """What `message` reads as in `language` (the msgid itself while no catalog has it)."""
    with app.test_request_context(), force_locale(language):
        return gettext(message, **variables)


@pytest.fixture
def get_page(client):
    """GET a path in a language ('th' or 'en'); returns (response, html)."""

    def get(path, language="th", status=200):
        client.set_cookie("lang", language)
        response = client.get(path)
        assert response.status_code == status, (path, language, response.status_code)
        return response, response.get_data(as_text=True)

    return get


def html_lang(html):
    """The lang attribute of the <html> element."""
    match = re.search(r'<html lang="([^"]+)"', html)
    return match.group(1) if match else None


@pytest.fixture
def shop(db, make):
    """A small catalog: two groups in two provinces, three products, lots, households, claims."""
    rice = make.category(slug="rice", name_th="ข้าว", name_en="Rice", position=1)
    woven = make.category(slug="woven", name_th="ผ้าทอ", name_en="Woven goods", position=2)
    hom = make.group(
        slug="hom-phaendin",
        name_th="กลุ่มหอมแผ่นดิน",
        name_en="Hom Phaendin group",
        story_th="กลุ่มปลูกข้าวเหนียวดำ",
        story_en="We grow black sticky rice",
        registration_no="5705-0001",
        is_featured=True,
    )
    karen = make.group(
        slug="karen-chili",
        name_th="กลุ่มพริกกะเหรี่ยง",
        name_en="Karen chili group",
        village="บ้านห้วยปูลิง",
        moo=3,
        subdistrict_code="580109",
        district_code="5801",
        province_code="58",
        postal_code="58000",
    )
    sticky = make.product(
        group=hom,
        category=rice,
        slug="black-sticky-rice",
        name_th="ข้าวเหนียวดำ",
        name_en="Black sticky rice",
        price_satang=9000,
        is_featured=True,
        stock=None,
    )
    variant = sticky.variants[0]
    old = make.lot(
        variant,
        code="LOT-RICE-OLD",
        quantity=50,
        available=0,
        produced_on=date(2024, 12, 1),
    )
    current = make.lot(
        variant,
        code="LOT-RICE-NOW",
        quantity=400,
        available=120,
        produced_on=date(2025, 12, 10),
        village="บ้านดอยงามเหนือ",
        moo=7,
    )
    mat = make.product(
        group=hom,
        category=woven,
        slug="woven-mat",
        name_th="พรมเช็ดเท้าทอมือ",
        name_en="Hand-woven doormat",
        price_satang=25000,
        stock=0,
    )
    mat_lot = mat.variants[0].lots[0]
    mat_lot.kind = LotKind.PRODUCTION
    chili = make.product(
        group=karen,
        category=rice,
        slug="karen-chili",
        name_th="พริกกะเหรี่ยงแห้ง",
        name_en="Dried Karen chili",
        price_satang=15000,
    )
    households = [make.household(hom, code=f"HH-SECRET-{i}") for i in range(3)]
    make.contribution(old, households[0])
    make.contribution(current, households[0])
    make.contribution(current, households[1])
    make.contribution(current, households[2], role="packer", quantity=1, unit="day")
    make.contribution(mat_lot, households[1], role="weaver", quantity=4, unit="mat")
    claims = {
        "rice_verified": make.claim(current, kind=ClaimKind.CHEMICAL_FREE),
        "group_pgs": make.claim(hom, kind=ClaimKind.PGS, status=ClaimStatus.PENDING),
        "chili_gap": make.claim(chili, kind=ClaimKind.GAP),
    }
    db.session.commit()
    return {
        "categories": {"rice": rice, "woven": woven},
        "groups": {"hom": hom, "karen": karen},
        "products": {"sticky": sticky, "mat": mat, "chili": chili},
        "lots": {"old": old, "current": current, "mat": mat_lot},
        "households": households,
        "claims": claims,
        "yesterday": bangkok_today() - timedelta(days=1),
    }
