"""Several hosts, one PostgreSQL: search through any of them shows a change the moment it commits.

Two gunicorn servers, each with its own instance folder (as two hosts have),
share the test database. The test process, a third app with a third instance
folder, renames and archives a product; both servers' search pages follow at
once, with no index file, queue or rebuild between.
"""

import http.client
from urllib.parse import quote

import pytest

from marketplace.models import ProductStatus

from ..orders.concurrency_server import GunicornServer, server_env
from .conftest import on_postgresql

pytestmark = pytest.mark.usefixtures("search_backend")


@pytest.fixture(scope="module")
def hosts(app, search_backend, tmp_path_factory):
    """Two servers on the test database, each with its own instance folder."""
    if search_backend != "postgresql" or not on_postgresql(app):
        pytest.skip("shared search needs the PostgreSQL backend")
    servers = []
    try:
        for name in ("host-a", "host-b"):
            env = server_env(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path_factory.mktemp(name))
            servers.append(GunicornServer(env, workers=1).start())
        yield servers
    finally:
        for server in servers:
            server.close()


def _search(server, text):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        connection.request("GET", "/search?q=" + quote(text))
        response = connection.getresponse()
        assert response.status == 200
        return response.read().decode("utf-8")
    finally:
        connection.close()


def test_a_rename_and_an_archive_reach_every_host_at_once(db, make, hosts):
    product = make.product(name_th="ผ้าขาวม้า", name_en="Zebra cloth", slug="renamed")
    db.session.commit()
    link = "/products/renamed"
    for server in hosts:
        assert link in _search(server, "ผ้าขาวม้า")
        assert link in _search(server, "zebra")

    product.name_th = "ข้าวก่ำดอยงาม"
    product.name_en = "Doi Ngam purple rice"
    db.session.commit()
    for server in hosts:
        assert link in _search(server, "ข้าวก่ำ")
        assert link in _search(server, "purple rice")
        # Nothing found (the page then offers popular products, this one among them).
        assert "สินค้า 0 รายการ" in _search(server, "ผ้าขาวม้า")
        assert "สินค้า 0 รายการ" in _search(server, "zebra")

    product.status = ProductStatus.ARCHIVED
    db.session.commit()
    for server in hosts:
        for text in ("ข้าวก่ำ", "purple rice"):
            page = _search(server, text)
            assert link not in page and "สินค้า 0 รายการ" in page
