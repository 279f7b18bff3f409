"""Product images: validated by content, re-oriented, stripped of metadata, stored in sizes.

This is the only module that decodes uploaded images. Files live in the store
(`marketplace/storage.py`: the instance folder or an S3 bucket) under the public
prefix `products/<key>/<width>.<webp|jpg>`.

An upload is checked, re-oriented and stripped of its metadata in the request,
and only the cleaned original is stored, under the private prefix
`originals/<key>.jpg`: never served (not by the media route, not by the
bucket's public policy, which covers `products/*` only), read only by the
`photo_sizes` job (`make_sizes`) that makes the sizes once the upload commits,
and by the share cards drawn on the server meanwhile. Until then the row's
`sizes_pending` is true: pages show a placeholder box of the photo's shape
(templates/macros/images.html), and feeds and structured data leave the photo
out. Once the sizes exist the original is deleted: nothing reads it again
(no re-sizing exists; `finish_stuck_photos` only takes up photos still pending,
whose original is still there). The job is safe to run twice or on two hosts at
once (the files it writes are the same, and only one run flips the flag and
gives the catalog a new version, so cached pages move from the placeholder to
the photo), and ends quietly when the photo or its product was deleted before
it ran. Originals stored by older versions under `products/<key>/original.jpg`
are still read, and `flask storage originals` moves them (see README).
"""

import io
import logging
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app, url_for
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from .. import jobs
from ..extensions import db
from ..models import ProductImage
from ..storage import StorageError, check_key, content_type_of, storage
from .cache import bump_catalog_version

log = logging.getLogger(__name__)

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
FORMATS = {"webp": ("WEBP", "image/webp"), "jpg": ("JPEG", "image/jpeg")}
ORIGINALS = "originals"  # originals/<key>.jpg: the cleaned upload, private, until sizes exist
ORIGINAL = "original"  # the name share cards key a pending photo by; older versions stored
# the original under the public prefix, at products/<key>/original.jpg
ORIGINAL_QUALITY = 92
# A photo pending this long lost its job: the periodic pass makes its sizes.
STUCK_AFTER = timedelta(minutes=10)


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


def _store_sizes(image, prefix, key, original_width):
    """Store `image` (the original, or a draft of it) in every size and format under `key`."""
    for width in widths_for(original_width):
        if width >= image.width:
            resized = image
        else:
            height = round(image.height * width / image.width)
            resized = image.resize((width, height), Image.Resampling.LANCZOS)
        for fmt in FORMATS:
            save_bytes(f"{prefix}/{key}/{width}.{fmt}", _encode(resized, fmt))


def original_key(key):
    """Where a product photo's cleaned original is stored (private: never served)."""
    return f"{ORIGINALS}/{key}.jpg"


def legacy_original_key(key):
    """Where older versions stored the original, under the public prefix."""
    return f"products/{key}/{ORIGINAL}.jpg"


def read_original(key):
    """The cleaned original's bytes (the private key, else the legacy public one)."""
    try:
        return read_bytes(original_key(key), within=ORIGINALS)
    except FileNotFoundError:
        return read_bytes(legacy_original_key(key), within="products")


def delete_original(key):
    """Remove a photo's original (both places); its sizes exist or the photo is gone."""
    store = storage()
    for stored in (original_key(key), legacy_original_key(key)):
        store.delete(stored)  # a missing file is not an error


def store_original(image):
    """Store an already-clean image as the original of a new photo; returns its key."""
    key = secrets.token_hex(16)
    buffer = io.BytesIO()
    # No `optimize`/`progressive`: this copy is read by the job, not sent to phones.
    image.save(buffer, "JPEG", quality=ORIGINAL_QUALITY)
    save_bytes(original_key(key), buffer.getvalue())
    return key


def add_product_image(product, data, alt_th="", alt_en="", sizes_now=False):
    """Validate upload bytes and attach them to a product as its next image.

    The metadata is stripped here, and only the cleaned original is stored; the
    `photo_sizes` job makes the sizes after the commit. `sizes_now` makes them
    here instead (the demo loader, so its photos are finished when it returns).
    """
    image = open_image(data)
    if sizes_now:  # finished now: no original to keep
        key = secrets.token_hex(16)
        _store_sizes(image, "products", key, image.width)
    else:
        key = store_original(image)
    record = ProductImage(
        product=product,
        key=key,
        width=image.width,
        height=image.height,
        alt_th=alt_th,
        alt_en=alt_en,
        position=len(product.images),
        sizes_pending=not sizes_now,
    )
    db.session.add(record)
    db.session.flush()
    if not sizes_now:
        jobs.run_after_commit("photo_sizes", record.id)
    return record


def make_sizes(image_id):
    """The `photo_sizes` job: store every size of a photo from its original, then show it.

    Returns what happened: "made", "done already" or "gone" (the photo or its
    product was deleted first). Raises when the original cannot be read while
    the photo still exists and waits for its sizes, so the queue tries again
    later. Once the sizes are stored and shown, the original is deleted.
    """
    row = db.session.execute(
        select(ProductImage.key, ProductImage.width, ProductImage.sizes_pending).where(
            ProductImage.id == image_id
        )
    ).one_or_none()
    db.session.rollback()  # hold no snapshot or lock while resizing
    if row is None:
        return "gone"
    key, width, pending = row
    if not pending:
        return "done already"
    try:
        data = read_original(key)
    except FileNotFoundError:
        state = _image_state(image_id)
        if state != "pending":
            return state  # "gone", or "done already" by another run that removed the original
        raise
    with Image.open(io.BytesIO(data)) as stored:
        largest = widths_for(width)[-1]
        # JPEG decodes at a power-of-two scale no smaller than the largest size: much faster.
        stored.draft("RGB", (largest, round(stored.height * largest / stored.width)))
        picture = stored.convert("RGB")
    _store_sizes(picture, "products", key, width)
    flipped = db.session.execute(
        update(ProductImage)
        .where(ProductImage.id == image_id, ProductImage.sizes_pending.is_(True))
        .values(sizes_pending=False)
    ).rowcount
    if flipped:
        # Cached pages were rendered with the placeholder: give the catalog a new version.
        bump_catalog_version(db.session.connection())
    db.session.commit()
    if not flipped and _image_gone(image_id):
        # Deleted while the sizes were made: its files went, do not leave ours behind.
        storage().delete_prefix(f"products/{key}")
        delete_original(key)
        return "gone"
    # The sizes exist and are shown (by this run or another): the original is not needed.
    delete_original(key)
    return "made" if flipped else "done already"


def move_legacy_originals():
    """`flask storage originals`: take originals out of the public prefix; (moved, removed, left).

    A photo still pending gets its original copied to the private key, then the
    public copy deleted; a photo whose sizes exist only loses the public copy.
    A file whose photo row does not exist is left (counted): its upload may not
    have committed yet.
    """
    store = storage()
    suffix = f"/{ORIGINAL}.jpg"
    legacy = [key for key in store.keys("products/") if key.endswith(suffix)]
    photo_keys = {key[len("products/") : -len(suffix)]: key for key in legacy}
    pending, wanted = {}, list(photo_keys)
    for start in range(0, len(wanted), 500):  # a bounded number of parameters per query
        chunk = wanted[start : start + 500]
        rows = db.session.execute(
            select(ProductImage.key, ProductImage.sizes_pending).where(ProductImage.key.in_(chunk))
        )
        pending.update((key, waiting) for key, waiting in rows)
    db.session.rollback()
    moved = removed = left = 0
    for key, stored in photo_keys.items():
        if key not in pending:
            left += 1
            continue
        if pending[key]:
            if not store.exists(original_key(key)):
                store.put(original_key(key), store.read(stored), "image/jpeg")
            moved += 1
        else:
            removed += 1
        store.delete(stored)
    return moved, removed, left


def finish_stuck_photos(now=None, limit=50):
    """The periodic pass: make the sizes of photos still pending long after their upload.

    Their job was lost (the web process stopped between the response and the
    job, or every try failed): this takes them up again, oldest first, one at a
    time. Returns how many it finished; a photo that fails again is logged and
    left for the next pass. When the store is down (StorageError) the pass stops
    there and raises: every other photo would fail the same way, and the failure
    shows (the command exits 1, the worker's job fails) rather than a quiet 0.
    """
    cutoff = (now or datetime.now(UTC)) - STUCK_AFTER
    stuck = db.session.scalars(
        select(ProductImage.id)
        .where(ProductImage.sizes_pending.is_(True), ProductImage.created_at < cutoff)
        .order_by(ProductImage.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    finished = 0
    for image_id in stuck:
        try:
            finished += make_sizes(image_id) == "made"
        except StorageError:
            db.session.rollback()
            log.warning("Photos: the store is down; %d stuck photo(s) left", len(stuck) - finished)
            raise
        except Exception:
            db.session.rollback()
            log.exception("Photo %s: its sizes could not be made", image_id)
    return finished


def _image_gone(image_id):
    return _image_state(image_id) == "gone"


def _image_state(image_id):
    """ "gone", "pending" or "done already", as committed now."""
    pending = db.session.scalar(
        select(ProductImage.sizes_pending).where(ProductImage.id == image_id)
    )
    db.session.rollback()
    if pending is None:
        return "gone"
    return "pending" if pending else "done already"


def stored_widths(image):
    """The widths stored for a ProductImage row."""
    return widths_for(image.width)


def _public_url(key):
    """The bucket's or CDN's address of a public file, else the app's media route."""
    return storage().public_url(key) or url_for("media.file", path=key)


def image_url(image, width=800, fmt="jpg"):
    """The URL of the stored size closest to `width` (not smaller, where one exists).

    None while the sizes are pending: the original is private. Pages show a
    placeholder instead (templates/macros/images.html); feeds and structured
    data leave the photo out (`ready`).
    """
    if image.sizes_pending:
        return None
    widths = stored_widths(image)
    chosen = next((w for w in widths if w >= width), widths[-1])
    return _public_url(f"products/{image.key}/{chosen}.{fmt}")


def ready(images):
    """The photos whose sizes exist, in order: those feeds and structured data may link."""
    return [image for image in images if not image.sizes_pending]


def image_srcset(image, fmt="webp"):
    """A srcset attribute value listing every stored size of an image ("" while pending)."""
    if image.sizes_pending:
        return ""
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
        _delete_after_commit(db.session(), storage(), original_key(image.key))


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


def _stored_name(image, min_width):
    """The stored file `open_stored` reads: a size, or the original while sizes are pending."""
    if image.sizes_pending:
        return ORIGINAL
    widths = stored_widths(image)
    return str(next((w for w in widths if w >= min_width), widths[-1]))


def open_stored(image, min_width, draft_size=None):
    """A stored size of a ProductImage at least `min_width` wide (else the largest), decoded.

    For pictures drawn on the server (share cards); `draft_size` lets the JPEG
    decoder scale down on the way in (much faster), never below that size.
    While the sizes are pending, the cleaned original. None when the file is gone.
    """
    try:
        name = _stored_name(image, min_width)
        if name == ORIGINAL:
            data = read_original(image.key)  # private: read here, never linked
        else:
            data = read_bytes(f"products/{image.key}/{name}.jpg", within="products")
        with Image.open(io.BytesIO(data)) as stored:
            if draft_size:
                stored.draft("RGB", draft_size)
            return stored.convert("RGB")
    except (FileNotFoundError, StorageError, OSError, UnidentifiedImageError):
        return None


def stored_size_name(image, min_width):
    """Which stored file `open_stored` would read: part of what a drawn picture shows."""
    return f"{image.key}/{_stored_name(image, min_width)}"
