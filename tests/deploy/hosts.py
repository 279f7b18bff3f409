"""Pieces for tests of several hosts: a new PostgreSQL database, migrations run at once,
a Redis server of the test's own, background processes, and a visitor that fills forms.

Every process started here runs in its own session and is killed as a whole by `stop()`,
so nothing outlives a test, even one that fails half way.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = Path("/usr/bin/redis-server")
HOST = "127.0.0.1"


def needed(reason):
    """Skip for want of something locally; fail on CI, where nothing may be silently missing."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_port():
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# -- PostgreSQL ------------------------------------------------------------------------------


def postgresql_base_url():
    """TEST_DATABASE_URL when it is PostgreSQL; otherwise the test is skipped (SQLite runs)."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
    return base


@contextlib.contextmanager
def new_postgresql_database(prefix):
    """A new, empty database `<prefix>_<random>` beside TEST_DATABASE_URL's; dropped afterwards."""
    base = postgresql_base_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def flask_command(*args):
    """The command line of `flask --app marketplace ARGS` with this interpreter."""
    return [sys.executable, "-m", "flask", "--app", "marketplace", *args]


def upgrade_at_once(envs, timeout=300):
    """Run `flask db upgrade` in one process per environment, all at once.

    Returns [(returncode, output)] in the order of `envs`.
    """
    return finish_upgrades(start_upgrades(envs), timeout)


def start_upgrades(envs):
    """Start `flask db upgrade` in one process per environment, all at once."""
    return [
        subprocess.Popen(
            flask_command("db", "upgrade"),
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        for env in envs
    ]


def finish_upgrades(processes, timeout=300):
    """Wait for the upgrades `start_upgrades` started: [(returncode, output)], in order."""
    results = []
    try:
        for process in processes:
            output = process.communicate(timeout=timeout)[0]
            results.append((process.returncode, output))
    finally:
        for process in processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
    return results


def alembic_versions(database_url):
    """The rows of alembic_version: one after a good upgrade."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()


# -- processes -------------------------------------------------------------------------------


class Background:
    """A long-running process in its own session, its output kept in a file for diagnostics."""

    def __init__(self, name, command, env=None):
        self.name = name
        self.command = command
        self.env = env
        self.process = None
        self._log = None

    def start(self):
        self._log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.command,
            cwd=REPO_ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def running(self):
        return self.process is not None and self.process.poll() is None

    def log_text(self):
        if self._log is None or self._log.closed:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read()

    def stop(self, grace=2.0):
        """SIGTERM, then SIGKILL of the whole session after `grace` seconds."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=grace)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)

    def close(self):
        self.stop()
        if self._log is not None and not self._log.closed:
            self._log.close()


class RedisServer(Background):
    """A redis-server of the test's own on a free loopback port, that can be stopped and
    started again on the same port; it keeps nothing on disk."""

    def __init__(self, folder):
        self.port = free_port()
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [
            str(REDIS_SERVER),
            "--bind",
            HOST,
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
        ]
        super().__init__("redis", command)
        self.logs = []

    @property
    def url(self):
        return f"redis://{HOST}:{self.port}/0"

    def start(self, timeout=20):
        """Start and wait until it answers PING."""
        super().start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answers():
                return self
            if not self.running():
                break
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on {self.port}:\n{self.log_text()}")

    def answers(self):
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self, grace=2.0):
        """Stop it, keeping what it wrote (a restart writes to a new file)."""
        if self._log is not None and not self._log.closed:
            self.logs.append(super().log_text())
        super().stop(grace)
        if self._log is not None and not self._log.closed:
            self._log.close()

    def log_text(self):
        return "".join(self.logs) + super().log_text()


# -- a visitor with a browser's forms ---------------------------------------------------------


class _Forms(HTMLParser):
    """The forms of a page: action, method and the values a browser would send."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attributes.get("action") or "",
                "method": (attributes.get("method") or "get").lower(),
                "fields": {},
                "files": [],
            }
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields = self._form["fields"]
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind == "file":
                self._form["files"].append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    fields[name] = attributes.get("value") or "on"
            elif kind not in ("submit", "button", "image", "reset"):
                fields[name] = attributes.get("value") or ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            value = attributes.get("value") or ""
            if self._select not in fields or "selected" in attributes:
                fields[self._select] = value
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(html):
    """Every form of a page, as dicts of action, method, fields and file inputs."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class Visitor:
    """One person's browser, sent to whichever host a load balancer picks.

    One cookie jar for every host (cookies do not depend on the port), redirects
    not followed (a 303 is an answer to check), every status remembered so a test
    can say that nothing answered 500.
    """

    def __init__(self, timeout=30):
        import requests

        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "en"
        self.http.cookies.set("lang", "en")
        self.timeout = timeout
        self.answers = []  # (method, url, status)

    def request(self, method, url, **kwargs):
        response = self.http.request(
            method, url, timeout=self.timeout, allow_redirects=False, **kwargs
        )
        self.answers.append((method, url, response.status_code))
        return response

    def get(self, url):
        return self.request("GET", url)

    def form(self, url, action):
        """(page, form) of the form on page `url` whose action ends with `action`."""
        page = self.get(url)
        assert page.status_code == 200, (url, page.status_code, page.text[:2000])
        for form in page_forms(page.text):
            if form["action"].split("?")[0].endswith(action):
                return page, form
        raise AssertionError(f"no form posting to …{action} on {url}")

    def submit(self, url, action, values=None, files=None):
        """Fill the form of page `url` posting to …`action` as a browser does, and send it."""
        _page, form = self.form(url, action)
        data = dict(form["fields"], **(values or {}))
        target = urljoin(url, form["action"] or url)
        return self.request(form["method"].upper(), target, data=data, files=files)

    def errors(self):
        """Every answer of 500 or more this visitor got."""
        return [answer for answer in self.answers if answer[2] >= 500]

    def close(self):
        self.http.close()
