"""Time to draw QR lot label PDFs: one A4 sheet of 24 labels (70 × 37 mm), cold and warm.

    .venv/bin/python benchmarks/bench_labels.py [--repeat 10] [--sheet a4-3x8] [--count 24]
        [--png labels.png]

"Cold" is the first sheet in a fresh process (font files read, PyThaiNLP's
dictionary loaded, HarfBuzz faces built); "warm" is the median of the next
`--repeat` sheets. The lot lives in a throwaway SQLite database. With --png,
the first page is also rendered at 300 dpi (pypdfium2) to look at.
Prints the machine's load beside the figures: the box is shared.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--sheet", default="a4-3x8")
    parser.add_argument("--count", type=int, default=24)
    parser.add_argument("--png", default="")
    return parser.parse_args(argv)


def _load():
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} / {five:.2f} (1 / 5 min) on {os.cpu_count()} cores"


def main(argv=None):
    """Draw the sheets and print the timings."""
    args = parse_args(argv)
    os.environ["MARKETPLACE_INSTANCE"] = tempfile.mkdtemp(prefix="bench-labels-")
    from marketplace import create_app
    from marketplace.config import TestConfig
    from marketplace.extensions import db
    from marketplace.marketing import labels
    from tests import factories

    app = create_app(TestConfig)
    with app.app_context():
        db.create_all()
        group = factories.make_group(name_th="วิสาหกิจชุมชนกลุ่มหอมแผ่นดิน")
        product = factories.make_product(
            group=group,
            name_th="ข้าวเหนียวดำอินทรีย์ ปลูกโดยไม่ใช้สารเคมี",
            stock=None,
            fda_number="5710123450001",
            shelf_life_days=180,
        )
        lot = factories.make_lot(product.variants[0], quantity=400, produced_on=date(2025, 12, 1))
        db.session.commit()

        def sheet():
            start = time.perf_counter()
            run = labels.check_run(group, lot.id, args.sheet, args.count, with_price=True)
            pdf = labels.render_labels(run)
            return time.perf_counter() - start, pdf

        cold, pdf = sheet()
        warm = [sheet()[0] for _ in range(args.repeat)]
        print(f"label sheet {args.sheet} × {args.count} labels, {len(pdf):,} bytes")
        print(f"  cold  {cold * 1000:7.1f} ms")
        print(
            f"  warm  {statistics.median(warm) * 1000:7.1f} ms median, "
            f"{min(warm) * 1000:.1f}–{max(warm) * 1000:.1f} ms over {args.repeat}"
        )
        print(f"  {_load()}")
        if args.png:
            import pypdfium2 as pdfium

            document = pdfium.PdfDocument(pdf)
            page = document[0]
            page.render(scale=300 / 72).to_pil().save(args.png)
            page.close()
            document.close()
            print(f"  first page at 300 dpi: {args.png}")


if __name__ == "__main__":
    main()
