"""The bucket down: every page says so in the reader's language (503), forms keep what was
typed, nothing in the database changes, and commands exit with one line, not a traceback."""

import io

import pytest
from sqlalchemy import func, select

from marketplace.catalog import images
from marketplace.models import Claim, ClaimEvidence, Payment, ProductImage
from marketplace.orders import service
from marketplace.storage import StorageError, storage

from ..shop.buying import post
from .pictures import PDF, picture

UPLOAD_FAILED = "our file storage cannot be reached right now"
PAGE_HEADING = "Files cannot be reached right now"


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_photo_upload_with_the_store_down_keeps_the_form_and_changes_nothing(
    office, make, db, store_down
):
    product = make.product(group=office.a)
    db.session.commit()
    office.login("leader")
    store_down()
    response = office.post(
        office.url(f"/products/{product.id}/photos"),
        {"photo": (io.BytesIO(picture("JPEG")), "photo.jpg"), "alt_en": "Rice in its bag"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert UPLOAD_FAILED in page
    assert "Rice in its bag" in page  # what was typed is still in the form
    assert _count(db, ProductImage) == 0


def test_evidence_with_the_store_down_keeps_the_form_and_changes_nothing(
    office, make, db, store_down
):
    claim = make.claim(office.a, status="pending")
    db.session.commit()
    office.login("leader")
    store_down()
    response = office.post(
        office.url(f"/claims/{claim.id}/evidence"),
        {"evidence": (io.BytesIO(PDF), "more.pdf"), "description": "Lab page two"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert UPLOAD_FAILED in page and "Lab page two" in page
    claims = _count(db, Claim)
    response = office.post(
        office.url("/claims/new"),
        {
            "subject": "group",
            "kind": "chemical_free",
            "details_en": "Tested by the district lab",
            "review": "pending",
            "evidence": [(io.BytesIO(PDF), "lab.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert UPLOAD_FAILED in page and "Tested by the district lab" in page
    assert _count(db, Claim) == claims and _count(db, ClaimEvidence) == 0


def _slip(client, order, data):
    token = service.order_token(order)
    return post(
        client,
        f"/orders/{order.reference}/slip",
        {"slip": (io.BytesIO(data), "slip.jpg"), "token": token},
        page=f"/orders/{order.reference}?token={token}",
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", UPLOAD_FAILED), ("th", "ขณะนี้ติดต่อที่เก็บไฟล์ไม่ได้")],
    ids=["en", "th"],
)
def test_a_slip_with_the_store_down_is_refused_in_the_buyers_language(
    client, make, db, store_down, language, expected
):
    product = make.product(stock=5)
    order = make.order({product.variants[0]: 1})
    db.session.commit()
    client.set_cookie("lang", language)
    store_down()
    response = _slip(client, order, picture("JPEG", size=(60, 40)))
    assert response.status_code == 503
    assert expected in response.get_data(as_text=True)
    db.session.expire_all()
    assert all(payment.slip_key is None for payment in db.session.scalars(select(Payment)))
    assert order.status == "pending_payment"


def test_stored_files_read_with_the_store_down_answer_503_in_the_readers_language(
    app, client, office, make, db, store_down
):
    product = make.product(group=office.a, stock=5)
    order = make.order({product.variants[0]: 1})
    db.session.commit()
    assert _slip(client, order, picture("JPEG", size=(60, 40))).status_code == 303
    office.login("leader")
    claim = make.claim(office.a, status="pending")
    db.session.commit()
    response = office.post(
        office.url(f"/claims/{claim.id}/evidence"),
        {"evidence": (io.BytesIO(PDF), "more.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    evidence = db.session.scalars(select(ClaimEvidence)).one()
    image = images.add_product_image(product, picture("JPEG"), sizes_now=True)
    db.session.commit()
    fulfilment = order.fulfilments[0]
    photo = f"/media/products/{image.key}/{images.stored_widths(image)[0]}.webp"
    store_down()

    for path in (
        office.url(f"/evidence/{evidence.id}"),
        office.url(f"/orders/{fulfilment.id}/slip"),
        f"/orders/{order.reference}/slip?token={service.order_token(order)}",
        photo,
    ):
        response = office.client.get(path)
        assert response.status_code == 503, path
        assert PAGE_HEADING in response.get_data(as_text=True), path
        assert response.headers["Retry-After"] == "120"
        assert response.headers["Cache-Control"] == "no-store"
    anyone = app.test_client()
    anyone.set_cookie("lang", "th")
    response = anyone.get(photo)
    assert response.status_code == 503
    assert "ขณะนี้ยังเปิดไฟล์ไม่ได้" in response.get_data(as_text=True)
    # Pages that only link photos still answer.
    assert anyone.get(f"/products/{product.slug}").status_code == 200


@pytest.mark.parametrize(
    "command", [["demo", "load"], ["storage", "originals"], ["storage", "migrate"]]
)
def test_commands_with_the_store_down_exit_with_one_line(
    app, runner, db, store_down, command, tmp_path, monkeypatch
):
    (tmp_path / "products" / "x").mkdir(parents=True)
    (tmp_path / "products" / "x" / "320.jpg").write_bytes(b"x")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    store_down()
    result = runner.invoke(args=command)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: object storage:"), result.output
    assert "the database was not changed" in lines[0]
    from marketplace.models import ProducerGroup

    assert _count(db, ProducerGroup) == 0


def test_listing_and_deleting_a_prefix_with_the_store_down_raise_storage_errors(store_down):
    store = store_down()
    with pytest.raises(StorageError):
        list(store.keys("products/"))
    with pytest.raises(StorageError):
        store.delete_prefix("products/x")
    assert storage() is store


def test_the_stuck_photo_pass_stops_at_a_store_down_and_says_so(app, make, db, runner, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from marketplace import jobs

    monkeypatch.setitem(jobs.TASKS, "photo_sizes", lambda image_id: None)  # the jobs are lost
    product = make.product()
    for _ in range(3):
        images.add_product_image(product, picture("JPEG"))
    db.session.commit()
    for image in product.images:
        image.created_at = datetime.now(UTC) - images.STUCK_AFTER - timedelta(minutes=1)
    db.session.commit()
    reads = []

    def unreachable(key):
        reads.append(key)
        raise StorageError("object storage: Could not connect to the endpoint URL")

    monkeypatch.setattr(images, "read_original", unreachable)
    result = runner.invoke(args=["jobs", "run", "finish_stuck_photos"])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: object storage:")
    assert len(reads) == 1  # not once per photo: the store is down for every one
    db.session.expire_all()
    assert all(image.sizes_pending for image in product.images)  # left for the next pass


def test_the_store_client_takes_its_timeouts_and_tries_from_the_settings(app, s3_bucket):
    from marketplace.storage import build_storage

    defaults = build_storage(app.config).client.meta.config
    assert (defaults.connect_timeout, defaults.read_timeout) == (3, 10)
    tries = defaults.retries["total_max_attempts"]  # the first call included
    assert tries == 2
    # With these, a bucket that hangs costs at most 2 x 10 s: inside gunicorn's 30 s.
    assert tries * max(defaults.connect_timeout, defaults.read_timeout) < 30


def test_a_bucket_that_hangs_answers_503_not_a_killed_worker(app, s3_bucket, monkeypatch):
    """A store that takes the connection and never answers fails within the budget."""
    import socket

    from marketplace.storage import build_storage

    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)  # the kernel completes each handshake; nobody ever reads or answers
        settings = {
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{hung.getsockname()[1]}",
            "S3_CONNECT_TIMEOUT": 0.5,
            "S3_READ_TIMEOUT": 0.5,
            "S3_MAX_ATTEMPTS": 1,
        }
        for key, value in settings.items():
            monkeypatch.setitem(app.config, key, value)
        monkeypatch.setitem(app.extensions, "storage", build_storage(app.config))
        with pytest.raises(StorageError):
            storage().read("products/k/320.webp")
        reader = app.test_client()
        reader.set_cookie("lang", "en")
        response = reader.get("/media/products/k/320.webp")
        assert response.status_code == 503
        assert PAGE_HEADING in response.get_data(as_text=True)
