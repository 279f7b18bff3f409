"""Keeping the index true after commits, and the search pages under any input."""

import pytest

from marketplace.catalog import search
from marketplace.catalog import thai_analysis as ta
from marketplace.catalog.search import whoosh as whoosh_search
from marketplace.catalog.search_cli import search_cli
from marketplace.models import ClaimKind, ClaimStatus, ProductStatus


@pytest.fixture(autouse=True)
def empty_index(app, db, search_backend):
    """Every test here, on each backend, starts from an index matching the (empty) database."""
    search.rebuild()
    if search_backend == "whoosh":
        whoosh_search._take_pending()
    yield
    app.config["SEARCH_WRITE_TIMEOUT"] = 2.0


@pytest.fixture
def whoosh_only(search_backend):
    """Skip on other backends: the test is about Whoosh's files and locks."""
    if search_backend != "whoosh":
        pytest.skip("Whoosh's own files and locks")


def found(text, **filters):
    return search.query(text, filters=filters, per_page=50).product_ids


def rice(make, **fields):
    values = dict(name_th="ข้าวเหนียวดำ", name_en="Black sticky rice")
    values.update(fields)
    return make.product(**values)


# -- the analyzer ---------------------------------------------------------------------------


def test_thai_digits_and_arabic_digits_are_alike():
    analyzer = ta.text_analyzer()
    assert [t.text for t in analyzer("ข้าว ๑๒ กก.")] == [t.text for t in analyzer("ข้าว 12 กก.")]


def test_words_and_syllables_share_positions():
    tokens = [(t.text, t.pos) for t in ta.text_analyzer()("ข้าวเหนียวดำ ทอมือ", positions=True)]
    assert ("ข้าวเหนียวดำ", 0) in tokens and ("ข้าว", 0) in tokens
    assert ("เหนียว", 1) in tokens and ("ดำ", 2) in tokens
    assert ("ทอ", 3) in tokens


def test_english_is_lowercased_and_stemmed():
    assert [t.text for t in ta.text_analyzer()("Doormats CHILLIES")] == ["doormat", "chili"]


def test_default_whoosh_analyzer_really_fails_thai():
    """Why this module exists: the standard analyzer cuts Thai at every mark."""
    from whoosh.analysis import StandardAnalyzer

    tokens = [t.text for t in StandardAnalyzer()("ข้าวเหนียวดำ")]
    assert "ข้าว" not in tokens


# -- after commit ---------------------------------------------------------------------------


def test_a_committed_product_is_found(db, make):
    product = rice(make)
    assert found("ข้าว") == []  # flushed, not committed: not yet
    db.session.commit()
    assert found("ข้าว") == [product.id]
    assert found("sticky") == [product.id]


def test_a_rollback_indexes_nothing(db, make):
    rice(make)
    db.session.rollback()
    assert found("ข้าว") == []
    assert search.pending_count() == 0


def test_renaming_a_product_updates_it(db, make):
    product = rice(make)
    db.session.commit()
    product.name_th = "พริกกะเหรี่ยง"
    product.name_en = "Karen chili"
    db.session.commit()
    assert found("ข้าว") == []
    assert found("พริก") == [product.id]


def test_archiving_a_product_removes_it(db, make):
    product = rice(make)
    db.session.commit()
    product.status = ProductStatus.ARCHIVED
    db.session.commit()
    assert found("ข้าว") == []
    product.status = ProductStatus.ACTIVE
    db.session.commit()
    assert found("ข้าว") == [product.id]


def test_deactivating_a_group_removes_its_products(db, make):
    group = make.group()
    first = rice(make, group=group)
    second = rice(make, group=group, name_th="ข้าวญี่ปุ่น", name_en="Japanese rice")
    db.session.commit()
    assert set(found("ข้าว")) == {first.id, second.id}
    group.is_active = False
    db.session.commit()
    assert found("ข้าว") == []


def test_renaming_a_group_reindexes_its_products(db, make):
    group = make.group()
    product = rice(make, group=group)
    db.session.commit()
    group.name_th = "กลุ่มหอมแผ่นดิน"
    db.session.commit()
    assert found("หอมแผ่นดิน") == [product.id]


def test_stock_orders_equal_matches_without_writing_the_index(app, db, make):
    app.config["SEARCH_POPULAR_MAX_AGE"] = 0
    empty = rice(make, name_th="ข้าวเหนียว", name_en="Sticky rice", stock=5)
    full = rice(make, name_th="ข้าวหอม", name_en="Fragrant rice", stock=5)
    db.session.commit()
    generation = search.generation()
    empty.variants[0].lots[0].available = 0
    db.session.commit()
    assert found("ข้าว") == [full.id, empty.id]
    make.lot(empty.variants[0], quantity=9)
    db.session.commit()
    assert set(found("ข้าว")) == {full.id, empty.id}
    assert search.popular() == [empty.id, full.id]  # 5 units sold from its first lot
    assert search.generation() == generation


def test_a_verified_lot_claim_reaches_the_facet(db, make):
    product = rice(make)
    db.session.commit()
    assert found("", claim="chemical_free") == []
    claim = make.claim(product.variants[0].lots[0], kind=ClaimKind.CHEMICAL_FREE)
    db.session.commit()
    assert found("", claim="chemical_free") == [product.id]
    assert found("ปลอดสาร") == [product.id]
    claim.status = ClaimStatus.REVOKED
    db.session.commit()
    assert found("", claim="chemical_free") == []
    assert found("ปลอดสาร") == []


def test_an_inactive_variant_does_not_count_as_stock(db, make):
    product = rice(make, stock=3)
    db.session.commit()
    assert search.availability([product.id])[product.id].available == 3
    product.variants[0].is_active = False
    db.session.commit()
    assert search.availability([product.id])[product.id].available == 0


def test_a_locked_index_never_breaks_the_commit(app, db, make, whoosh_only):
    app.config["SEARCH_WRITE_TIMEOUT"] = 0.1
    writer = whoosh_search.acquire_writer()  # another worker is writing
    try:
        product = rice(make)
        db.session.commit()  # must not raise
        assert search.pending_count() == 1
        assert found("ข้าว") == []  # readers are not blocked meanwhile
    finally:
        writer.cancel()
    assert search.sync_pending() == 1
    assert found("ข้าว") == [product.id]
    assert search.pending_count() == 0


def test_the_next_writer_takes_the_queue_along(app, db, make, whoosh_only):
    queued = rice(make)
    db.session.commit()
    whoosh_search.remove_products([queued.id])
    whoosh_search.mark_pending([queued.id])
    other = rice(make, name_th="ข้าวญี่ปุ่น")
    db.session.commit()
    assert set(found("ข้าว")) == {queued.id, other.id}


def test_auto_index_can_be_switched_off(app, db, make):
    app.extensions["marketplace_search"]["auto_index"] = False
    try:
        rice(make)
        db.session.commit()
        assert found("ข้าว") == []
    finally:
        app.extensions["marketplace_search"]["auto_index"] = True


def test_cli_rebuild_sync_and_status(app, db, make, runner):
    product = rice(make)
    app.extensions["marketplace_search"]["auto_index"] = False
    try:
        db.session.commit()
    finally:
        app.extensions["marketplace_search"]["auto_index"] = True
    assert found("ข้าว") == []
    db.session.rollback()  # a request's read ends: PostgreSQL's swap waits for open transactions
    result = runner.invoke(search_cli, ["rebuild"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 products" in result.output
    assert found("ข้าว") == [product.id]
    if search.backend_name() == "whoosh":
        whoosh_search.mark_pending([product.id])
        result = runner.invoke(search_cli, ["sync"])
        assert "Indexed 1 queued" in result.output
    result = runner.invoke(search_cli, ["status"])
    assert "Documents: 1" in result.output


# -- pages and bad input --------------------------------------------------------------------


BAD_QUERIES = [
    "AND (",
    "*",
    '"unbalanced',
    "OR OR NOT",
    "name_th:ข้าว",
    "[a TO",
    "ข้าว~2 ^3",
    "\x00\x01\u200b",
    "ข" * 5000,
    "rice " * 400,
    "<script>alert(1)</script>",
    "%",
    "ๆๆๆ ฯลฯ",
    "'; DROP TABLE product; --",
]


@pytest.mark.parametrize("text", BAD_QUERIES)
def test_bad_input_never_fails(client, db, make, text):
    rice(make)
    db.session.commit()
    response = client.get("/search", query_string={"q": text, "page": "x", "category": "(*"})
    if "\x00" in text:  # a NUL is refused with a message before any view (request_guard)
        assert response.status_code == 400
        assert client.get("/search/suggest", query_string={"q": text}).status_code == 400
        return
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    response = client.get("/search/suggest", query_string={"q": text})
    assert response.status_code == 200
    assert isinstance(response.get_json()["suggestions"], list)


def test_results_page_shows_cards_and_facets(client, db, make):
    category = make.category(slug="rice", name_th="ข้าว", name_en="Rice")
    product = rice(make, category=category, slug="black-sticky-rice")
    make.claim(product, kind=ClaimKind.CHEMICAL_FREE)
    db.session.commit()
    html = client.get("/search?q=ข้าว").get_data(as_text=True)
    assert "ข้าวเหนียวดำ" in html
    assert "/product/black-sticky-rice" in html or "black-sticky-rice" in html
    assert "฿120" in html
    assert "category=rice" in html and "claim=chemical_free" in html
    html = client.get("/search?q=ข้าว&category=rice").get_data(as_text=True)
    assert 'aria-current="true"' in html


def test_no_results_page_offers_popular_products(client, db, make):
    rice(make)
    db.session.commit()
    html = client.get("/search?q=zzqqxx").get_data(as_text=True)
    assert "ข้าวเหนียวดำ" in html  # as a popular product


def test_did_you_mean_is_a_link_and_the_page_shows_its_results(client, db, make):
    rice(make)
    chili = make.product(name_th="พริกกะเหรี่ยงแห้ง", name_en="Dried Karen chili")
    db.session.commit()
    html = client.get("/search?q=stiky+ricce+blak").get_data(as_text=True)
    assert 'href="/search?q=sticky+rice+black"' in html
    assert "ข้าวเหนียวดำ" in html and "สินค้า 1 รายการ" in html
    html = client.get("/search?q=พริกกระเหรี่ยง").get_data(as_text=True)
    assert "พริกกะเหรี่ยง</a>" in html  # the suggestion, a link
    assert f"/products/{chili.slug}" in html  # and what it finds, on the same page


def test_suggest_returns_names_in_both_scripts(client, db, make):
    rice(make)
    db.session.commit()
    data = client.get("/search/suggest?q=ข้าวเห").get_json()
    assert data["suggestions"][0]["text"] == "ข้าวเหนียวดำ"
    assert data["suggestions"][0]["url"].startswith("/search?q=")
    data = client.get("/search/suggest?q=black").get_json()
    assert data["suggestions"][0]["text"] == "Black sticky rice"


def test_every_page_has_the_search_form_and_script(client):
    html = client.get("/").get_data(as_text=True)
    assert 'id="site-search"' in html and 'method="get"' in html
    assert "js/search.js" in html


def test_a_savepoint_released_inside_a_transaction_waits_for_the_commit(db, make):
    """A released savepoint is not a commit: the product is indexed when the outer one commits."""
    from marketplace.catalog import search

    group = make.group()
    db.session.commit()
    with db.session.begin_nested():
        product = make.product(group=group, name_en="Savepoint sticky rice", stock=3)
    assert product.id not in search.query("savepoint").product_ids
    db.session.commit()
    assert product.id in search.query("savepoint").product_ids


def test_popular_products_follow_sales_once_the_list_is_old(app, db, make, monkeypatch):
    """A sale no longer changes the catalog's version, so the kept list ages out instead."""
    from marketplace.catalog.search import common
    from marketplace.orders import stock

    app.config["SEARCH_POPULAR_MAX_AGE"] = 30
    first = rice(make, name_th="ข้าวเหนียว", name_en="Sticky rice", stock=10)
    second = rice(make, name_th="ข้าวหอม", name_en="Fragrant rice", stock=10)
    db.session.commit()
    clock = [1000.0]
    monkeypatch.setattr(common.time, "monotonic", lambda: clock[0])
    # The list kept at the fake clock goes with it (a machine up for less than
    # 1,035 s would otherwise take it as fresh in the next test).
    monkeypatch.setitem(app.extensions, "search_popular", {})
    assert search.popular() == sorted([first.id, second.id])

    stock.reserve(second.variants[0].id, 4)
    db.session.commit()
    clock[0] += 10
    assert search.popular() == sorted([first.id, second.id])  # kept: 10 s old
    clock[0] += 25
    assert search.popular() == [second.id, first.id]  # 35 s old: sales read again
