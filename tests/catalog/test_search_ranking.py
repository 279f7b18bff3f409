"""Ranking in a larger catalog: relevance first, stock and sales only boost and break ties.

The right product is sold out while many products in stock mention the same
words further in (descriptions, other names): the sold-out product whose name
is or begins with the query must still come first, and recall@5 stays high.
"""

import contextlib

import pytest

from marketplace.catalog import search
from marketplace.extensions import db as _db

from .. import factories
from ..conftest import _empty_all_tables

# slug: (name_th, name_en, description_th, description_en, stock)
TARGETS = {
    "cotton-cloth": ("ผ้าฝ้ายทอมือ", "Hand-woven cotton cloth", "ผ้าผืนยาว", "A long cloth.", 0),
    "wild-honey": ("น้ำผึ้งป่า", "Wild forest honey", "เก็บจากป่าชุมชน", "From the community forest.", 0),
    "dried-longan": ("ลำไยอบแห้ง", "Dried longan", "อบด้วยฟืน", "Wood-fire dried.", 0),
    "karen-chili": ("พริกกะเหรี่ยงแห้ง", "Dried Karen chili", "ตากแดด", "Sun-dried.", 0),
    "indigo-shirt": ("เสื้อย้อมคราม", "Indigo-dyed shirt", "ตัดเย็บมือ", "Sewn by hand.", 0),
}

# Near-matches in stock: the query's words only in their descriptions.
NEAR = [
    ("พรมเช็ดเท้า", "Doormat", "ทอจากเศษผ้าฝ้ายทอมือ", "Woven from hand-woven cotton cloth offcuts."),
    ("กระเป๋าผ้า", "Cloth bag", "ตัดจากผ้าฝ้ายทอมือ ซับในผ้าฝ้าย", "Cut from cotton cloth, cotton lined."),
    ("หมอนอิง", "Cushion", "ปลอกหมอนผ้าฝ้าย", "A cotton cloth cover."),
    ("ขนมงาตัด", "Sesame bar", "หวานด้วยน้ำผึ้งป่า", "Sweetened with wild forest honey."),
    ("กล้วยตาก", "Dried banana", "เคลือบน้ำผึ้ง", "Glazed with honey."),
    ("ชาสมุนไพร", "Herbal tea", "ผสมลำไยอบแห้งและน้ำผึ้ง", "With dried longan and honey."),
    ("ข้าวเกรียบ", "Rice crackers", "รสลำไย", "Longan flavoured."),
    ("น้ำพริกเผา", "Roasted chili paste", "ทำจากพริกกะเหรี่ยงแห้ง", "Made with dried Karen chili."),
    ("ไข่เค็ม", "Salted eggs", "กินกับพริกกะเหรี่ยง", "Goes with Karen chili."),
    ("ผ้าพันคอ", "Scarf", "ผ้าฝ้ายย้อมคราม", "Indigo-dyed cotton."),
    ("กระเป๋าสตางค์", "Purse", "ย้อมครามธรรมชาติ", "Dyed with natural indigo, like a shirt."),
    ("สบู่", "Soap", "ผสมน้ำผึ้งป่า", "With wild honey."),
]
COPIES = 3  # each near-match three times: 36 products in stock around 5 sold out

QUERIES = {
    "ผ้าฝ้าย": "cotton-cloth",
    "ผ้าฝ้ายทอมือ": "cotton-cloth",
    "cotton cloth": "cotton-cloth",
    "น้ำผึ้ง": "wild-honey",
    "น้ำผึ้งป่า": "wild-honey",
    "honey": "wild-honey",
    "ลำไย": "dried-longan",
    "ลำไยอบแห้ง": "dried-longan",
    "dried longan": "dried-longan",
    "พริกกะเหรี่ยง": "karen-chili",
    "Karen chili": "karen-chili",
    "เสื้อ": "indigo-shirt",
    "indigo shirt": "indigo-shirt",
}


@pytest.fixture(scope="module")
def catalog(app, search_backend):
    """The catalog, indexed once; its rows stay for the module (stock is read from them)."""
    with app.app_context():
        _db.session.rollback()
        group = factories.make_group(slug="ranking-group")
        ids = {}
        for slug, (name_th, name_en, desc_th, desc_en, stock) in TARGETS.items():
            product = factories.make_product(
                group=group,
                slug=slug,
                name_th=name_th,
                name_en=name_en,
                description_th=desc_th,
                description_en=desc_en,
                summary_th="",
                summary_en="",
                stock=stock,
            )
            ids[product.id] = slug
        for copy in range(COPIES):
            for n, (name_th, name_en, desc_th, desc_en) in enumerate(NEAR):
                product = factories.make_product(
                    group=group,
                    slug=f"near-{copy}-{n}",
                    name_th=name_th,
                    name_en=name_en,
                    description_th=desc_th,
                    description_en=desc_en,
                    summary_th="",
                    summary_en="",
                    stock=50,
                )
                ids[product.id] = "near"
        _db.session.commit()
        search.rebuild()
    yield ids
    with app.app_context():
        _empty_all_tables()
        _db.session.remove()


@pytest.fixture(autouse=True)
def db(app, catalog):
    """The conftest's `db`, minus emptying the tables: these tests only read."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()


def top(catalog, text, n=5):
    return [catalog.get(i, i) for i in search.query(text, per_page=n).product_ids]


@pytest.mark.parametrize("text", list(QUERIES))
def test_a_sold_out_name_match_comes_first(catalog, text):
    found = top(catalog, text)
    assert found and found[0] == QUERIES[text], f"{text!r}: {found}"


def test_recall_at_5_with_the_right_products_sold_out(catalog):
    hits = sum(QUERIES[text] in top(catalog, text) for text in QUERIES)
    assert hits / len(QUERIES) >= 0.95


def test_in_stock_near_matches_follow_and_all_are_findable(catalog):
    found = top(catalog, "ผ้าฝ้าย", n=50)
    assert found[0] == "cotton-cloth"
    assert found.count("near") >= 9  # doormats, bags, cushions and scarves all found
    assert len(search.query("ผ้าฝ้าย").product_ids) == min(24, len(found))


def _forget_matches(app):
    """Empty both backends' per-process match caches."""
    from marketplace.catalog.search import whoosh

    app.extensions.pop("search_postgresql_matches", None)
    with contextlib.suppress(Exception):  # no Whoosh index on a PostgreSQL-only pass
        whoosh._current()[1].pop("results", None)


def test_candidates_cut_by_score_rank_as_all_candidates_would(app, catalog, monkeypatch):
    """Stock is read only for documents that can reach the page: the order is the same."""
    from marketplace.catalog.search import common, whoosh

    texts = [*QUERIES, "ผ้า", "cloth", "honey", "ทอมือ", "dried"]
    pages = [(text, page, per_page) for text in texts for page in (1, 2, 3) for per_page in (3, 5)]
    _forget_matches(app)
    cut = [search.query(text, page=page, per_page=n).product_ids for text, page, n in pages]
    for module in (common, whoosh):
        monkeypatch.setattr(module, "MAX_BOOST", float("inf"))  # every candidate kept
    _forget_matches(app)
    every = [search.query(text, page=page, per_page=n).product_ids for text, page, n in pages]
    assert cut == every
    assert any(cut)
    _forget_matches(app)


def test_the_cut_by_score_keeps_every_candidate_that_can_reach_the_page(monkeypatch):
    """Random scores close together and random stock: ranking the cut gives the same pages."""
    import random

    from marketplace.catalog.search import common

    rng = random.Random(5)
    for _ in range(200):
        size = rng.randint(1, 120)
        candidates = sorted(
            (
                (n, round(rng.uniform(1, 2), rng.choice((1, 2, 6))), (rng.randint(0, 1), n))
                for n in range(size)
            ),
            key=lambda c: (-c[1], c[2]),
        )
        stock = {
            n: common.Stock(rng.choice((0, 0, 5)), rng.choice((0, 3, 40, 2000)))
            for n in range(size)
        }
        monkeypatch.setattr(common, "availability", lambda ids, session=None, stock=stock: stock)
        per_page = rng.choice((1, 3, 24))
        start = per_page * rng.randint(0, 3)
        cut = common.reachable(candidates, start + per_page)
        assert common.rank_candidates(cut, start, per_page) == common.rank_candidates(
            candidates, start, per_page
        )
