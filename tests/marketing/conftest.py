"""Fixtures for the marketing tests: a listed product with a photo, a lot, households, claims."""

import io
from dataclasses import dataclass

import pytest
from PIL import Image

from marketplace.catalog import images
from marketplace.extensions import db as _db
from marketplace.models import ClaimKind, ClaimStatus
from marketplace.storage import storage


def photo_bytes(size=(1600, 1200)):
    """A JPEG with a green field and a brown band, big enough for every card size."""
    image = Image.new("RGB", size, (60, 130, 70))
    image.paste((120, 80, 40), (0, size[1] // 2, size[0], size[1] // 2 + 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@dataclass
class World:
    """The rows the marketing tests look at."""

    group: object
    product: object
    lot: object
    claim: object
    households: list


@pytest.fixture
def world(db, make, app):
    """A group, a product with a photo and two claims (one verified), a lot of 6 households."""
    group = make.group(
        slug="hom-phaendin",
        name_th="กลุ่มวิสาหกิจชุมชนหอมแผ่นดิน",
        name_en="Hom Phaendin community enterprise",
    )
    product = make.product(
        group=group,
        slug="black-sticky-rice",
        name_th="น้ำผึ้งป่าและข้าวเหนียวดำอินทรีย์ดอยงาม",
        name_en="Wild honey and organic black sticky rice",
        summary_th="เก็บเกี่ยวใหม่ หอมนุ่ม",
        summary_en="Freshly harvested",
        price_satang=15000,
    )
    with app.test_request_context():
        images.add_product_image(product, photo_bytes())
    lot = product.variants[0].lots[0]
    households = [make.household(group) for _ in range(6)]
    for household in households:
        make.contribution(lot, household)
    claim = make.claim(product, issuer="สำนักงานเกษตรอำเภอพาน")
    make.claim(product, kind=ClaimKind.PGS, status=ClaimStatus.SELF_DECLARED, issuer="ตนเอง")
    _db.session.commit()
    photo_key = product.images[0].key
    photo_folder = f"products/{photo_key}"
    yield World(group=group, product=product, lot=lot, claim=claim, households=households)
    with app.app_context():  # leave the session's file store as it was
        storage().delete_prefix(photo_folder)
        images.delete_original(photo_key)  # if its sizes were never made
        storage().delete_prefix("cards/")
