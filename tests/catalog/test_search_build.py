"""Rebuilding the index fast: shared analysis, worker processes, Whoosh's bulk segment, COPY."""

import importlib.util
import random
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from marketplace.catalog import search
from marketplace.catalog import thai_analysis as ta
from marketplace.catalog.search import common, postgresql
from marketplace.catalog.search import whoosh as whoosh_search
from marketplace.demo import data as demo_data
from marketplace.models import ClaimKind, Product, ProductStatus

from .conftest import on_postgresql, using_backend

NAMES = [
    ("ข้าวเหนียวดำ", "Black sticky rice"),
    ("พรมเช็ดเท้าทอมือ", "Hand-woven doormat"),
    ("พริกกะเหรี่ยงแห้ง ๑ กก.", "Dried Karen chilli 1 kg"),
    ("ผ้าฝ้ายทอมือทอมือ", "Cotton cloth, hand-woven, hand-woven"),
    ("น้ำผึ้งดอกลำไย", "Longan honey"),
    ("กาแฟอาราบิก้า คั่วกลาง", "Arabica coffee, medium roast"),
]


@pytest.fixture
def catalog(app, db, make):
    """Some 150 products over three groups: more than one posting block for common terms."""
    groups = [
        make.group(name_th="กลุ่มหอมแผ่นดิน", name_en="Hom Phaendin group"),
        make.group(name_th="กลุ่มพริกกะเหรี่ยง", name_en="Karen chili group", province_code="58"),
        make.group(name_th="กลุ่มทอผ้า", name_en="Weavers' group", village=""),
    ]
    category = make.category(slug="rice", name_th="ข้าว", name_en="Rice")
    products = []
    for n in range(150):
        name_th, name_en = NAMES[n % len(NAMES)]
        products.append(
            make.product(
                group=groups[n % 3],
                category=category if n % 2 else None,
                name_th=f"{name_th} {n % 7}",
                name_en=f"{name_en} no. {n % 11}",
                description_th=f"{name_th}จากชุมชน ล็อตที่ {n} ส่งตรงจากหมู่บ้าน",
                description_en=f"{name_en} from the village, lot {n}; hand-made.",
                variants=1 + n % 2,
                is_featured=n % 13 == 0,
            )
        )
    make.claim(products[0], kind=ClaimKind.CHEMICAL_FREE)
    make.claim(groups[1], kind=ClaimKind.ORGANIC_THAILAND)
    products[5].status = ProductStatus.DRAFT
    db.session.commit()
    return products


def _whoosh_contents():
    """Everything a reader sees of the committed index: postings, statistics, stored fields."""
    reader = whoosh_search.open_index().reader()
    try:
        terms = {}
        for fieldname, term in reader.all_terms():
            info = reader.term_info(fieldname, term)
            matcher = reader.postings(fieldname, term)
            postings = []
            while matcher.is_active():
                postings.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            terms[(fieldname, term)] = (
                info.weight(),
                info.doc_frequency(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
                info.min_id(),
                info.max_id(),
                postings,
            )
        schema = reader.schema
        scorable = [name for name, field in schema.items() if field.scorable]
        documents = [
            (
                reader.stored_fields(d),
                [reader.doc_field_length(d, name) for name in scorable],
            )
            for d in range(reader.doc_count_all())
        ]
        columns = {
            name: list(reader.column_reader(name))
            for name, field in schema.items()
            if field.column_type and reader.has_column(name)
        }
        lengths = {name: reader.field_length(name) for name in scorable}
        return terms, documents, columns, lengths
    finally:
        reader.close()


def test_document_terms_are_what_the_whoosh_analyzers_give():
    names = "พริกกะเหรี่ยงแห้ง ๑ กก.\nDried Karen chilli, hand-woven"
    context = "กลุ่มหอมแผ่นดิน\nHom Phaendin group\nข้าว\nRice\nบ้านดอยงาม เชียงราย Chiang Rai"
    body = "พริกจากชุมชน\nchili from the community\nล็อตที่ 5 lot 5"
    group_names = "กลุ่มหอมแผ่นดิน\nHom Phaendin group"
    terms = ta.document_terms(names, context, body, group_names)
    schema = whoosh_search.make_schema()

    def analysed(fieldname, value):
        return [t.text for t in schema[fieldname].analyzer(value, mode="index")]

    assert list(terms.names) == analysed("names", names)
    assert list(terms.context) == analysed("context", context)
    assert list(terms.body) == analysed("body", body)
    assert sorted(terms.words) == sorted(analysed("words", "\n".join([names, context, body])))
    assert list(terms.name_keys) == analysed("name_key", names)
    assert list(terms.name_heads) == analysed("name_head", names)
    assert list(terms.completion) == analysed("complete", names + "\n" + group_names)


def _demo_texts():
    """Every text of the demo catalog (names, stories, descriptions, claims' details)."""
    found = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(demo_data.GROUPS)
    walk(demo_data.CATEGORIES)
    return found


# Thai letters, vowels, tone marks and digits; Latin; what people paste and type by mistake.
_ALPHABET = (
    [chr(c) for c in range(0x0E01, 0x0E5C)] * 4
    + list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") * 2
    + list(" \n\t\u00a0-'’.,;:!?()_/") * 6
    + ["\u200b", "\u00ad", "\ufeff", "\u0e4d\u0e32", "\u0e40\u0e40", "é", "ß", "İ", "e\u0301"]
    + [" the ", " and ", " hand-woven ", " Karen's ", " ๑ กก. ", " x" * 40, "ก" * 70]
)


def _random_texts(count, seed):
    rng = random.Random(seed)
    return ["".join(rng.choices(_ALPHABET, k=rng.randint(0, 120))) for _ in range(count)]


def test_memoised_analysis_gives_exactly_the_plain_terms():
    """Segmenting once, piece by piece, from caches: the very terms the analyzers give, in order."""
    texts = _demo_texts() + _random_texts(400, seed=14)
    assert len(texts) > 500
    for text_ in texts:
        assert ta.text_terms(text_) == (ta.index_terms(text_), ta.word_terms(text_)), text_
    rng = random.Random(5)
    for _ in range(300):
        parts = ["\n".join(rng.sample(texts, rng.randint(1, 4))) for _ in range(4)]
        assert ta.document_terms(*parts) == ta.plain_document_terms(*parts)
    # Twice: the second time every piece and every name comes from the caches.
    for _ in range(2):
        for parts in zip(texts, texts[1:], texts[2:], texts[3:], strict=False):
            assert ta.document_terms(*parts) == ta.plain_document_terms(*parts)


def test_bulk_segment_is_the_segment_add_document_writes(app, catalog, whoosh_backend, monkeypatch):
    """The fast rebuild writes exactly what Whoosh's own writer and the analyzers would."""
    assert search.rebuild() == 149
    bulk = _whoosh_contents()
    monkeypatch.setattr(whoosh_search._BulkSegment, "fits", staticmethod(lambda writer: False))
    monkeypatch.setattr(whoosh_search, "_analysed_fields", lambda terms: {})
    assert search.rebuild() == 149
    plain = _whoosh_contents()
    assert bulk[0].keys() == plain[0].keys()
    for key, value in plain[0].items():
        assert bulk[0][key] == value, key
    assert bulk[1:] == plain[1:]
    # Common terms take more than one posting block (128 postings each).
    assert max(len(value[-1]) for value in plain[0].values()) > 128
    monkeypatch.undo()
    assert len(search.query("ผ้าฝ้าย").product_ids) == 24


def test_segments_written_by_workers_hold_what_one_segment_holds(
    app, catalog, whoosh_backend, monkeypatch
):
    """With worker processes each writing a segment over a run of ids, a reader sees the same."""
    assert search.rebuild() == 149
    alone = _whoosh_contents()
    queries = ["ผ้าฝ้าย", "rice", "ข้าวเหนียว", "ทอมือ", "honey"]
    found_alone = [search.query(q).product_ids for q in queries]
    monkeypatch.setattr(common, "PARALLEL_MIN_PRODUCTS", 1)
    app.config["SEARCH_BUILD_WORKERS"] = 2
    seen = []
    try:
        assert search.rebuild(progress=lambda done, total: seen.append((done, total))) == 149
    finally:
        app.config.pop("SEARCH_BUILD_WORKERS")
    reader = whoosh_search.open_index().reader()
    try:
        assert len(list(reader.leaf_readers())) == 2
    finally:
        reader.close()
    parts = _whoosh_contents()
    assert parts[0].keys() == alone[0].keys()
    for key, value in alone[0].items():
        assert parts[0][key] == value, key
    assert parts[1:] == alone[1:]
    assert [search.query(q).product_ids for q in queries] == found_alone
    assert seen[-1] == (149, 149)
    assert common.LAST_BUILD["worker_cpu"] > 0


def test_worker_processes_analyse_as_the_process_does(app, db, catalog, monkeypatch):
    ids = sorted(p.id for p in catalog)
    seen = []
    monkeypatch.setattr(common, "PARALLEL_MIN_PRODUCTS", 1)
    app.config["SEARCH_BUILD_WORKERS"] = 2
    try:
        assert common.build_workers(len(ids)) == 2
        with Session(db.engine) as session:
            parallel = list(
                common.analysed_products(session, ids, lambda done, total: seen.append(done))
            )
        app.config["SEARCH_BUILD_WORKERS"] = 0
        assert common.build_workers(len(ids)) == 0
        with Session(db.engine) as session:
            alone = list(common.analysed_products(session, ids))
    finally:
        app.config.pop("SEARCH_BUILD_WORKERS")
    assert parallel == alone
    assert [product_id for product_id, _, _ in alone] == ids
    assert seen[-1] == len(ids)


def test_postgresql_rebuild_writes_the_rows_an_edit_writes(app, db, catalog):
    """COPY in a rebuild and INSERT after an edit give the same rows and vocabulary."""
    if not on_postgresql(app):
        pytest.skip("the PostgreSQL backend needs TEST_DATABASE_URL=postgresql…")

    def rows():
        documents = db.session.execute(
            text(
                "SELECT product_id, document::text, name_key, name_heads::text,"
                " completion::text, category, province, group_slug, verified::text, featured"
                " FROM search_document ORDER BY product_id"
            )
        ).all()
        words = db.session.scalars(text("SELECT word FROM search_word ORDER BY word")).all()
        completions = db.session.execute(
            text("SELECT key, product_id FROM search_completion ORDER BY key, product_id")
        ).all()
        assert completions
        return documents, words, completions

    with using_backend(app, "postgresql"):
        assert search.rebuild() == 149
        rebuilt = rows()
        db.session.execute(text("DELETE FROM search_document"))
        db.session.execute(text("DELETE FROM search_word"))
        db.session.execute(text("DELETE FROM search_completion"))
        ids = db.session.scalars(select(Product.id)).all()
        assert postgresql.write_documents(db.session, ids) == 149
        db.session.commit()
        assert rows() == rebuilt
        assert len(search.query("ผ้าฝ้าย").product_ids) == 24


def _schema_of_search_tables(db):
    """Constraints and indexes of the search tables, as PostgreSQL defines them."""
    return db.session.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid IN ('search_document'::regclass, 'search_word'::regclass,"
            " 'search_completion'::regclass)"
            " UNION ALL SELECT tablename, indexname, indexdef FROM pg_indexes"
            " WHERE tablename IN ('search_document', 'search_word', 'search_completion')"
            " ORDER BY 1, 2, 3"
        )
    ).all()


def test_postgresql_rebuild_swaps_in_tables_like_the_live_ones(app, db, catalog):
    """Built aside and swapped in: the same constraints and indexes, no table left over."""
    if not on_postgresql(app):
        pytest.skip("the PostgreSQL backend needs TEST_DATABASE_URL=postgresql…")
    with using_backend(app, "postgresql"):
        before = _schema_of_search_tables(db)
        db.session.commit()
        assert search.rebuild() == 149
        assert search.rebuild() == 149
        assert _schema_of_search_tables(db) == before
        # 3 primary keys and their indexes, 2 foreign keys, 5 GIN indexes, 1 more index
        assert len(before) == 14
        left = db.session.scalar(
            text("SELECT count(*) FROM pg_class WHERE relname LIKE :aside"),
            {"aside": f"%{postgresql.ASIDE}%"},
        )
        assert left == 0
        assert len(search.query("ผ้าฝ้าย").product_ids) == 24


def test_postgresql_rebuild_keeps_the_edits_committed_while_it_ran(app, db, catalog, make):
    """A rename, an archived product and a new one committed mid-build are in the swapped table."""
    if not on_postgresql(app):
        pytest.skip("the PostgreSQL backend needs TEST_DATABASE_URL=postgresql…")
    renamed, archived = catalog[1], catalog[2]
    edited = []

    def edit_once(done, total):
        if edited:
            return
        renamed.name_th = "ผ้าไหมแพรวากาฬสินธุ์"
        archived.status = ProductStatus.ARCHIVED
        edited.append(make.product(group=catalog[0].group, name_th="มะขามแช่อิ่มโบราณ"))
        db.session.commit()  # writes the old table: the build has already read these

    with using_backend(app, "postgresql"):
        assert search.rebuild() == 149
        assert search.rebuild(progress=edit_once) == 149
        assert edited
        found = db.session.scalars(
            text("SELECT product_id FROM search_document ORDER BY product_id")
        ).all()
        assert archived.id not in found and renamed.id in found and edited[0].id in found
        assert len(found) == 149
        assert search.query("แพรวา").product_ids == [renamed.id]
        assert search.query("มะขามแช่อิ่ม").product_ids == [edited[0].id]
        assert archived.id not in search.query(archived.name_th.split()[0]).product_ids


def test_postgresql_rebuild_gives_up_cleanly_while_a_transaction_holds_the_tables(
    app, db, catalog, monkeypatch
):
    """A transaction left open on the live tables: the rebuild says so and changes nothing."""
    if not on_postgresql(app):
        pytest.skip("the PostgreSQL backend needs TEST_DATABASE_URL=postgresql…")
    monkeypatch.setattr(postgresql, "SWAP_ATTEMPTS", 2)
    monkeypatch.setattr(postgresql, "SWAP_LOCK_TIMEOUT_MS", 100)
    with using_backend(app, "postgresql"):
        assert search.rebuild() == 149
        version = postgresql.current_version()
        db.session.commit()
        with db.engine.connect() as reader:
            reader.execute(text("SELECT count(*) FROM search_document"))  # holds it till rollback
            with pytest.raises(RuntimeError, match="stayed in use"):
                search.rebuild()
            reader.rollback()
        assert postgresql.current_version() == version
        left = db.session.scalar(
            text("SELECT count(*) FROM pg_class WHERE relname LIKE :aside"),
            {"aside": f"%{postgresql.ASIDE}%"},
        )
        assert left == 0
        assert search.rebuild() == 149
        assert len(search.query("ผ้าฝ้าย").product_ids) == 24


def test_the_completion_migration_fills_the_keys_from_the_documents(app, db, catalog):
    """Upgrading a PostgreSQL site gives the suggestions a rebuild would, without one."""
    if not on_postgresql(app):
        pytest.skip("the PostgreSQL backend needs TEST_DATABASE_URL=postgresql…")
    path = next(Path("migrations/versions").glob("*_search_completion.py"))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    def keys():
        return db.session.execute(
            text("SELECT key, product_id FROM search_completion ORDER BY key, product_id")
        ).all()

    with using_backend(app, "postgresql"):
        assert search.rebuild() == 149
        rebuilt = keys()
        suggested = search.suggest("ผ้า")
        assert rebuilt and suggested
        db.session.execute(text("DELETE FROM search_completion"))
        db.session.execute(text(migration.BACKFILL))
        db.session.commit()
        assert keys() == rebuilt
        assert search.suggest("ผ้า") == suggested
