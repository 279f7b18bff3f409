"""How the Whoosh backend reads a generation: whole columns, once per process, warmed up ahead."""

import os
import threading

import pytest

from marketplace.catalog import search
from marketplace.catalog.search import whoosh as whoosh_search
from marketplace.catalog.search.whoosh import COLUMNS, TEXT_FIELDS, read_column


@pytest.fixture
def two_segments(app, db, make, whoosh_backend):
    """An index of two segments, the first with a deletion: what edits leave behind."""
    first = make.product(name_th="ข้าวเหนียวดำ", name_en="Black sticky rice", stock=3)
    make.product(name_th="พริกกะเหรี่ยง", name_en="Karen chili", stock=0)
    make.product(name_th="ผ้าฝ้ายทอมือ", name_en="Handwoven cotton", is_featured=True)
    db.session.commit()
    search.rebuild()
    first.name_en = "Black sticky rice, new crop"  # rewritten: deleted in the first segment
    make.product(name_th="กาแฟดริป", name_en="Drip coffee", stock=5)
    db.session.commit()
    searcher = whoosh_search._searcher()
    assert len(list(searcher.reader().leaf_readers())) == 2
    return searcher


def _forget_this_threads_searcher():
    whoosh_search._local.searchers = {}


def test_columns_and_lengths_read_whole_are_what_whoosh_iterates(two_segments):
    """`read_column` (one slice or array per column) gives exactly `list(column)`."""
    read = 0
    for leaf, _offset in two_segments.reader().leaf_readers():
        count = leaf.doc_count_all()
        for name in COLUMNS:
            if leaf.has_column(name):
                assert read_column(leaf.column_reader(name), count) == list(
                    leaf.column_reader(name)
                )
                read += 1
        for fieldname, _boost in TEXT_FIELDS:
            lengths = leaf._perdoc._cached_reader(
                whoosh_search._lenfield(fieldname), whoosh_search.LENGTHS_COLUMN
            )
            assert read_column(lengths, count) == [lengths[d] for d in range(count)]
            assert any(read_column(lengths, count))
    assert read == 2 * len(COLUMNS)


def test_the_engine_sees_deletions_facets_and_product_ids(db, two_segments):
    engine = whoosh_search._engine(*whoosh_search._current())
    assert len(engine.deleted) == 1
    ids = sorted(
        engine.product_id(d) for d in range(engine.doc_count_all) if d not in engine.deleted
    )
    assert ids == sorted(p.id for p in search.load_products(ids))
    assert len(ids) == 4
    outcome = search.query("")
    assert outcome.total == 4
    assert sum(n for _key, n in outcome.facets["group"]) == 4


def test_threads_share_a_generations_structures_but_not_searchers(app, db, make, two_segments):
    searcher, info = whoosh_search._current()
    search.query("ข้าว")
    seen = {}

    def other_thread():
        seen["current"] = whoosh_search._current()
        seen["ids"] = search.query("ข้าว").product_ids

    worker = threading.Thread(target=_in_app, args=(app, db, other_thread))
    worker.start()
    worker.join()
    other_searcher, other_info = seen["current"]
    assert other_info is info and other_searcher is not searcher
    assert seen["ids"] == search.query("ข้าว").product_ids

    make.product(name_th="ข้าวญี่ปุ่น", name_en="Japanese rice")
    db.session.commit()  # a new generation: a cache of its own
    assert whoosh_search._current()[1] is not info


def _in_app(app, db, work):
    with app.app_context():
        try:
            work()
        finally:
            db.session.remove()


def test_the_warm_up_builds_ahead_and_hands_its_searcher_on(app, db, two_segments):
    _forget_this_threads_searcher()
    whoosh_search._SHARED.clear()

    def warm():
        with app.app_context():
            whoosh_search.warm_up()

    worker = threading.Thread(target=warm)
    worker.start()
    worker.join()
    key = next(iter(whoosh_search._SPARES))
    spare = whoosh_search._SPARES[key]
    searcher, info = whoosh_search._current()
    assert searcher is spare and not whoosh_search._SPARES
    for name in ("columns", "order", "facet_combos", ("norms", "names"), ("units", "body", 1.0)):
        assert name in info
    assert search.query("ข้าว").total == 1


def test_a_spare_searcher_of_an_old_generation_is_not_used(app, db, make, two_segments):
    _forget_this_threads_searcher()

    def warm():
        with app.app_context():
            whoosh_search.warm_up()

    worker = threading.Thread(target=warm)
    worker.start()
    worker.join()
    spare = next(iter(whoosh_search._SPARES.values()))
    make.product(name_th="ข้าวญี่ปุ่น", name_en="Japanese rice")
    db.session.commit()
    searcher, _info = whoosh_search._current()
    assert searcher is not spare
    assert search.query("ข้าว").total == 2


def test_the_warm_up_creates_no_index_where_there_is_none(app, tmp_path, whoosh_backend):
    folder = app.config["SEARCH_INDEX_FOLDER"]
    app.config["SEARCH_INDEX_FOLDER"] = str(tmp_path / "index")
    try:
        whoosh_search.warm_up()
        assert not whoosh_search._storage().index_exists(whoosh_search.INDEX_NAME)
        assert (os.getpid(), str(tmp_path / "index")) not in whoosh_search._SPARES
    finally:
        app.config["SEARCH_INDEX_FOLDER"] = folder
