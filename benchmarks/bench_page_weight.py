"""Bytes a 360 px phone downloads for a storefront page, images included, measured in chromium.

    .venv/bin/python benchmarks/bench_page_weight.py [--dpr 1 2 3] [--path /products ...]

It makes a throwaway instance folder (SQLite), runs `flask db upgrade` and
`flask demo load` there, serves it under gunicorn on 127.0.0.1, then opens each
page in Debian's chromium (/usr/bin/chromium, through Playwright) at 360×740
with a fresh cache, for each device pixel ratio asked for, scrolls to the
bottom so lazy images load too, and adds up every response's bytes on the wire
(headers and body). It prints the total and the share of each kind (document,
styles, scripts, images, other), the number and widths of the photos chosen
from each `srcset`, and the machine's load. The aim for the catalog
(`/products`) is at most 300 KB at a device pixel ratio of 2.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from bench_pages import (
    REPO_ROOT,
    free_port,
    run_flask,
    start_gunicorn,
    stop_gunicorn,
    wait_until_serving,
)

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 360, "height": 740}
AIM_BYTES = 300 * 1024
AIM_DPR = 2
PHOTO = re.compile(r"/media/products/[0-9a-f]+/(\d+)\.(\w+)$")


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dpr", type=float, nargs="+", default=[1, 2, 3], help="device pixel ratios to try"
    )
    parser.add_argument(
        "--path", nargs="+", default=["/products"], help="pages to weigh (default: the catalog)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when the catalog misses")
    return parser.parse_args(argv)


def kind_of(resource_type, url):
    """The row a response is counted in."""
    if resource_type == "document":
        return "document"
    if resource_type == "stylesheet":
        return "styles"
    if resource_type == "script":
        return "scripts"
    if resource_type == "image" or PHOTO.search(url):
        return "images"
    return "other"


def weigh(browser, base_url, path, dpr):
    """Open `path` once with an empty cache; returns ({kind: bytes}, Counter of photo widths)."""
    context = browser.new_context(
        base_url=base_url,
        viewport=VIEWPORT,
        device_scale_factor=dpr,
        locale="th-TH",
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    totals = defaultdict(int)
    photos = Counter()

    def finished(request):
        sizes = request.sizes()
        totals[kind_of(request.resource_type, request.url)] += (
            sizes["responseHeadersSize"] + sizes["responseBodySize"]
        )
        match = PHOTO.search(request.url)
        if match:
            photos[f"{match.group(1)}w.{match.group(2)}"] += 1

    page.on("requestfinished", finished)
    try:
        page.goto(path, wait_until="load")
        # Scroll down a screen at a time so every lazy image below the fold loads too.
        height = page.evaluate("document.documentElement.scrollHeight")
        for top in range(0, height + VIEWPORT["height"], VIEWPORT["height"] // 2):
            page.evaluate(f"window.scrollTo(0, {top})")
            page.wait_for_timeout(120)
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    return dict(totals), photos


def main(argv=None):
    """Set up, measure, print, clean up."""
    from playwright.sync_api import sync_playwright

    args = parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: install it with `apt-get install chromium`")
    instance = Path(tempfile.mkdtemp(prefix="bench-weight-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "FLASK_APP"}}
    env["MARKETPLACE_INSTANCE"] = str(instance)
    server = None
    missed = False
    try:
        print(f"instance: {instance} (SQLite)")
        run_flask(["db", "upgrade"], env)
        print(run_flask(["demo", "load"], env))
        port = free_port()
        server = start_gunicorn("marketplace:create_app()", port, 2, env, REPO_ROOT)
        wait_until_serving(server, port)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            print(f"chromium {browser.version}; viewport 360×740; empty cache per page")
            for path in args.path:
                for dpr in args.dpr:
                    totals, photos = weigh(browser, f"http://127.0.0.1:{port}", path, dpr)
                    total = sum(totals.values())
                    parts = "  ".join(
                        f"{kind} {totals.get(kind, 0) / 1024:6.1f}"
                        for kind in ("document", "styles", "scripts", "images", "other")
                    )
                    aim = ""
                    if path == "/products" and dpr == AIM_DPR:
                        verdict = "meets" if total <= AIM_BYTES else "MISSES"
                        aim = f"  (aim <= {AIM_BYTES // 1024} KB: {verdict})"
                        missed = total > AIM_BYTES
                    print(
                        f"{path:12} dpr {dpr:g}: {total / 1024:7.1f} KB{aim}\n"
                        f"             KB by kind: {parts}\n"
                        f"             photos: {sum(photos.values())} "
                        f"({', '.join(f'{n}× {w}' for w, n in sorted(photos.items()))})"
                    )
            browser.close()
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"load average (1, 5, 15 min): {load} on {os.cpu_count()} cores")
        return 1 if args.check and missed else 0
    finally:
        if server is not None:
            stop_gunicorn(server)
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
