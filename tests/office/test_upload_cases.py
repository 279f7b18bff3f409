"""Awkward uploads through the office's photo route: a clear answer, never a 500, no stray files."""

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from marketplace.models import ProductImage

from .pictures import picture

NOT_A_PHOTO = "This file is not a photo we can use"
TOO_MANY_PIXELS = "This picture has too many pixels"


def _png_declaring(width, height):
    """A valid 1x1 PNG whose IHDR is patched to declare `width` x `height` (CRC fixed)."""
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), (255, 0, 0)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    # Signature (8) + IHDR length (4) + type (4); the IHDR payload is 13 bytes, then its CRC.
    assert data[12:16] == b"IHDR"
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def _truncated_jpeg():
    whole = picture("JPEG", size=(400, 300))
    return whole[: len(whole) // 2]


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"

REFUSED = [
    pytest.param(_png_declaring(20_000, 20_000), "huge.png", TOO_MANY_PIXELS, id="png-20000x20000"),
    pytest.param(_truncated_jpeg(), "half.jpg", NOT_A_PHOTO, id="truncated-jpeg"),
    pytest.param(SVG, "drawing.svg", NOT_A_PHOTO, id="svg"),
    pytest.param(HTML, "page.jpg", NOT_A_PHOTO, id="html-named-jpg"),
]
ACCEPTED = [
    pytest.param("สินค้า.jpg", id="thai-name"),
    pytest.param("../../x.jpg", id="path-traversal-name"),
]


def _files_under(folder):
    return {p for p in Path(folder).rglob("*") if p.is_file()}


@pytest.fixture
def upload(app, office, make, db):
    """Upload as staff of group A; returns (response, files outside uploads, new upload files)."""
    product = make.product(group=office.a)
    db.session.commit()
    office.login("staff")
    uploads = Path(app.config["UPLOAD_FOLDER"])
    outside = Path(app.instance_path).parent

    def outside_uploads():
        return {p for p in _files_under(outside) if uploads not in p.parents}

    def send(data, name):
        before_outside, before_uploads = outside_uploads(), _files_under(uploads)
        response = office.post(
            office.url(f"/products/{product.id}/photos"),
            {"photo": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert outside_uploads() == before_outside
        return response, _files_under(uploads) - before_uploads

    send.product = product
    return send


def test_the_crafted_png_really_declares_20000_pixels_square():
    data = _png_declaring(20_000, 20_000)
    assert struct.unpack(">II", data[16:24]) == (20_000, 20_000)
    assert struct.unpack(">I", data[29:33])[0] == zlib.crc32(data[12:29])
    with pytest.raises(Image.DecompressionBombError):  # Pillow reads the patched header
        Image.open(io.BytesIO(data))


@pytest.mark.parametrize(("data", "name", "message"), REFUSED)
def test_bad_upload_gets_a_clear_400_and_writes_nothing(upload, db, data, name, message):
    response, new_files = upload(data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert new_files == set()
    assert db.session.scalars(select(ProductImage)).first() is None


@pytest.mark.parametrize("name", ACCEPTED)
def test_awkward_name_is_stored_under_a_server_chosen_name(app, upload, db, name):
    response, new_files = upload(picture("JPEG", size=(60, 40)), name)
    assert response.status_code == 303
    image = db.session.scalars(select(ProductImage)).one()
    assert re.fullmatch(r"[0-9a-f]{32}", image.key)
    folder = (Path(app.config["UPLOAD_FOLDER"]) / "products" / image.key).resolve()
    original = (Path(app.config["UPLOAD_FOLDER"]) / "originals" / f"{image.key}.jpg").resolve()
    # The request stores the cleaned original, privately, under the server's name; the
    # sizes come from the photo_sizes job.
    assert {path.resolve() for path in new_files} == {original}
    assert Path(name).stem not in str(original)
    response.close()  # the response has gone out: the job runs
    assert {p.name for p in folder.iterdir()} == {"60.jpg", "60.webp"}
    assert not original.exists()
