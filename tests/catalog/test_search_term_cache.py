"""The Whoosh engine's term cache gives exactly what reading the postings gives."""

import random

import pytest

from marketplace.catalog import search
from marketplace.catalog.search import whoosh as whoosh_search

WORDS = [
    "ข้าว", "ข้าวเหนียว", "เหนียวดำ", "พริก", "กะเหรี่ยง", "พรม", "เช็ดเท้า", "ทอมือ",
    "กาแฟ", "น้ำผึ้ง", "ลำไย", "อบแห้ง", "อินทรีย์", "rice", "sticky", "black", "chili",
    "coffee", "honey", "doormat", "organic", "handmade", "basket", "bamboo", "jasmine",
]  # fmt: skip
TYPOS = ["kofee", "hony", "chilly", "ลำใย", "พริกกระเหรี่ยง", "zzqx"]


def _text(rng, low, high):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


@pytest.fixture
def random_catalog(app, db, make, whoosh_backend):
    """Sixty products of random words in two segments (the first with deletions)."""
    rng = random.Random(14)
    groups = [make.group() for _ in range(3)]
    categories = [make.category() for _ in range(3)]

    def product():
        return make.product(
            group=rng.choice(groups),
            category=rng.choice(categories),
            name_th=_text(rng, 1, 3),
            name_en=_text(rng, 1, 3),
            summary_en=_text(rng, 0, 4),
            description_th=_text(rng, 0, 8),
            description_en=_text(rng, 0, 8),
            stock=rng.choice([0, 3, 10]),
            is_featured=rng.random() < 0.2,
        )

    products = [product() for _ in range(50)]
    db.session.commit()
    search.rebuild()
    for changed in rng.sample(products, 5):
        changed.name_en = _text(rng, 1, 3)  # rewritten: deleted in the first segment
    for _ in range(10):
        product()
    db.session.commit()
    return rng, [c.slug for c in categories]


def _outcome(text, filters=None):
    outcome = search.query(text, filters)
    return (
        outcome.product_ids,
        outcome.total,
        outcome.facets,
        outcome.did_you_mean,
        outcome.fuzzy,
        outcome.popular_ids,
    )


def _forget_matches():
    whoosh_search._current()[1].pop("results", None)


def test_queries_answer_the_same_with_and_without_the_term_cache(random_catalog, monkeypatch):
    """Ids and order, totals, facets and hints: the same from cached terms as from postings."""
    rng, categories = random_catalog
    texts = [_text(rng, 1, 3) for _ in range(40)] + TYPOS
    texts += [rng.choice(WORDS)[:3] for _ in range(5)]  # parts of words
    filters = [None] * 3 + [{"category": c} for c in categories]
    cases = [(t, rng.choice(filters)) for t in texts]
    monkeypatch.setattr(whoosh_search, "TERM_CACHE_POSTINGS", 0)  # nothing kept: every term read
    whoosh_search._current()[1].pop("terms", None)
    plain = [_outcome(t, f) for t, f in cases]
    assert not whoosh_search._current()[1]["terms"].entries
    monkeypatch.setattr(whoosh_search, "TERM_CACHE_POSTINGS", 10**6)
    whoosh_search._current()[1].pop("terms", None)
    for _round in range(2):  # the first fills the cache (in a random order), the second reuses it
        _forget_matches()
        order = list(range(len(cases)))
        rng.shuffle(order)
        for n in order:
            text, f = cases[n]
            assert _outcome(text, f) == plain[n], (text, f)
    assert whoosh_search._current()[1]["terms"].entries
    assert any(p[1] for p in plain) and any(not p[1] for p in plain)


def test_the_engine_matches_what_whoosh_itself_matches(random_catalog):
    """The engine's documents and scores (cached terms or not) are Whoosh's own."""
    rng, _categories = random_catalog
    searcher, info = whoosh_search._current()
    engine = whoosh_search._engine(searcher, info)
    for _ in range(30):
        q = whoosh_search.build_query(_text(rng, 1, 3))
        for _pass in range(2):  # postings read, then the cached terms
            found = engine.evaluate(q)
            for d in engine.deleted:
                found.pop(d, None)
            own = {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}
            assert found.keys() == own.keys()
            for d, score in own.items():
                assert found[d] == pytest.approx(score, rel=1e-9)


def test_the_term_cache_keeps_at_most_its_bound_of_postings():
    cache = whoosh_search._TermCache(limit=10)
    cache.put("a", dict.fromkeys(range(4), 1.0))
    cache.put("b", dict.fromkeys(range(4), 1.0))
    assert cache.get("a") is not None  # now the most recent
    cache.put("c", dict.fromkeys(range(4), 1.0))  # 12 > 10: "b" goes
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None
    cache.put("d", dict.fromkeys(range(11), 1.0))  # larger than the bound: not kept
    assert cache.get("d") is None
    assert cache.size == 8


def test_facet_counts_are_exact_for_few_and_many_matches(random_catalog):
    """Both ways of counting (per combination, per value) count each document's values."""
    rng, _categories = random_catalog
    engine = whoosh_search._engine(*whoosh_search._current())
    live = [d for d in range(engine.doc_count_all) if d not in engine.deleted]
    for size in (0, 1, 3, 10, 30, len(live)):
        docs = rng.sample(live, size)
        expected = {}
        for name, values in engine.facet_values.items():
            counts = expected[name] = {}
            for d in docs:
                for key in values[d].split() if name == "claim" else (values[d],):
                    if key:
                        counts[key] = counts.get(key, 0) + 1
        assert engine.facets(dict.fromkeys(docs, 1.0)) == {
            name: sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            for name, counts in expected.items()
        }
