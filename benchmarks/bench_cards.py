"""Time to draw share cards, cold and warm, for each size, in Thai and English.

    .venv/bin/python benchmarks/bench_cards.py [--runs 5] [--all-cores]

Builds a throwaway app (SQLite in a temp instance folder) with one product
that has a 1600×1200 photo, two verified claims and a lot of six households,
pins itself to one CPU core (unless --all-cores), and prints, per size and
language, the median and best of:

- draw: `draw_card` alone (photo decode and crop, Thai layout, QR, JPEG encode),
  in wall-clock time and in CPU time of this thread (which a loaded machine
  inflates much less than the wall clock);
- cold: a request for the keyed card URL with no stored file (queries, key,
  draw, store);
- warm: the same request once the file is stored (queries, key, read).

The very first card in a process also loads PyThaiNLP's dictionary and the
fonts; it is printed apart. The machine's load average is printed beside the
figures, since other processes share the cores.
"""

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))


def photo():
    """A noisy 1600×1200 JPEG, like a stored product photo."""
    small = Image.effect_noise((200, 150), 64).convert("RGB")
    image = small.resize((1600, 1200), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def build(app):
    """One listed product with a photo, claims and a lot of six households."""
    from marketplace.catalog import images
    from marketplace.extensions import db
    from tests import factories as f

    db.create_all()
    group = f.make_group(slug="hom-phaendin", name_th="กลุ่มวิสาหกิจชุมชนหอมแผ่นดิน")
    product = f.make_product(
        group=group,
        slug="black-sticky-rice",
        name_th="ข้าวเหนียวดำอินทรีย์ ปลูกแบบขั้นบันได ดอยงาม",
        name_en="Organic black sticky rice from the Doi Ngam terraces",
        summary_th="ข้าวเหนียวดำหอมนุ่ม เก็บเกี่ยวใหม่ ไม่ขัดสี",
    )
    with app.test_request_context():
        images.add_product_image(product, photo(), sizes_now=True)
    lot = product.variants[0].lots[0]
    for _ in range(6):
        f.make_contribution(lot, f.make_household(group))
    f.make_claim(product, issuer="สำนักงานเกษตรอำเภอพาน จังหวัดเชียงราย")
    f.make_claim(group, kind="pgs", issuer="เครือข่ายเกษตรอินทรีย์เชียงราย")
    db.session.commit()
    return product.slug


def load_average():
    """The machine's load averages, formatted."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def ms(values):
    """'median / best' in milliseconds."""
    return f"{statistics.median(values) * 1000:7.1f} / {min(values) * 1000:6.1f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions per figure (default 5)")
    parser.add_argument("--all-cores", action="store_true", help="do not pin to one core")
    args = parser.parse_args(argv)
    if not args.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    instance = tempfile.mkdtemp(prefix="bench-cards-")
    os.environ["MARKETPLACE_INSTANCE"] = instance
    from marketplace import create_app
    from marketplace.config import TestConfig
    from marketplace.marketing import cards
    from marketplace.storage import storage

    app = create_app(TestConfig)
    try:
        with app.app_context():
            slug = build(app)
            client = app.test_client()
            print(f"load average before (1, 5, 15 min): {load_average()}")
            with app.test_request_context():
                content = cards.card_content("product", slug, "th")
                start = time.perf_counter()
                cards.draw_card(content, "1200x630")
                first = time.perf_counter() - start
            cores = "all cores" if args.all_cores else "one core"
            print(f"share cards, {args.runs} runs each, {cores}; median / best in ms")
            print(f"first card in the process (loads dictionary and fonts): {first * 1000:.0f} ms")
            head = ("size", "lang", "draw", "draw (CPU)", "cold request", "warm request")
            print("{:<10} {:<4} {:>16} {:>16} {:>16} {:>16}".format(*head))
            for size in cards.SIZES:
                for language in cards.LANGUAGES:
                    with app.test_request_context():
                        content = cards.card_content("product", slug, language)
                        url = content.url(size)
                    draws, cpus, colds, warms = [], [], [], []
                    for _ in range(args.runs):
                        with app.test_request_context():
                            start, cpu = time.perf_counter(), time.thread_time()
                            cards.draw_card(content, size)
                            draws.append(time.perf_counter() - start)
                            cpus.append(time.thread_time() - cpu)
                        with app.test_request_context():
                            storage().delete_prefix("cards/")
                        start = time.perf_counter()
                        assert client.get(url).status_code == 200
                        colds.append(time.perf_counter() - start)
                        start = time.perf_counter()
                        assert client.get(url).status_code == 200
                        warms.append(time.perf_counter() - start)
                    row = (size, language, ms(draws), ms(cpus), ms(colds), ms(warms))
                    print("{:<10} {:<4} {:>16} {:>16} {:>16} {:>16}".format(*row))
            print(f"load average after (1, 5, 15 min): {load_average()} on {os.cpu_count()} cores")
    finally:
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
