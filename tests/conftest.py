"""Fixtures shared by the whole suite: app, db, client, runner and data creators.

The schema is created once per session on a throwaway SQLite file, or on the
PostgreSQL database named by TEST_DATABASE_URL; every test starts from empty
tables.
"""

import os

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db as _db

from . import factories


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with an empty `g`.

    Each test holds one app context (so test code and requests share a
    database session), and Flask-Login, Flask-WTF and Flask-Babel cache the
    user, the CSRF token and the locale on `g`. In production every request
    has its own app context; clearing `g` here gives tests the same footing.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One app for the session, with its instance folder in a temp directory."""
    instance = tmp_path_factory.mktemp("instance")
    previous = os.environ.get("MARKETPLACE_INSTANCE")
    os.environ["MARKETPLACE_INSTANCE"] = str(instance)
    try:
        app = create_app(TestConfig)
        app.test_client_class = FreshRequestClient
    finally:
        if previous is None:
            os.environ.pop("MARKETPLACE_INSTANCE", None)
        else:
            os.environ["MARKETPLACE_INSTANCE"] = previous
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _empty_all_tables():
    # DELETE, children first: on tables this small it is far quicker than
    # TRUNCATE, which PostgreSQL carries out by replacing every table's files.
    # On the connection, not the session: the session refuses to delete ledger rows.
    connection = _db.session.connection()
    for table in reversed(_db.metadata.sorted_tables):
        connection.execute(table.delete())
    _db.session.commit()


@pytest.fixture(autouse=True)
def db(app):
    """The database inside an app context, emptied after each test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _empty_all_tables()
        _db.session.remove()


@pytest.fixture
def client(app):
    """A test client; cookies persist between its requests."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def make():
    """The data creators (tests/factories.py), e.g. `make.product(stock=3)`."""

    class Creators:
        group = staticmethod(factories.make_group)
        category = staticmethod(factories.make_category)
        product = staticmethod(factories.make_product)
        variant = staticmethod(factories.make_variant)
        lot = staticmethod(factories.make_lot)
        household = staticmethod(factories.make_household)
        contribution = staticmethod(factories.make_contribution)
        claim = staticmethod(factories.make_claim)
        order = staticmethod(factories.make_order)

    return Creators


def csrf_token(client, path="/"):
    """The CSRF token a page hands out, read from its language-switch form."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


# -- accounts (added with the accounts issue) ----------------------------------------


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """Every test starts with empty rate-limit counters (the app lives for the session)."""
    from marketplace.extensions import limiter

    limiter.reset()
    yield


@pytest.fixture
def make_user(db):
    """Creator of users: `make_user("a@b.c", admin=True, officer_areas=["57"], ...)`."""
    return factories.make_user


@pytest.fixture
def outbox(app):
    """The mails committed to the outbox during the test, as marketplace.mail.Mail records."""
    from marketplace.mail import record_messages

    with record_messages() as messages:
        yield messages


class AuthActions:
    """Sign in and out through the real forms, CSRF token read from the page (flaskr's style)."""

    def __init__(self, client):
        self._client = client

    def login(self, email, password=factories.DEFAULT_PASSWORD, remember=False, next=None):
        """Post the sign-in form; returns the (unfollowed) response."""
        token = csrf_token(self._client, "/account/reset")  # a page every visitor gets
        data = {"csrf_token": token, "email": email, "password": password}
        if remember:
            data["remember"] = "y"
        if next:
            data["next"] = next
        return self._client.post("/account/sign-in", data=data)

    def logout(self):
        """Post the sign-out form."""
        token = csrf_token(self._client, "/account/reset")
        return self._client.post("/account/sign-out", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    """`auth.login(email, password)` / `auth.logout()` for the `client` fixture."""
    return AuthActions(client)


# -- object storage (S3 API on loopback, moto's server) --------------------------------


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 API on 127.0.0.1 (moto's threaded server) for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, monkeypatch, app):
    """A new empty bucket, and the app's uploads stored in it for this test."""
    import uuid

    import boto3

    from marketplace.storage import build_storage

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    name = f"uploads-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    settings = {"S3_BUCKET": name, "S3_ENDPOINT_URL": s3_endpoint, "S3_REGION": "us-east-1"}
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.extensions, "storage", build_storage(app.config))
    return name


def _dead_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again: nothing listens there


@pytest.fixture
def public_bucket(app, s3_bucket, s3_endpoint, monkeypatch):
    """The bucket lets anyone read products/* and nothing else (README: the bucket policy),
    and pages link photos at its address (S3_PUBLIC_URL); returns that address."""
    import json

    from marketplace.storage import build_storage, storage

    public = f"{s3_endpoint}/{s3_bucket}"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{s3_bucket}/products/*",
            }
        ],
    }
    storage().client.put_bucket_policy(Bucket=s3_bucket, Policy=json.dumps(policy))
    monkeypatch.setitem(app.config, "S3_PUBLIC_URL", public)
    monkeypatch.setitem(app.extensions, "storage", build_storage(app.config))
    return public


@pytest.fixture
def store_down(app, s3_bucket, monkeypatch):
    """`store_down()`: from now on the bucket's endpoint refuses every connection."""

    def down():
        from marketplace.storage import S3Storage

        dead = S3Storage(
            s3_bucket,
            endpoint_url=f"http://127.0.0.1:{_dead_port()}",
            region="us-east-1",
            connect_timeout=2,
            max_attempts=1,
        )
        monkeypatch.setitem(app.extensions, "storage", dead)
        return dead

    return down


# -- the job queue (issue 15) ----------------------------------------------------------


REDIS_JOBS_URL = "redis://127.0.0.1:6379/14"  # the job tests' own Redis database


@pytest.fixture
def redis_queue(app, monkeypatch):
    """The app with REDIS_URL set and an RQ queue of its own; a failure on CI without Redis."""
    import socket
    import uuid

    from marketplace import jobs

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("no Redis at 127.0.0.1:6379")
        pytest.skip("no Redis at 127.0.0.1:6379")
    # A queue of this test's own, so suites running side by side never share one.
    monkeypatch.setitem(app.config, "JOBS_QUEUE", f"test-{uuid.uuid4().hex}")
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_JOBS_URL)
    monkeypatch.setitem(app.extensions, "jobs", {})
    queue = jobs.queue(app)
    yield queue
    for job_id in queue.failed_job_registry.get_job_ids():
        queue.failed_job_registry.remove(job_id, delete_job=True)
    queue.delete(delete_jobs=True)
