"""A 12-megapixel phone photo: the upload request before and after the sizes moved to a job.

    /work/venv/bin/python benchmarks/bench_photos.py [--runs 5]

It makes a 4000x3000 JPEG with EXIF orientation 6 and GPS tags in memory (no
download), builds `create_app(TestConfig)` on a throwaway instance folder and
SQLite file, signs a group leader in, and posts the photo to the office's upload
route (`POST /office/<group>/products/<id>/photos`) `--runs` times each way:

- before: the request as it was, decoding, cleaning and storing every size and
  format inside it (`images.add_product_image` swapped for that old code);
- after: the request as it is, decoding, cleaning and storing the original only
  (under the private `originals/` prefix); then the `photo_sizes` job that makes
  the sizes and deletes the original, timed on its own (without a queue it runs
  once the response has gone, so the test client's `response.close()` is when
  it runs).

It prints the median and slowest of each, bytes stored per photo (before; while
the sizes are pending; once they exist), and the
growth of the process's maximum resident set size. The 1-, 5- and 15-minute
load averages are printed at the start and the end: the machine is shared, and
other work slows every figure.
"""

import argparse
import io
import os
import resource
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

SIZE = (4000, 3000)


def phone_photo(size=SIZE):
    """A noisy-ish 12 MP JPEG with EXIF orientation 6 and GPS coordinates, like a phone's."""
    small = Image.effect_noise((size[0] // 8, size[1] // 8), 64).convert("RGB")
    image = small.resize(size, Image.Resampling.BILINEAR)
    image.paste((200, 40, 40), (0, 0, size[0] // 2, size[1] // 3))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (18.0, 48.0, 30.0)
    gps[3] = "E"
    gps[4] = (99.0, 54.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def maxrss_mib():
    """ru_maxrss in MiB (kilobytes on Linux, bytes on macOS)."""
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value / (1024 * 1024) if sys.platform == "darwin" else value / 1024


def load():
    """The 1-, 5- and 15-minute load averages, as text."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def sizes_in_the_request(product, data, alt_th="", alt_en="", sizes_now=False):
    """The upload as it was before the photo_sizes job: every size made in the request."""
    from marketplace.catalog import images
    from marketplace.extensions import db
    from marketplace.models import ProductImage

    image = images.open_image(data)
    key = secrets.token_hex(16)
    images._store_sizes(image, "products", key, image.width)
    record = ProductImage(
        product=product,
        key=key,
        width=image.width,
        height=image.height,
        alt_th=alt_th,
        alt_en=alt_en,
        position=len(product.images),
    )
    db.session.add(record)
    db.session.flush()
    return record


def figures(label, seconds):
    """One line: median and slowest, in seconds."""
    return f"{label}: median {statistics.median(seconds):.3f} s, slowest {max(seconds):.3f} s"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="uploads each way (default 5)")
    args = parser.parse_args(argv)
    runs = max(1, min(args.runs, 100))

    data = phone_photo()
    print(f"load average at start: {load()}")
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as instance:
        os.environ["MARKETPLACE_INSTANCE"] = instance
        from marketplace import create_app
        from marketplace.catalog import images
        from marketplace.config import TestConfig
        from marketplace.extensions import db
        from tests import factories

        app = create_app(TestConfig)
        app.config["WTF_CSRF_ENABLED"] = False
        app.config["MAX_CONTENT_LENGTH"] = max(app.config["MAX_CONTENT_LENGTH"], 2 * len(data))
        uploads = Path(app.config["UPLOAD_FOLDER"])
        with app.app_context():
            db.create_all()
            group = factories.make_group(slug="hom-phaendin")
            factories.make_user("leader@example.com", memberships=[(group, "leader")])
            # One product per upload: a product holds at most MAX_PHOTOS photos.
            products = [factories.make_product(group=group) for _ in range(2 * runs)]
            db.session.commit()
            paths = [f"/office/{group.slug}/products/{p.id}/photos" for p in products]
        client = app.test_client()
        signed_in = client.post(
            "/account/sign-in",
            data={"email": "leader@example.com", "password": factories.DEFAULT_PASSWORD},
        )
        assert signed_in.status_code == 303, signed_in.status_code

        def stored_bytes():
            return sum(p.stat().st_size for p in uploads.rglob("*") if p.is_file())

        waiting = []  # bytes each photo holds while its sizes are pending (the original)

        def upload(path):
            before = stored_bytes()
            started = time.perf_counter()
            response = client.post(
                path,
                data={"photo": (io.BytesIO(data), "IMG_0001.JPG")},
                content_type="multipart/form-data",
            )
            answered = time.perf_counter()
            assert response.status_code == 303, response.get_data(as_text=True)[:500]
            waiting.append(stored_bytes() - before)
            sized = time.perf_counter()
            response.close()  # the response has gone out: an in-process job runs now
            return answered - started, time.perf_counter() - sized

        rss_before = maxrss_mib()
        before, after, job = [], [], []
        original = images.add_product_image
        images.add_product_image = sizes_in_the_request
        try:
            for path in paths[:runs]:
                before.append(upload(path)[0])
        finally:
            images.add_product_image = original
        stored_before = stored_bytes()
        waiting.clear()
        for path in paths[runs:]:
            answered, sized = upload(path)
            after.append(answered)
            job.append(sized)
        stored_all = stored_bytes()
        originals_left = sum(1 for p in (uploads / "originals").glob("*.jpg"))
        rss_after = maxrss_mib()
        with app.app_context():
            from marketplace.models import ProductImage

            pending = db.session.query(ProductImage).filter_by(sizes_pending=True).count()
            db.session.remove()
            db.drop_all()
            db.engine.dispose()

    print(f"input: {SIZE[0]}x{SIZE[1]} JPEG, EXIF orientation 6 + GPS, {len(data):,} bytes")
    print(f"runs: {runs} uploads each way, through the test client, SQLite, local files")
    print(figures("upload request before (sizes made in the request)", before))
    print(figures("upload request after (original only)", after))
    print(figures("photo_sizes job, after the response", job))
    print(
        f"request time: {statistics.median(after) / statistics.median(before):.0%} of before "
        f"({statistics.median(before) - statistics.median(after):.3f} s less per upload)"
    )
    print(
        f"bytes stored per photo: before {stored_before // runs:,} (the sizes); "
        f"now while pending {statistics.median(waiting):,.0f} (the private original); "
        f"now once sized {(stored_all - stored_before) // runs:,} (the sizes; the original "
        f"removed, {originals_left} originals left)"
    )
    print(f"photos still pending after the runs: {pending}")
    print(
        f"ru_maxrss: {rss_before:.1f} -> {rss_after:.1f} MiB "
        f"(delta {rss_after - rss_before:.1f} MiB)"
    )
    print(f"load average at end: {load()}")


if __name__ == "__main__":
    main()
