"""Photos from a phone: checked by content, rotated upright, stripped of metadata, served safely."""

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from marketplace.models import ProductImage

from .pictures import jpeg_with_gps_and_rotation, picture, png_bomb_header


def _upload(office, product, data, name="photo.jpg", finish=True, **extra):
    """Upload a photo; with `finish`, the response goes out, and the sizes job runs after it."""
    response = office.post(
        office.url(f"/products/{product.id}/photos"),
        {"photo": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data",
    )
    if finish:
        response.close()
    return response


def _product(office, make, db):
    product = make.product(group=office.a)
    db.session.commit()
    return product


def _stored_files(app, image):
    return sorted((Path(app.config["UPLOAD_FOLDER"]) / "products" / image.key).iterdir())


def test_jpeg_png_and_webp_are_accepted(office, make, db):
    product = _product(office, make, db)
    office.login("staff")
    for fmt, name in (("JPEG", "a.jpg"), ("PNG", "b.png"), ("WEBP", "c.webp")):
        assert _upload(office, product, picture(fmt), name).status_code == 303
    assert len(db.session.scalars(select(ProductImage)).all()) == 3


def test_exif_gps_is_stripped_and_orientation_applied(app, office, make, db):
    data = jpeg_with_gps_and_rotation(size=(40, 20))
    with Image.open(io.BytesIO(data)) as original:  # the upload really carries them
        assert original.getexif()[0x0112] == 6
        assert original.getexif().get_ifd(0x8825)[2]
    product = _product(office, make, db)
    office.login("leader")
    response = _upload(office, product, data, "IMG_0001.JPG", finish=False)
    assert response.status_code == 303
    image = db.session.scalars(select(ProductImage)).one()
    assert (image.width, image.height) == (20, 40)  # turned upright
    assert image.sizes_pending
    # What the request stored: the original only, private, already upright and without metadata.
    original = Path(app.config["UPLOAD_FOLDER"]) / "originals" / f"{image.key}.jpg"
    assert not (Path(app.config["UPLOAD_FOLDER"]) / "products" / image.key).exists()
    _check_clean_and_upright([original])
    response.close()  # the response has gone out: the photo_sizes job runs
    db.session.refresh(image)
    assert not image.sizes_pending
    files = _stored_files(app, image)
    assert {f.suffix for f in files} == {".jpg", ".webp"}
    assert len(files) == 2  # 20.jpg and 20.webp; the original is removed
    assert not original.exists()
    _check_clean_and_upright(files)


def _check_clean_and_upright(files):
    for path in files:
        raw = path.read_bytes()
        assert b"Exif" not in raw and b"PhoneMaker" not in raw
        with Image.open(path) as stored:
            assert stored.size == (20, 40)
            assert not stored.getexif()
            assert "exif" not in stored.info and "xmp" not in stored.info
            stored = stored.convert("RGB")
            # The red half (left) is now on top after rotating 90° clockwise.
            top, bottom = stored.getpixel((10, 5)), stored.getpixel((10, 35))
            assert top[0] > 200 and top[2] < 60
            assert bottom[2] > 200 and bottom[0] < 60


def test_text_named_jpg_is_refused(office, make, db):
    product = _product(office, make, db)
    office.login("staff")
    response = _upload(office, product, b"just some text, not a picture", "photo.jpg")
    assert response.status_code == 400
    assert "This file is not a photo we can use" in response.get_data(as_text=True)
    assert db.session.scalars(select(ProductImage)).first() is None


def test_gif_is_refused(office, make, db):
    product = _product(office, make, db)
    office.login("staff")
    response = _upload(office, product, picture("GIF"), "photo.jpg")
    assert response.status_code == 400
    assert "Send a JPEG, PNG or WebP picture." in response.get_data(as_text=True)


def test_missing_file_is_refused(office, make, db):
    product = _product(office, make, db)
    office.login("staff")
    response = office.post(office.url(f"/products/{product.id}/photos"), {"alt_th": "x"})
    assert response.status_code == 400
    assert "Choose a photo to upload." in response.get_data(as_text=True)


def test_decompression_bomb_is_refused(office, make, db):
    product = _product(office, make, db)
    office.login("staff")
    response = _upload(office, product, png_bomb_header(), "bomb.png")
    assert response.status_code == 400
    assert "too many pixels" in response.get_data(as_text=True)


def test_too_large_upload_is_413_and_says_the_limit(app, office, make, db):
    product = _product(office, make, db)
    office.login("staff")
    # A hand-made multipart body: the test client would spool a big one to an unclosed temp file.
    boundary = "xYzZY"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; '
            f'filename="huge.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        + b"\xff" * (app.config["MAX_CONTENT_LENGTH"] + 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = office.client.post(
        office.url(f"/products/{product.id}/photos"),
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "File too large" in html
    assert f"at most {app.config['MAX_CONTENT_LENGTH'] // 1048576} MB" in html


def test_media_route_serves_sizes_with_long_cache_and_nosniff(app, office, make, db):
    product = _product(office, make, db)
    office.login("staff")
    assert _upload(office, product, picture("JPEG", size=(1000, 600))).status_code == 303
    image = db.session.scalars(select(ProductImage)).one()
    widths = sorted(
        int(f.stem) for f in _stored_files(app, image) if f.suffix == ".jpg" and f.stem.isdigit()
    )
    assert widths == [320, 800, 1000]
    office.login("anonymous")
    for width in widths:
        response = office.client.get(f"/media/products/{image.key}/{width}.webp")
        assert response.status_code == 200
        assert response.mimetype == "image/webp"
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()
    page = office.client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert f"/media/products/{image.key}/" in page


def test_reorder_and_delete_photos(app, office, make, db):
    product = _product(office, make, db)
    office.login("staff")
    for _ in range(3):
        assert _upload(office, product, picture()).status_code == 303
    first, second, third = db.session.scalars(
        select(ProductImage).order_by(ProductImage.position)
    ).all()
    response = office.post(office.url(f"/photos/{third.id}/move"), {"direction": "up"})
    assert response.status_code == 303
    db.session.expire_all()
    order = [i.id for i in product.images]
    assert order == [first.id, third.id, second.id]
    assert (
        office.post(office.url(f"/photos/{first.id}/move"), {"direction": "sideways"}).status_code
        == 400
    )
    folder = Path(app.config["UPLOAD_FOLDER"]) / "products" / first.key
    assert folder.is_dir()
    assert office.post(office.url(f"/photos/{first.id}/delete")).status_code == 303
    db.session.expire_all()
    assert [i.id for i in product.images] == [third.id, second.id]
    assert [i.position for i in product.images] == [0, 1]
    assert not folder.exists()


def test_another_groups_photo_is_404(office, make, db):
    other = make.product(group=office.b)
    db.session.commit()
    office.login("other_leader")
    assert _upload(office, other, picture(), "x.jpg").status_code == 403  # not their group's URL
    response = office.post(
        office.url(f"/products/{other.id}/photos", office.b),
        {"photo": (io.BytesIO(picture()), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    image = db.session.scalars(select(ProductImage)).one()
    office.login("leader")
    assert office.post(office.url(f"/photos/{image.id}/delete")).status_code == 404
    assert (
        office.post(office.url(f"/photos/{image.id}/move"), {"direction": "up"}).status_code == 404
    )
    assert _upload(office, other, picture()).status_code == 404
    assert db.session.get(ProductImage, image.id) is not None
