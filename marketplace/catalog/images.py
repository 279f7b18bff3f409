"""Product images: validated by content, re-oriented, stripped of metadata, stored in sizes.

This is the only module that decodes uploaded images. Files live in the store
(`marketplace/storage.py`: the instance folder or an S3 bucket) under
`products/<key>/<width>.<webp|jpg>`.
"""

import io
import logging
import secrets

from flask import current_app, url_for
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import ProductImage
from ..storage import StorageError, check_key, content_type_of, storage

log = logging.getLogger(__name__)

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
FORMATS = {"webp": ("WEBP", "image/webp"), "jpg": ("JPEG", "image/jpeg")}


class ImageRejected(ValueError):
    """An upload that is not an image we accept; `reason` is a short code for the message."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def check_stored(relative, within=""):
    """The key of a stored file, or FileNotFoundError when it is unsafe or leaves `within`.

    `within` is a folder of the store ("products", "evidence"); "products/../evidence/…"
    is refused too.
    """
    return check_key(relative, within)


def save_bytes(relative, data):
    """Write a file into the store (the instance folder or the bucket)."""
    storage().put(relative, data, content_type_of(relative))


def read_bytes(relative, within=""):
    """A stored file's bytes; FileNotFoundError when it is unsafe or missing."""
    return storage().read(check_key(relative, within))


def open_image(data):
    """Decode upload bytes into a clean RGB image, or raise ImageRejected.

    The format is read from the content, never the file name; images larger
    than IMAGE_MAX_PIXELS are refused before decoding (decompression bombs).
    The EXIF orientation is applied, then every piece of metadata is left behind.
    """
    max_pixels = current_app.config["IMAGE_MAX_PIXELS"]
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageRejected("format")
            width, height = probe.size
            if width * height > max_pixels:
                raise ImageRejected("too_many_pixels")
            probe.load()
            image = ImageOps.exif_transpose(probe)
            if image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            if image.mode == "RGBA":
                background = Image.new("RGB", image.size, (255, 255, 255))
                background.paste(image, mask=image.getchannel("A"))
                image = background
            # A fresh image carries pixels only: no EXIF, GPS, ICC or XMP.
            clean = Image.new("RGB", image.size)
            clean.paste(image)
            return clean
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected("too_many_pixels") from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise ImageRejected("format") from error


def _encode(image, fmt):
    buffer = io.BytesIO()
    pil_format, _ = FORMATS[fmt]
    if pil_format == "WEBP":
        image.save(buffer, pil_format, quality=80, method=4)
    else:
        image.save(buffer, pil_format, quality=82, optimize=True, progressive=True)
    return buffer.getvalue()


def widths_for(original_width):
    """The configured widths this image is stored at (never upscaled)."""
    sizes = [w for w in current_app.config["IMAGE_SIZES"] if w < original_width]
    return sizes + [min(original_width, max(current_app.config["IMAGE_SIZES"]))]


def store_image(image, prefix):
    """Store an already-clean image in every size and format; returns (key, width, height)."""
    key = secrets.token_hex(16)
    for width in widths_for(image.width):
        if width >= image.width:
            resized = image
        else:
            height = round(image.height * width / image.width)
            resized = image.resize((width, height), Image.Resampling.LANCZOS)
        for fmt in FORMATS:
            save_bytes(f"{prefix}/{key}/{width}.{fmt}", _encode(resized, fmt))
    return key, image.width, image.height


def add_product_image(product, data, alt_th="", alt_en=""):
    """Validate upload bytes and attach them to a product as its next image."""
    image = open_image(data)
    key, width, height = store_image(image, "products")
    position = len(product.images)
    record = ProductImage(
        product=product,
        key=key,
        width=width,
        height=height,
        alt_th=alt_th,
        alt_en=alt_en,
        position=position,
    )
    db.session.add(record)
    db.session.flush()
    return record


def stored_widths(image):
    """The widths stored for a ProductImage row."""
    return widths_for(image.width)


def _public_url(key):
    """The bucket's or CDN's address of a public file, else the app's media route."""
    return storage().public_url(key) or url_for("media.file", path=key)


def image_url(image, width=800, fmt="jpg"):
    """The URL of the stored size closest to `width` (not smaller, where one exists)."""
    widths = stored_widths(image)
    chosen = next((w for w in widths if w >= width), widths[-1])
    return _public_url(f"products/{image.key}/{chosen}.{fmt}")


def image_srcset(image, fmt="webp"):
    """A srcset attribute value listing every stored size of an image."""
    return ", ".join(
        f"{_public_url(f'products/{image.key}/{w}.{fmt}')} {w}w" for w in stored_widths(image)
    )


def _delete_after_commit(session, store, key, prefix=False):
    """Remove stored files once the transaction that forgot them commits (never on rollback)."""
    pending = session.info.setdefault("media_files_to_delete", [])
    pending.append((store, key, prefix))


@event.listens_for(Session, "after_commit")
def _remove_forgotten_files(session):
    for store, key, prefix in session.info.pop("media_files_to_delete", []):
        try:
            store.delete_prefix(key) if prefix else store.delete(key)
        except (OSError, RuntimeError):
            # A file left behind costs disk space, not correctness: its row is gone.
            log.warning("Could not remove stored file %s", key, exc_info=True)


@event.listens_for(Session, "after_soft_rollback")
def _keep_files_on_rollback(session, _previous_transaction):
    if not session.in_transaction():
        session.info.pop("media_files_to_delete", None)


def delete_product_image(image):
    """Delete a ProductImage row; its stored sizes go when the transaction commits."""
    try:
        folder = check_key(f"products/{image.key}", "products")
    except FileNotFoundError:
        folder = None
    db.session.delete(image)
    db.session.flush()
    if folder is not None:
        _delete_after_commit(db.session(), storage(), folder, prefix=True)


def delete_stored_file(relative):
    """Delete one stored file (e.g. claim evidence) when the transaction commits."""
    try:
        key = check_key(relative)
    except FileNotFoundError:
        return
    _delete_after_commit(db.session(), storage(), key)


def clean_jpeg(data):
    """Upload bytes re-encoded as a metadata-free JPEG (for evidence scans), or ImageRejected."""
    return _encode(open_image(data), "jpg")


def open_stored(image, min_width, draft_size=None):
    """A stored size of a ProductImage at least `min_width` wide (else the largest), decoded.

    For pictures drawn on the server (share cards); `draft_size` lets the JPEG
    decoder scale down on the way in (much faster), never below that size.
    None when the file is gone.
    """
    widths = stored_widths(image)
    chosen = next((w for w in widths if w >= min_width), widths[-1])
    try:
        data = read_bytes(f"products/{image.key}/{chosen}.jpg", within="products")
        with Image.open(io.BytesIO(data)) as stored:
            if draft_size:
                stored.draft("RGB", draft_size)
            return stored.convert("RGB")
    except (FileNotFoundError, StorageError, OSError, UnidentifiedImageError):
        return None


def stored_size_name(image, min_width):
    """Which stored size `open_stored` would read: part of what a drawn picture shows."""
    widths = stored_widths(image)
    return f"{image.key}/{next((w for w in widths if w >= min_width), widths[-1])}"
