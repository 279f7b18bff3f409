"""Requests per second of the storefront pages, against a bare Flask app under the same server.

    .venv/bin/python benchmarks/bench_pages.py [--duration 10] [--warmup 2] [--workers N]

It makes a throwaway instance folder (SQLite), runs `flask db upgrade` and
`flask demo load` there, serves the marketplace and benchmarks/hello_app.py
under gunicorn with the same settings on 127.0.0.1, and loads each page for a
fixed time from several client processes that reuse their connections where
the server allows it (gunicorn's sync workers close each one). It prints
requests per second, p50/p95 latency, and each page's share of the hello rate:
the aim is catalog >= 40 % and product >= 50 % of hello. Servers are always
stopped at the end. Loopback only; every loop is bounded in time and count.
"""

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
AIMS = {"catalog": 0.40, "product": 0.50}
MAX_REQUESTS_PER_CLIENT = 2_000_000
START_TIMEOUT_S = 60


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per page")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before each")
    parser.add_argument(
        "--workers",
        type=int,
        default=max(2, os.cpu_count() or 2),
        help="gunicorn sync workers, the same for both apps (default: cores, at least 2)",
    )
    parser.add_argument(
        "--clients", type=int, default=0, help="client processes (default: 2 per worker)"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when a page falls short of its aim"
    )
    return parser.parse_args(argv)


def free_port():
    """A port on the loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def run_flask(args, env):
    """Run `flask --app marketplace …` in the instance, failing loudly."""
    command = [sys.executable, "-m", "flask", "--app", "marketplace", *args]
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise SystemExit(
            f"`flask {' '.join(args)}` failed ({result.returncode}):\n"
            + result.stdout
            + result.stderr
        )
    return result.stdout.strip()


def start_gunicorn(app_spec, port, workers, env, cwd):
    """Start gunicorn in its own session; the caller stops it."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        app_spec,
    ]
    # The log outlives this function: stop_gunicorn closes it.
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    process.log = log
    return process


def stop_gunicorn(process):
    """SIGTERM the master (it stops its workers); kill its session if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
    process.log.close()


def get(port, path):
    """One GET on a fresh connection: (status, body)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_serving(process, port, path="/"):
    """Poll until the server answers 200, or fail with its log."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            process.log.seek(0)
            raise SystemExit(f"gunicorn exited ({process.returncode}):\n{process.log.read()}")
        try:
            status, _ = get(port, path)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not answer 200 within {START_TIMEOUT_S} s")


def client(port, path, start_at, measure_from, stop_at):
    """One client process: requests in a loop; returns (completed, errors, latencies) measured."""
    while time.time() < start_at:
        time.sleep(0.005)
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    completed, errors, latencies = 0, 0, []
    for _ in range(MAX_REQUESTS_PER_CLIENT):
        if time.time() >= stop_at:
            break
        began = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            connection.close()
            ok = False
        elapsed = time.perf_counter() - began
        finished = time.time()
        if measure_from <= finished < stop_at:
            if ok:
                completed += 1
                latencies.append(elapsed)
            else:
                errors += 1
    connection.close()
    return completed, errors, latencies


def percentile(sorted_values, fraction):
    """The nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def measure(port, path, clients, warmup, duration):
    """Requests per second and latencies for one page."""
    start_at = time.time() + 0.5
    measure_from = start_at + warmup
    stop_at = measure_from + duration
    with multiprocessing.Pool(clients) as pool:
        results = pool.starmap(client, [(port, path, start_at, measure_from, stop_at)] * clients)
    completed = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    latencies = sorted(value for r in results for value in r[2])
    return {
        "rps": completed / duration,
        "requests": completed,
        "errors": errors,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
    }


def pick_product_path(port):
    """The first product link on the catalog page."""
    status, body = get(port, "/products")
    if status != 200:
        raise SystemExit(f"/products answered {status}")
    match = re.search(rb'href="(/products/[^"?#/]+)"', body)
    if not match:
        raise SystemExit("the catalog page links to no product: did the demo data load?")
    return match.group(1).decode()


def versions():
    """Versions worth printing beside the figures."""
    from importlib.metadata import version

    python = sys.version.split()[0]
    return f"Python {python}, Flask {version('flask')}, gunicorn {version('gunicorn')}"


def main(argv=None):
    """Set up, measure, print, clean up."""
    args = parse_args(argv)
    clients = args.clients or 2 * args.workers
    instance = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "FLASK_APP"}}
    env["MARKETPLACE_INSTANCE"] = str(instance)
    servers = []
    try:
        print(f"instance: {instance} (SQLite)")
        run_flask(["db", "upgrade"], env)
        print(run_flask(["demo", "load"], env))

        hello_port, shop_port = free_port(), free_port()
        benchmarks = REPO_ROOT / "benchmarks"
        hello = start_gunicorn("hello_app:app", hello_port, args.workers, env, benchmarks)
        servers.append(hello)
        shop = start_gunicorn("marketplace:create_app()", shop_port, args.workers, env, REPO_ROOT)
        servers.append(shop)
        wait_until_serving(hello, hello_port)
        wait_until_serving(shop, shop_port)
        product_path = pick_product_path(shop_port)

        pages = [
            ("hello", hello_port, "/"),
            ("catalog", shop_port, "/products"),
            ("product", shop_port, product_path),
        ]
        print(
            f"{versions()}; {os.cpu_count()} cores; gunicorn --workers {args.workers} (sync) "
            f"per app; {clients} client processes; {args.warmup:g} s warm-up + "
            f"{args.duration:g} s per page"
        )
        results = {}
        for name, port, path in pages:
            results[name] = measure(port, path, clients, args.warmup, args.duration)
            r = results[name]
            print(
                f"{name:8} {path:40} {r['rps']:8.1f} req/s   p50 {r['p50_ms']:6.1f} ms"
                f"   p95 {r['p95_ms']:6.1f} ms   ({r['requests']} ok, {r['errors']} errors)"
            )

        short = []
        for name, aim in AIMS.items():
            ratio = results[name]["rps"] / results["hello"]["rps"]
            verdict = "meets" if ratio >= aim else "BELOW"
            print(f"{name}/hello: {ratio:6.1%}  (aim >= {aim:.0%}: {verdict})")
            if ratio < aim:
                short.append(name)
        if any(r["errors"] for r in results.values()):
            print("warning: some requests failed; the figures undercount")
        return 1 if args.check and short else 0
    finally:
        for server in servers:
            stop_gunicorn(server)
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
