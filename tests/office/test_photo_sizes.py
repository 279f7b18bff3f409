"""Photo sizes made by the photo_sizes job: placeholder until then, safe twice, retried on RQ."""

import io
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from marketplace import jobs
from marketplace.catalog import images
from marketplace.extensions import db as _db
from marketplace.models import ProductImage

from .pictures import jpeg_with_gps_and_rotation, picture

PENDING_SVG = "/static/img/photo-pending.svg"


def _upload(office, product, data, finish=True, **extra):
    """Upload as staff; with `finish` the response goes out (in-process jobs run after it)."""
    response = office.post(
        office.url(f"/products/{product.id}/photos"),
        {"photo": (io.BytesIO(data), "photo.jpg"), **extra},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    if finish:
        response.close()
    return response


def _folder(app, image):
    return Path(app.config["UPLOAD_FOLDER"]) / "products" / image.key


def _original(app, image):
    """The cleaned original: private, outside the public products/ folder."""
    return Path(app.config["UPLOAD_FOLDER"]) / "originals" / f"{image.key}.jpg"


def _names(app, image):
    folder = _folder(app, image)
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _pending_photo(office, make, db, size=(900, 600), **extra):
    """A product whose photo was uploaded, with the response (and so the job) not yet done."""
    product = make.product(group=office.a)
    db.session.commit()
    office.login("staff")
    response = _upload(office, product, picture("JPEG", size=size), finish=False, **extra)
    image = db.session.scalars(select(ProductImage).where(ProductImage.product == product)).one()
    return product, image, response


def test_without_a_queue_the_sizes_are_made_after_the_response(app, office, make, db):
    product, image, response = _pending_photo(office, make, db)
    assert image.sizes_pending
    assert _names(app, image) == [] and _original(app, image).is_file()
    response.close()
    db.session.refresh(image)
    assert not image.sizes_pending
    assert _names(app, image) == [
        "320.jpg", "320.webp", "800.jpg", "800.webp", "900.jpg", "900.webp"
    ]  # fmt: skip
    assert not _original(app, image).exists()  # the sizes exist: nothing needs it
    with Image.open(_folder(app, image) / "800.webp") as stored:
        assert stored.size == (800, 533)
    assert product.images[0].id == image.id


def test_pages_show_a_placeholder_of_the_right_shape_until_the_sizes_exist(
    app, office, make, db, client
):
    product, image, response = _pending_photo(office, make, db, alt_en="Rice in a bag")
    office.login("anonymous")
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)  # cached now
    (tag,) = re.findall(r'<img class="photo-pending[^>]*>', page)
    assert PENDING_SVG in tag
    assert 'width="900" height="600"' in tag
    assert 'alt="Photo being prepared: Rice in a bag"' in tag
    # No link to a size that is not there, nor to the private original: structured
    # data leaves the photo out until its sizes exist.
    assert image.key not in page
    thai = client.get(f"/products/{product.slug}?lang=th").get_data(as_text=True)
    assert 'alt="กำลังเตรียมรูปภาพ">' in thai  # no Thai alt text given: the words alone
    catalog = client.get("/products").get_data(as_text=True)
    assert PENDING_SVG in catalog and "card-image" in catalog
    office.login("staff")
    office_page = client.get(office.url(f"/products/{product.id}")).get_data(as_text=True)
    assert PENDING_SVG in office_page and 'width="160" height="107"' in office_page
    assert "Being prepared" in office_page

    response.close()  # the job runs and gives the catalog a new version
    db.session.rollback()  # requests share the test's session: let it see the job's commit
    page = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert PENDING_SVG not in page
    assert f"/products/{image.key}/800.jpg" in page
    assert f"/products/{image.key}/320.webp 320w" in page
    office_page = client.get(office.url(f"/products/{product.id}")).get_data(as_text=True)
    assert PENDING_SVG not in office_page and f"/products/{image.key}/320.jpg" in office_page


def test_server_side_pictures_use_the_original_while_pending(app, office, make, db):
    product, image, response = _pending_photo(office, make, db)
    assert images.stored_size_name(image, 600) == f"{image.key}/original"
    drawn = images.open_stored(image, 600, draft_size=(600, 400))
    assert drawn is not None and drawn.width >= 600
    with app.test_request_context():
        assert images.image_url(image, 1200) is None  # the original is never linked
        assert images.image_srcset(image) == ""
    response.close()
    db.session.refresh(image)
    assert images.stored_size_name(image, 600) == f"{image.key}/800"
    with app.test_request_context():
        assert images.image_url(image, 1200).endswith(f"/products/{image.key}/900.jpg")


def test_the_upload_is_still_checked_and_stripped_in_the_request(app, office, make, db):
    product = make.product(group=office.a)
    db.session.commit()
    office.login("staff")
    refused = office.post(
        office.url(f"/products/{product.id}/photos"),
        {"photo": (io.BytesIO(b"not a picture"), "photo.jpg")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert db.session.scalars(select(ProductImage)).first() is None
    _upload(office, product, jpeg_with_gps_and_rotation(size=(40, 20)), finish=False)
    image = db.session.scalars(select(ProductImage)).one()
    raw = _original(app, image).read_bytes()
    assert b"Exif" not in raw and b"PhoneMaker" not in raw
    with Image.open(io.BytesIO(raw)) as original:
        assert original.size == (20, 40)  # upright already


def test_the_job_is_safe_twice_and_on_two_hosts_at_once(app, office, make, db, monkeypatch):
    monkeypatch.setitem(jobs.TASKS, "photo_sizes", lambda image_id: None)  # held back
    product, image, response = _pending_photo(office, make, db)
    response.close()
    assert _names(app, image) == [] and _original(app, image).is_file()
    image_id = image.id
    results = []
    barrier = threading.Barrier(2)
    real_store = images._store_sizes

    def store_together(*args):
        barrier.wait(timeout=10)  # both "hosts" are resizing at the same time
        real_store(*args)

    monkeypatch.setattr(images, "_store_sizes", store_together)

    def host():
        with app.app_context():
            results.append(images.make_sizes(image_id))
            _db.session.remove()

    threads = [threading.Thread(target=host) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["done already", "made"]
    assert images.make_sizes(image_id) == "done already"  # and once more, later
    db.session.refresh(image)
    assert not image.sizes_pending
    assert len(_names(app, image)) == 6 and not _original(app, image).exists()
    for name in _names(app, image):
        with Image.open(_folder(app, image) / name) as stored:
            stored.load()  # whole, not torn by the other writer


def test_a_photo_deleted_before_its_job_ends_the_job_quietly(app, office, make, db, monkeypatch):
    monkeypatch.setitem(jobs.TASKS, "photo_sizes", lambda image_id: None)  # held back
    product, first, response = _pending_photo(office, make, db)
    response.close()
    _upload(office, product, picture("JPEG", size=(500, 300)))
    second = db.session.scalars(select(ProductImage).order_by(ProductImage.id.desc())).first()
    first_id, second_id = first.id, second.id
    first_folder, second_folder = _folder(app, first), _folder(app, second)
    first_original, second_original = _original(app, first), _original(app, second)

    # Deleted before the job ran: nothing to do.
    assert office.post(office.url(f"/photos/{first_id}/delete")).status_code == 303
    assert images.make_sizes(first_id) == "gone"
    assert not first_folder.exists() and not first_original.exists()

    # Deleted while the job was resizing: the sizes it wrote are removed again.
    real_store = images._store_sizes

    def delete_meanwhile(*args):
        assert office.post(office.url(f"/photos/{second_id}/delete")).status_code == 303
        real_store(*args)

    monkeypatch.setattr(images, "_store_sizes", delete_meanwhile)
    assert images.make_sizes(second_id) == "gone"
    assert not second_folder.exists() and not second_original.exists()


def test_with_redis_a_worker_makes_the_sizes(app, office, make, db, redis_queue):
    product, image, response = _pending_photo(office, make, db)
    response.close()
    assert redis_queue.count == 1
    db.session.refresh(image)
    assert image.sizes_pending and _names(app, image) == [] and _original(app, image).is_file()
    jobs.run_worker(app, burst=True)
    db.session.refresh(image)
    assert not image.sizes_pending
    assert "800.webp" in _names(app, image)
    assert redis_queue.count == 0


def test_a_failing_photo_job_is_retried_then_shown_to_admins(
    app, office, make, db, client, redis_queue, monkeypatch
):
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", (0,))  # one retry, at once
    product, image, response = _pending_photo(office, make, db)
    response.close()
    original = _original(app, image)
    kept = original.read_bytes()
    original.unlink()  # the store lost it (or has not got it yet, on another host)
    jobs.run_worker(app, burst=True)
    (failed,) = jobs.failed_jobs()
    assert failed["task"] == "photo_sizes" and failed["args"] == (image.id,)
    assert "FileNotFoundError" in failed["error"]
    db.session.refresh(image)
    assert image.sizes_pending  # still the placeholder, never a broken picture

    office.login("admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Make the sizes of an uploaded product photo" in page

    original.write_bytes(kept)
    assert jobs.retry_failed(failed["id"])
    jobs.run_worker(app, burst=True)
    assert jobs.failed_jobs() == []
    db.session.refresh(image)
    assert not image.sizes_pending


def test_the_demo_loader_adds_finished_photos(app, make, db):
    product = make.product()
    image = images.add_product_image(product, picture("JPEG", size=(400, 300)), sizes_now=True)
    assert not image.sizes_pending
    assert _names(app, image) == ["320.jpg", "320.webp", "400.jpg", "400.webp"]
    assert not _original(app, image).exists()  # finished at once: no original kept
    db.session.rollback()
    with app.app_context():
        images.storage().delete_prefix(f"products/{image.key}")


def test_a_photo_whose_job_was_lost_is_finished_by_the_periodic_pass(
    app, office, make, db, runner, monkeypatch
):
    monkeypatch.setitem(jobs.TASKS, "photo_sizes", lambda image_id: None)  # the job is lost
    _, old, response = _pending_photo(office, make, db)
    response.close()
    _, recent, response = _pending_photo(office, make, db)
    response.close()
    old.created_at = datetime.now(UTC) - images.STUCK_AFTER - timedelta(minutes=1)
    db.session.commit()
    assert "finish_stuck_photos" in jobs.PERIODIC
    result = runner.invoke(args=["jobs", "run", "finish_stuck_photos"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "finish_stuck_photos: 1"
    db.session.expire_all()
    assert not old.sizes_pending and "800.webp" in _names(app, old)
    assert recent.sizes_pending  # its job may still be on its way
    assert images.finish_stuck_photos() == 0


def test_the_job_ends_quietly_when_another_run_removed_the_original(
    app, office, make, db, monkeypatch
):
    monkeypatch.setitem(jobs.TASKS, "photo_sizes", lambda image_id: None)  # held back
    _, image, response = _pending_photo(office, make, db)
    response.close()
    image_id = image.id
    assert images.make_sizes(image_id) == "made"
    assert not _original(app, image).exists()
    # A second run (a retry, another host) finds no original: the sizes exist, so it is done.
    assert images.make_sizes(image_id) == "done already"
    db.session.expire_all()
    assert images.finish_stuck_photos(now=datetime.now(UTC) + timedelta(days=1)) == 0


def test_the_command_moves_originals_out_of_the_public_prefix(
    app, office, make, db, runner, monkeypatch
):
    """Originals stored by older versions beside the sizes: moved, or removed once sized."""
    from marketplace.storage import storage

    monkeypatch.setitem(jobs.TASKS, "photo_sizes", lambda image_id: None)  # held back
    _, waiting, response = _pending_photo(office, make, db)
    response.close()
    _, sized, response = _pending_photo(office, make, db)
    response.close()
    assert images.make_sizes(sized.id) == "made"
    store = storage()
    # As an older version left them: the original under products/, public.
    old_waiting = images.legacy_original_key(waiting.key)
    store.put(old_waiting, store.read(images.original_key(waiting.key)))
    store.delete(images.original_key(waiting.key))
    store.put(images.legacy_original_key(sized.key), b"old original")
    store.put("products/0123abcd/original.jpg", b"an upload not committed yet")
    office.login("anonymous")
    before = office.client.get(f"/media/{old_waiting}")
    before.close()
    assert before.status_code == 200  # public, before
    # The job still finds an original an older version stored (a rolling deploy).
    assert images.read_original(waiting.key)[:2] == b"\xff\xd8"

    result = runner.invoke(args=["storage", "originals"])
    assert result.exit_code == 0, result.output
    assert "moved to the private prefix: 1; removed (sizes exist): 1; of no photo, left: 1" in (
        result.output
    )
    assert not store.exists(old_waiting) and store.exists(images.original_key(waiting.key))
    assert not store.exists(images.legacy_original_key(sized.key))
    assert store.exists("products/0123abcd/original.jpg")
    assert office.client.get(f"/media/{old_waiting}").status_code == 404
    assert office.client.get(f"/media/originals/{waiting.key}.jpg").status_code == 404
    # Run again: nothing left to move.
    again = runner.invoke(args=["storage", "originals"])
    assert "moved to the private prefix: 0; removed (sizes exist): 0" in again.output
    assert images.make_sizes(waiting.id) == "made"
    assert not store.exists(images.original_key(waiting.key))
