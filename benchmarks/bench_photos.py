"""Throughput and peak memory of the photo pipeline for a 12-megapixel phone photo.

    .venv/bin/python benchmarks/bench_photos.py [--runs 5]

It makes a 4000x3000 JPEG with EXIF orientation 6 and GPS tags in memory
(no download), then runs `open_image` + `store_image` on it N times inside an
app context of `create_app(TestConfig)` whose instance folder is a throwaway
temp directory, and prints seconds per photo, photos per minute, bytes stored
per photo, the tracemalloc peak (Python allocations only: Pillow's pixel
buffers are allocated in C and do not show there) and the growth of the
process's maximum resident set size (which does include them; measured after
the input photo was generated).
"""

import argparse
import io
import os
import resource
import sys
import tempfile
import time
import tracemalloc
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="photos processed (default 5)")
    args = parser.parse_args(argv)
    runs = max(1, min(args.runs, 1000))

    data = phone_photo()
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as instance:
        os.environ["MARKETPLACE_INSTANCE"] = instance
        from marketplace import create_app
        from marketplace.catalog.images import open_image, store_image
        from marketplace.config import TestConfig

        app = create_app(TestConfig)
        uploads = Path(app.config["UPLOAD_FOLDER"])
        with app.app_context():
            rss_before = maxrss_mib()
            tracemalloc.start()
            started = time.perf_counter()
            for _ in range(runs):
                image = open_image(data)
                store_image(image, "products")
                del image
            elapsed = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            rss_after = maxrss_mib()
        stored = [p for p in uploads.rglob("*") if p.is_file()]
        stored_bytes = sum(p.stat().st_size for p in stored)

    per_photo = elapsed / runs
    print(f"input: {SIZE[0]}x{SIZE[1]} JPEG, EXIF orientation 6 + GPS, {len(data):,} bytes")
    print(f"runs: {runs}, total {elapsed:.2f} s")
    print(f"seconds per photo: {per_photo:.3f}")
    print(f"photos per minute: {60 / per_photo:.1f}")
    print(
        f"bytes stored per photo: {stored_bytes // runs:,} "
        f"({len(stored) // runs} files; {stored_bytes:,} bytes in all)"
    )
    print(f"tracemalloc peak (Python allocations): {peak / 1048576:.1f} MiB")
    print(
        f"ru_maxrss: {rss_before:.1f} -> {rss_after:.1f} MiB "
        f"(delta {rss_after - rss_before:.1f} MiB)"
    )


if __name__ == "__main__":
    main()
