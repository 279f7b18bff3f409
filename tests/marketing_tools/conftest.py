"""Fixtures of the marketing tests: a group with its people, and the app on a real server."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from types import SimpleNamespace

import pytest

from tests.live_server import serve

from .. import factories
from ..accounts.helpers import token_of


@pytest.fixture(scope="session")
def served(app):
    """The session app served from a thread (werkzeug), for streams and downloads; its base URL."""
    with serve(app) as base:
        yield base


class HttpVisitor:
    """A visitor over real HTTP: keeps its cookies, posts forms with the page's CSRF token."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path):
        """(status, headers, body bytes) of a GET."""
        return self._open(urllib.request.Request(self.base + path))  # noqa: S310 (loopback)

    def stream(self, path):
        """The open response of a GET, to read in pieces."""
        return self.opener.open(self.base + path, timeout=60)

    def post(self, path, data, page=None):
        """POST `data` with the CSRF token of `page` (default: `path`)."""
        _, _, body = self.get(page or path)
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body).group(1).decode()
        encoded = urllib.parse.urlencode({"csrf_token": token, **data}).encode()
        return self._open(urllib.request.Request(self.base + path, data=encoded))  # noqa: S310

    def sign_in(self, email):
        """Sign in through the real form."""
        status, _, _ = self.post(
            "/account/sign-in",
            {"email": email, "password": factories.DEFAULT_PASSWORD},
            page="/account/reset",
        )
        assert status == 200, status

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()


@pytest.fixture
def visitor(served):
    """A fresh HttpVisitor on the served app."""
    return HttpVisitor(served)


@pytest.fixture
def office(db, auth, client):
    """Groups A and B with their leaders, staff, a buyer and an admin; `office.post` with CSRF."""
    group_a = factories.make_group(
        slug="hom-phaendin", name_th="กลุ่มหอมแผ่นดิน", name_en="Hom Phaendin group"
    )
    group_b = factories.make_group(slug="karen-chili", province_code="58", district_code="5801")
    people = {
        "leader": factories.make_user("leader@example.com", memberships=[(group_a, "leader")]),
        "staff": factories.make_user("staff@example.com", memberships=[(group_a, "staff")]),
        "other_leader": factories.make_user(
            "leader-b@example.com", memberships=[(group_b, "leader")]
        ),
        "buyer": factories.make_user("buyer@example.com"),
        "officer": factories.make_user("officer@example.com", officer_areas=["57"]),
        "admin": factories.make_user("admin@example.com", admin=True),
    }
    db.session.commit()

    def login(who):
        if who == "anonymous":
            return None
        response = auth.login(people[who].email)
        assert response.status_code == 303, who
        return people[who]

    def post(path, data=None, page=None):
        token = token_of(client, page or path)
        return client.post(path, data={"csrf_token": token, **(data or {})})

    return SimpleNamespace(a=group_a, b=group_b, people=people, login=login, post=post)
