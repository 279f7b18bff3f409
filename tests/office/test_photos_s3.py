"""Photos and slips in an S3 bucket: what one host stores, every other host serves."""

import io
import urllib.error
import urllib.request

import pytest
from sqlalchemy import select

from marketplace import jobs
from marketplace.catalog import images
from marketplace.models import Payment, ProductImage
from marketplace.orders import service
from marketplace.storage import LocalStorage, build_storage, storage

from ..shop.buying import post
from .pictures import picture


def _upload(office, product, data):
    response = office.post(
        office.url(f"/products/{product.id}/photos"),
        {"photo": (io.BytesIO(data), "photo.jpg")},
        content_type="multipart/form-data",
    )
    response.close()  # the response has gone out: the photo_sizes job runs
    return response


def test_a_photo_stored_on_one_host_is_served_by_another(app, office, make, db, s3_bucket):
    product = make.product(group=office.a)
    db.session.commit()
    office.login("staff")
    assert _upload(office, product, picture("JPEG", size=(900, 600))).status_code == 303
    image = db.session.scalars(select(ProductImage)).one()
    keys = sorted(storage().keys(f"products/{image.key}/"))
    assert keys == [
        f"products/{image.key}/{w}.{f}" for w in (320, 800, 900) for f in ("jpg", "webp")
    ]
    # The original was private, and went once the sizes existed.
    assert list(storage().keys("originals/")) == []
    # Nothing was written to this host's own folder.
    assert not list(LocalStorage(app.config["UPLOAD_FOLDER"]).keys(f"products/{image.key}"))
    # Another host: its own (empty) instance folder, the same bucket.
    other_host = build_storage({**app.config, "UPLOAD_FOLDER": "/nonexistent"})
    assert other_host.read(f"products/{image.key}/320.webp")[:4] == b"RIFF"
    office.login("anonymous")
    response = office.client.get(f"/media/products/{image.key}/320.webp")
    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert office.client.get(f"/media/products/{image.key}/999.webp").status_code == 404
    # Deleting the photo removes its objects once the transaction commits.
    office.login("staff")
    assert office.post(office.url(f"/photos/{image.id}/delete")).status_code == 303
    assert list(storage().keys(f"products/{image.key}/")) == []


def test_with_a_public_address_pages_link_the_bucket(
    app, office, make, db, s3_bucket, public_bucket, monkeypatch
):
    public = public_bucket
    product = make.product(group=office.a)
    db.session.commit()
    office.login("staff")
    monkeypatch.setitem(jobs.TASKS, "photo_sizes", lambda image_id: None)  # held back
    assert _upload(office, product, picture("JPEG", size=(400, 300))).status_code == 303
    image = db.session.scalars(select(ProductImage)).one()
    # While the sizes are pending the original is in the bucket, private: no public address,
    # refused by the bucket to anyone without a signature, not served by the app.
    original = images.original_key(image.key)
    assert storage().exists(original) and storage().public_url(original) is None
    for url in (f"{public}/{original}", f"{public}/products/{image.key}/original.jpg"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)  # noqa: S310 (loopback)
        refused.value.close()
        assert refused.value.code in (403, 404)
    office.login("anonymous")
    assert office.client.get(f"/media/{original}").status_code == 404
    page = office.client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert image.key not in page  # the placeholder; structured data leaves the photo out
    head = storage().client.head_object(Bucket=s3_bucket, Key=original)
    assert head["CacheControl"] == "private, no-store"

    assert images.make_sizes(image.id) == "made"
    assert images.make_sizes(image.id) == "done already"  # idempotent: a retry, another host
    assert not storage().exists(original)
    db.session.expire_all()
    page = office.client.get(f"/products/{product.slug}").get_data(as_text=True)
    url = f"{public}/products/{image.key}/320.webp"
    assert url in page
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
        assert response.read()[:4] == b"RIFF"
    # An old link to the app's media route still finds the photo.
    moved = office.client.get(f"/media/products/{image.key}/320.webp")
    assert moved.status_code == 301
    assert moved.headers["Location"] == url


def test_a_slip_is_stored_in_the_bucket_and_only_shown_through_the_app(client, make, db, s3_bucket):
    product = make.product(stock=5)
    order = make.order({product.variants[0]: 1})
    db.session.commit()
    token = service.order_token(order)
    page = f"/orders/{order.reference}?token={token}"
    response = post(
        client,
        f"/orders/{order.reference}/slip",
        {"slip": (io.BytesIO(picture("JPEG", size=(60, 40))), "slip.jpg"), "token": token},
        page=page,
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    payment = db.session.scalars(select(Payment)).one()
    key = f"slips/{payment.slip_key}.jpg"
    assert storage().exists(key)
    assert storage().public_url(key) is None  # private: never a public address
    shown = client.get(f"/orders/{order.reference}/slip?token={token}")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/orders/{order.reference}/slip").status_code == 404
