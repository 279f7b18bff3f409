"""A real gunicorn server and HTTP buyers, for the concurrency test and the checkout benchmark.

`GunicornServer` runs `marketplace:create_app()` (the production Config, read
from the environment) under gunicorn with several workers, in its own process
session, logging to a file that the caller can search afterwards. `Buyer` is
one browser: its own cookies, a fresh loopback connection per request, no
redirects followed (a 303 is an answer to check, not to chase).
"""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SECRET_KEY = "concurrency-test-secret-key"  # noqa: S105  (every worker signs sessions with it)
START_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 60
STOP_GRACE_S = 1.0
# Environment that must not leak from the caller into the server's configuration.
_SCRUBBED = {
    "DATABASE_URL",
    "TEST_DATABASE_URL",
    "FLASK_APP",
    "MARKETPLACE_INSTANCE",
    "SECRET_KEY",
    "HOUSEHOLD_HASH_KEY",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "MAIL_SERVER",
}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# The buyer's details: a valid Thai address (Doi Ngam, Phan, Chiang Rai) and phone.
BUYER_FORM = dict(
    email="buyer@example.com",
    name="สมชาย ใจดี",
    phone="0812345678",
    address_line="99 หมู่ 5 ถนนพหลโยธิน",
    province_code="57",
    district_code="5705",
    subdistrict_code="570505",
    postal_code="57120",
    note="",
)


def free_port():
    """A port on the loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_env(database_url, instance, **settings):
    """The environment for a server on `database_url` with its own instance folder.

    `settings` are further environment variables (e.g. STRIPE_SECRET_KEY);
    Stripe is off and mail is logged unless they say otherwise.
    """
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    env.update(
        DATABASE_URL=database_url,
        MARKETPLACE_INSTANCE=str(instance),
        SECRET_KEY=SECRET_KEY,
        HOUSEHOLD_HASH_KEY=SECRET_KEY + "-households",
        STRIPE_SECRET_KEY="",
        STRIPE_WEBHOOK_SECRET="",
        STRIPE_API_BASE="",
        MAIL_SERVER="",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update({k: str(v) for k, v in settings.items()})
    return env


class GunicornServer:
    """`marketplace:create_app()` under gunicorn on a free loopback port; a context manager."""

    def __init__(self, env, workers=4, worker_class="sync", threads=1, timeout=60, preload=True):
        self.env = env
        # One import of the app in the master, forked into the workers: starts in a
        # fraction of the time on a busy machine. Nothing connects to the database
        # while the app is built, so no connection is shared across the fork.
        self.preload = preload
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.timeout = timeout
        self.port = free_port()
        self.process = None
        self._log = None

    @property
    def base_url(self):
        return f"http://{HOST}:{self.port}"

    def start(self):
        """Start gunicorn and wait until it serves the home page."""
        self.launch()
        self.wait_until_serving()
        return self

    def launch(self):
        """Start gunicorn without waiting (several servers can then start side by side)."""
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--bind",
            f"{HOST}:{self.port}",
            "--timeout",
            str(self.timeout),
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            *(["--preload"] if self.preload else []),
            "marketplace:create_app()",
        ]
        # Kept open until stop(): the log is read after the run.
        self._log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.launched_at = time.monotonic()
        return self

    def wait_until_serving(self):
        """Wait until the launched server serves the home page (stopped if it cannot)."""
        self._wait_until_serving()
        self.started_in = time.monotonic() - self.launched_at
        return self

    def _wait_until_serving(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self.log_text()
                self.stop()
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{log}")
            try:
                status = Buyer(self.port).get("/").status
            except OSError:
                time.sleep(0.2)
                continue
            if status == 200:
                return
            time.sleep(0.2)
        log = self.log_text()
        self.stop()
        raise RuntimeError(f"gunicorn did not serve / within {START_TIMEOUT_S} s:\n{log}")

    def log_text(self):
        """Everything gunicorn and the app wrote so far."""
        if self._log is None or self._log.closed:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read()

    def stop(self):
        """SIGTERM the master, then kill the whole session after a short grace.

        Every request has been answered by the time a test or benchmark stops the
        server; gunicorn's own graceful stop takes seconds (idle sync workers
        notice the signal only when their wait times out), which adds up.
        """
        began = time.monotonic()
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=STOP_GRACE_S)
        if process is not None:
            # Also ends workers that outlive a master that died hard.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
        self.stopped_in = time.monotonic() - began

    def close(self):
        """Stop the server and drop its log."""
        self.stop()
        if self._log is not None and not self._log.closed:
            self._log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


@dataclass
class Response:
    """What a request got: status, headers (lower-case names) and the body as text."""

    status: int
    headers: dict
    body: str
    elapsed: float = 0.0
    set_cookies: list = field(default_factory=list)

    @property
    def location(self):
        return self.headers.get("location", "")


class Buyer:
    """One buyer with their own cookie jar, talking HTTP/1.1 to the server over the loopback."""

    def __init__(self, port, host=HOST):
        self.host = host
        self.port = port
        self.cookies = {}

    def request(self, method, url, form=None, headers=None):
        """Send one request on a fresh connection; cookies go along and come back.

        `url` is a path on the shop, or an absolute http URL (e.g. the fake
        Stripe's hosted page the shop redirected to).
        """
        host, port, path = self._target(url)
        headers = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        began = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT_S)
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            data = raw.read()
            set_cookies = raw.headers.get_all("Set-Cookie") or []
            response = Response(
                status=raw.status,
                headers={k.lower(): v for k, v in raw.getheaders()},
                body=data.decode("utf-8", "replace"),
                elapsed=time.perf_counter() - began,
                set_cookies=set_cookies,
            )
        finally:
            connection.close()
        for header in set_cookies:
            self._remember(header)
        return response

    def _remember(self, header):
        jar = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or (morsel.value == "" and morsel["expires"]):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def _target(self, url):
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if not parts.netloc:
            return self.host, self.port, path
        if parts.scheme != "http":
            raise ValueError(f"not a loopback http URL: {url}")
        return parts.hostname, parts.port or 80, path

    def get(self, url):
        """GET a path or URL."""
        return self.request("GET", url)

    def post(self, url, form):
        """POST a form to a path or URL."""
        return self.request("POST", url, form=form)

    def csrf_token(self, path="/cart"):
        """The CSRF token a page hands this buyer (it lives in their session cookie)."""
        response = self.get(path)
        match = _CSRF.search(response.body)
        if response.status != 200 or not match:
            raise AssertionError(f"GET {path}: {response.status}, no CSRF token")
        return match.group(1)

    def add_to_cart(self, variant_id, quantity=1, token=None):
        """POST /cart/add."""
        token = token or self.csrf_token("/cart")
        return self.post(
            "/cart/add",
            {"csrf_token": token, "variant_id": variant_id, "quantity": quantity},
        )

    def checkout(self, groups, payment_method="transfer", token=None, **fields):
        """POST /checkout with the standard buyer's details; each group's part is shipped."""
        token = token or self.csrf_token("/checkout")
        form = dict(BUYER_FORM, csrf_token=token, payment_method=payment_method)
        for group_id in groups:
            form[f"delivery-{group_id}"] = "ship"
        form.update(fields)
        return self.post("/checkout", form)

    def pay_on_hosted_page(self, url, action="card"):
        """Press a button on the (fake) Stripe page the checkout redirected to."""
        return self.post(url, {"action": action})
