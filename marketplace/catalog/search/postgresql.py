"""PostgreSQL search backend: tsvectors of the shared Thai analysis, in the catalog's transaction.

Each visible product has a `search_document` row (models/search.py) whose
`document` tsvector holds the terms `thai_analysis.index_terms` gives (words,
syllables, Latin stems, pairs of adjacent units), weighted A for names, B for
group, category, claims and places, C for descriptions. The terms are written
as a tsvector literal, never through PostgreSQL's own parsers, which know no
Thai. A query becomes a tsquery of the same terms; GIN indexes answer it.

The rows are written in the same transaction as the catalog rows they come
from (the package's before_commit hook calls `write_changes`), so every host
and worker sees a change the moment it commits, and nothing is ever pending.
Stock and sales are not in the rows: a checkout writes nothing here.

Totals and facets are exact counts over the whole match; the candidates for
the page are ranked in the database as the shared ranking
(`common.rank_candidates`) ranks them in Python, and misspellings are
corrected with `spelling` over the `search_word` vocabulary, whose pg_trgm
index finds close Latin words.

Every write of documents also gives `search_state` a new version in the same
transaction. Each worker keeps the matches (candidates, totals, facets,
correction) of its recent queries keyed on that version, as Whoosh keeps
them per index generation, and any host's committed edit makes every worker
match afresh. A sale writes no document, so it keeps the version. A repeated
query is one statement: the version read with the page of the match kept
for it, ranked by the stock read now (`version_and_page`); if the version is
still the one the match was made at, that is the page, else the query is
matched again.
"""

import functools
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import replace

from flask import current_app
from sqlalchemy import bindparam, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ...extensions import db
from ...i18n import bangkok_today
from ...models import (
    ProducerGroup,
    Product,
    ProductStatus,
    SearchCompletion,
    SearchDocument,
    SearchState,
    SearchWord,
)
from .. import thai_analysis as ta
from . import spelling
from .common import (
    BATCH_SIZE,
    FEW_RESULTS,
    IN_STOCK_BOOST,
    MAX_QUERY_WORDS,
    POPULARITY_BOOST,
    RANK_CANDIDATES,
    RESULT_CACHE_SIZE,
    SearchOutcome,
    analysed_products,
    changed_product_ids,
    clean_text,
    load_for_index,
    popular,
    product_texts,
    rank_suggestions,
    reachable,
    visible,
)

log = logging.getLogger(__name__)

# ts_rank's weights, in its order {D, C, B, A}: names 1, context 0.4, body 0.2
# (Whoosh's 5 : 2 : 1).
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
# Added to ts_rank (about 0.1 to 1) for the whole name, a name's start, a phrase in a name.
NAME_KEY_BOOST = 3.0
NAME_HEAD_BOOST = 1.2
NAME_PHRASE_BOOST = 0.6
MAX_LEXEME_POSITIONS = 255
MAX_POSITION = 16383
SIMILARITY_THRESHOLD = "0.15"
FACET_COLUMNS = {"category": "category", "province": "province", "group": "group_slug"}


# ---------------------------------------------------------------------------
# Writing documents


@functools.lru_cache(maxsize=200_000)
def _quote(term):
    """A lexeme quoted for tsvector/tsquery input (kept: a rebuild quotes each term per product)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


@functools.cache
def _position_labels(weight):
    """Position labels of one weight ("1A", "2A", …) up to MAX_POSITION, PostgreSQL's last."""
    return [f"{position}{weight}" for position in range(MAX_POSITION + 1)]


def weighted_vector(parts):
    """A tsvector literal of [(terms, weight)]: each term with its positions and weight.

    A position past MAX_POSITION is written as MAX_POSITION (as PostgreSQL
    would clamp it), at most MAX_LEXEME_POSITIONS positions a term. Half of
    a rebuild's worker time went here: the labels and quoted terms are made
    once, not per product.
    """
    positions = {}
    position = 1
    for terms, weight in parts:
        labels = _position_labels(weight)
        for term in terms:
            at = positions.get(term)
            if at is None:
                positions[term] = [labels[min(position, MAX_POSITION)]]
            elif len(at) < MAX_LEXEME_POSITIONS:
                at.append(labels[min(position, MAX_POSITION)])
            position += 1
    return " ".join([_quote(term) + ":" + ",".join(at) for term, at in positions.items()])


def plain_vector(terms):
    """A tsvector literal of bare lexemes."""
    return " ".join(_quote(term) for term in dict.fromkeys(t for t in terms if t))


def document_row(product, today=None):
    """A visible product's search_document values, vocabulary words and completion keys."""
    texts = product_texts(product, today)
    terms = ta.document_terms(texts["names"], texts["context"], texts["body"], texts["group_names"])
    return _row(product.id, texts, terms), set(terms.words), _completion_keys(terms)


def _completion_keys(terms):
    """A product's completion keys as search_completion holds them (each once)."""
    return list(dict.fromkeys(key[:200] for key in terms.completion if key))


def _row(product_id, texts, terms):
    """The search_document values from a product's texts and their analysis."""
    return dict(
        product_id=product_id,
        document=weighted_vector([(terms.names, "A"), (terms.context, "B"), (terms.body, "C")]),
        name_key="\n".join(terms.name_keys)[:400],
        name_heads=plain_vector(terms.name_heads),
        completion=plain_vector(terms.completion),
        category=texts["category"],
        province=texts["province"],
        group_slug=texts["group_slug"],
        verified=plain_vector(texts["verified"]),
        featured=texts["featured"],
    )


_INSERT_DOCUMENT = text(
    "INSERT INTO search_document (product_id, document, name_key, name_heads, completion,"
    " category, province, group_slug, verified, featured) VALUES (:product_id,"
    " CAST(:document AS tsvector), :name_key, CAST(:name_heads AS tsvector),"
    " CAST(:completion AS tsvector), :category, :province, :group_slug,"
    " CAST(:verified AS tsvector), :featured)"
)
_COLUMNS = (
    "product_id",
    "document",
    "name_key",
    "name_heads",
    "completion",
    "category",
    "province",
    "group_slug",
    "verified",
    "featured",
)


def write_documents(session, product_ids, today=None):
    """Replace these products' rows (deleting hidden ones) in the session's transaction."""
    ids = sorted({int(i) for i in product_ids if i is not None})
    if not ids:
        return 0
    today = today or bangkok_today()
    written = 0
    bump_version(session)
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        session.execute(delete(SearchDocument).where(SearchDocument.product_id.in_(chunk)))
        session.execute(delete(SearchCompletion).where(SearchCompletion.product_id.in_(chunk)))
        rows, words, completions = [], set(), []
        for product in load_for_index(session, chunk):
            if visible(product):
                row, found, keys = document_row(product, today)
                rows.append(row)
                words |= found
                completions.extend({"key": key, "product_id": product.id} for key in keys)
        _insert(session, rows, words)
        if completions:
            session.execute(insert(SearchCompletion), completions)
        written += len(rows)
    return written


def _insert(session, rows, words):
    if rows:
        session.execute(_INSERT_DOCUMENT, rows)
    words = sorted(w[:200] for w in words if w)
    if words:
        session.execute(insert(SearchWord).on_conflict_do_nothing(), [{"word": w} for w in words])


def write_changes(session, pending):
    """Write the documents of the products a transaction touched (before it commits)."""
    write_documents(session, changed_product_ids(session, pending))


def copy_row(product_id, texts, terms):
    """A product's search_document row (values in _COLUMNS order) and its words.

    `analysed_products` runs it in the worker that analysed the product, so a
    rebuild's own process only copies rows in.
    """
    row = _row(product_id, texts, terms)
    return tuple(row[name] for name in _COLUMNS), terms.words, _completion_keys(terms)


# The tables a rebuild builds aside under this suffix, then swaps in.
ASIDE = "_rebuild"
_TABLES = (
    SearchDocument.__tablename__,
    SearchWord.__tablename__,
    SearchCompletion.__tablename__,
)


def rebuild(progress=None):
    """Every visible product's row anew, built aside and swapped in: readers keep the old rows.

    The new tables are filled by COPY with no index, their constraints and
    indexes (as the migrations made the live ones) created once they are
    full, and they take the live tables' place in the same transaction.
    Edits committed while the build ran wrote the old table: under a lock
    that holds further writers back for the moment of the swap, the products
    they touched, and those that appeared or went meanwhile, are written
    again from the catalog as it is then (see `_swap`). Returns the number of
    products indexed.
    """
    with Session(db.engine) as session:
        # Every transaction this snapshot does not see may have changed a
        # product after this build read it.
        snapshot = session.scalar(text("SELECT CAST(pg_current_snapshot() AS text)"))
        ids = session.scalars(_visible_ids()).all()
        for table in _TABLES:
            session.execute(text(f"CREATE TABLE {table}{ASIDE} (LIKE {table} INCLUDING DEFAULTS)"))
        document_table, word_table, completion_table = (f"{table}{ASIDE}" for table in _TABLES)
        count = 0
        rows, words, completions = [], set(), []
        # COPY once a batch is gathered: the connection also reads the
        # products, which it cannot do while a COPY is open.
        for row, found, keys in analysed_products(session, ids, progress, shape=copy_row):
            rows.append(row)
            words.update(found)
            completions.extend((key, row[0]) for key in keys)
            if len(rows) >= BATCH_SIZE:
                count += _copy(session, document_table, _COLUMNS, rows)
                _copy(session, completion_table, ("key", "product_id"), completions)
                rows, completions = [], []
        count += _copy(session, document_table, _COLUMNS, rows)
        _copy(session, completion_table, ("key", "product_id"), completions)
        vocabulary = sorted({w[:200] for w in words if w})
        _copy(session, word_table, ("word",), [(w,) for w in vocabulary])
        names = {}
        for table in _TABLES:
            names[table] = _index_like(session, table)
            session.execute(text(f"ANALYZE {table}{ASIDE}"))
        _swap(session, snapshot, names)
        session.commit()
    return count


def _visible_ids():
    return (
        select(Product.id)
        .join(Product.group)
        .where(Product.status == ProductStatus.ACTIVE, ProducerGroup.is_active.is_(True))
        .order_by(Product.id)
    )


_INDEX_DEFINITION = re.compile(r"^CREATE (UNIQUE )?INDEX (\S+) ON (?:ONLY )?\S+ (USING .*)$")


def _index_like(session, table):
    """Give `table`'s aside copy the live table's constraints and indexes, under suffixed names.

    Returns [("constraint" or "index", name)] of what was copied.
    """
    constraints = session.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = CAST(:table AS regclass) AND contype IN ('p', 'u', 'f', 'c', 'x')"
            " ORDER BY conname"
        ),
        {"table": table},
    ).all()
    for name, definition in constraints:
        session.execute(
            text(f"ALTER TABLE {table}{ASIDE} ADD CONSTRAINT {name}{ASIDE} {definition}")
        )
    indexes = session.execute(
        text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = CAST(:table AS regclass) AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid"
            " AND k.conrelid = i.indrelid) ORDER BY c.relname"
        ),
        {"table": table},
    ).all()
    for name, definition in indexes:
        match = _INDEX_DEFINITION.match(definition)
        if match is None:
            raise RuntimeError(f"search: cannot copy the index {name}: {definition}")
        unique, _, rest = match.groups()
        session.execute(text(f"CREATE {unique or ''}INDEX {name}{ASIDE} ON {table}{ASIDE} {rest}"))
    return [("constraint", name) for name, _ in constraints] + [
        ("index", name) for name, _ in indexes
    ]


# Product ids of rows an edit wrote after `snapshot` was taken (xmin widened to xid8).
_WRITTEN_SINCE = text(
    "SELECT product_id FROM search_document, (SELECT CAST(CAST(pg_current_xact_id()"
    " AS text) AS bigint) AS now) AS x WHERE NOT pg_visible_in_snapshot(CAST(CAST("
    " (((x.now >> 32) - CAST(CAST(CAST(xmin AS text) AS bigint) > (x.now & 4294967295)"
    " AS integer)) << 32) | CAST(CAST(xmin AS text) AS bigint) AS text) AS xid8),"
    " CAST(:snapshot AS pg_snapshot))"
)


# A transaction left open on the live tables (a stuck request) must not hold
# every search back behind the swap's lock for long: it waits a few seconds
# at a time, lets the queue through, and tries again.
SWAP_LOCK_TIMEOUT_MS = 2000
SWAP_ATTEMPTS = 15


def _lock_for_swap(session):
    """Lock the live tables for the swap, a few seconds at a time; raises if they stay busy."""
    for attempt in range(SWAP_ATTEMPTS):
        savepoint = session.begin_nested()
        try:
            session.execute(text(f"SET LOCAL lock_timeout = {SWAP_LOCK_TIMEOUT_MS}"))
            session.execute(text(f"LOCK TABLE {', '.join(_TABLES)} IN ACCESS EXCLUSIVE MODE"))
        except OperationalError as error:
            savepoint.rollback()
            if getattr(error.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                raise
            log.info("search: tables busy for the swap (attempt %d)", attempt + 1)
            time.sleep(0.2 * (attempt + 1))
            continue
        savepoint.commit()
        session.execute(text("SET LOCAL lock_timeout = DEFAULT"))
        return
    raise RuntimeError(
        "search rebuild: the search tables stayed in use by other transactions;"
        " nothing was changed, try again"
    )


_LOCK_NOT_AVAILABLE = "55P03"


def _swap(session, snapshot, names):
    """Put the aside tables in the live ones' place, with what edits wrote meanwhile.

    The lock waits for the transactions using the tables to end and holds
    new ones back until this transaction commits (a moment: only what
    changed meanwhile is written); held-back edits then write to the new
    tables. `names`: each table's constraints and indexes (`_index_like`),
    which the aside ones are renamed to.
    """
    _lock_for_swap(session)
    touched = set(session.scalars(_WRITTEN_SINCE, {"snapshot": snapshot}))
    for table in _TABLES:
        session.execute(text(f"DROP TABLE {table}"))
        session.execute(text(f"ALTER TABLE {table}{ASIDE} RENAME TO {table}"))
        for kind, name in names[table]:
            if kind == "constraint":
                session.execute(
                    text(f"ALTER TABLE {table} RENAME CONSTRAINT {name}{ASIDE} TO {name}")
                )
            else:
                session.execute(text(f"ALTER INDEX {name}{ASIDE} RENAME TO {name}"))
    visible_now = set(session.scalars(_visible_ids()))
    indexed = set(session.scalars(select(SearchDocument.product_id)))
    write_documents(session, touched | (visible_now ^ indexed))
    bump_version(session)


def bump_version(session):
    """Give the documents a new version inside the session's transaction."""
    statement = insert(SearchState).values(id=1, version=secrets.token_hex(16))
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[SearchState.id], set_={"version": statement.excluded.version}
        )
    )


def current_version(session=None):
    """The documents' version as this transaction sees them (None before any write)."""
    session = session or db.session
    return session.connection().execute(_VERSION).scalar()


_VERSION = select(SearchState.version).where(SearchState.id == 1)

# The version of the documents and the ids for one page of a match's
# candidates, ranked here as `common.rank_candidates` ranks them in Python:
# the score times `common.boost` of the stock read now (the same float
# operations in the same order, so the same order), then units sold, then
# featured first and the product id. Each id's lots are summed in a LATERAL
# subquery, as `common._availability_statement` does. One statement and one
# row back: a repeated query is one round trip after psycopg's BEGIN, and
# this process neither turns 240 stock rows into objects nor sorts them.
_VERSION_AND_PAGE = text(
    """
SELECT (SELECT version FROM search_state WHERE id = 1) AS version,
       (SELECT array_agg(product_id ORDER BY boosted DESC, sold DESC, featured DESC, product_id)
          FROM (SELECT product_id, boosted, sold, featured FROM (
                  SELECT c.product_id, c.featured, coalesce(s.sold, 0) AS sold,
                         c.score * (
                             CASE WHEN coalesce(s.available, 0) > 0
                                  THEN CAST(:in_stock AS float8) ELSE CAST(1 AS float8) END
                           * CASE WHEN coalesce(s.sold, 0) > 0
                                  THEN 1 + CAST(:popularity AS float8) * least(
                                      CAST(1 AS float8), log(CAST(1 + s.sold AS float8)) / 3)
                                  ELSE CAST(1 AS float8) END
                         ) AS boosted
                    FROM unnest(CAST(:ids AS int[]), CAST(:scores AS float8[]),
                                CAST(:featured AS bool[])) AS c(product_id, score, featured)
                    CROSS JOIN LATERAL (
                        SELECT sum(CASE WHEN v.is_active THEN l.available ELSE 0 END) AS available,
                               sum(CASE WHEN l.quantity > l.available
                                        THEN l.quantity - l.available ELSE 0 END) AS sold
                          FROM variant v JOIN lot l ON l.variant_id = v.id
                         WHERE v.product_id = c.product_id) AS s
                ) AS boosted
                ORDER BY boosted DESC, sold DESC, featured DESC, product_id
                LIMIT :count OFFSET :start) AS page) AS ids
"""
)


def packed(candidates):
    """A match's candidates as the array literals `_VERSION_AND_PAGE` binds.

    Made once per match and kept with it: ids, scores (repr: the exact
    float back) and whether each is featured (`order` starts with 0 for it).
    """
    return (
        "{" + ",".join(str(product_id) for product_id, _, _ in candidates) + "}",
        "{" + ",".join(repr(score) for _, score, _ in candidates) + "}",
        "{" + ",".join("t" if order[0] == 0 else "f" for _, _, order in candidates) + "}",
    )


def version_and_page(arrays, start, count, session=None):
    """(the documents' version, the ranked ids for places start..start+count) in one statement.

    `arrays` from `packed`. Run in the session's transaction, so it sees what
    the transaction itself changed.
    """
    ids, scores, featured = arrays
    connection = (session or db.session).connection()
    version, page = connection.execute(
        _VERSION_AND_PAGE,
        {
            "ids": ids,
            "scores": scores,
            "featured": featured,
            "in_stock": IN_STOCK_BOOST,
            "popularity": POPULARITY_BOOST,
            "start": start,
            "count": count,
        },
    ).one()
    return version, list(page or ())


def _copy(session, table, columns, rows):
    """COPY rows (tuples of values in `columns` order) into a table; the number of rows."""
    if not rows:
        return 0
    cursor = session.connection().connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return len(rows)


def sync_pending():
    """Nothing waits with PostgreSQL: documents are written with the catalog."""
    return 0


def pending_count():
    """Always 0 (see `sync_pending`)."""
    return 0


def doc_count():
    """Documents in the table."""
    return db.session.scalar(select(func.count()).select_from(SearchDocument))


def generation():
    """A fingerprint of the rows' versions (xmin): it changes when any document is written."""
    return db.session.scalar(
        text(
            "SELECT count(*) || ':' || coalesce(md5(string_agg(xmin::text, ','"
            " ORDER BY product_id)), '') FROM search_document"
        )
    )


def warm_up():
    """Nothing per process to build: the documents are in the database."""


def describe():
    """Where the index lives."""
    return "postgresql: search_document (tsvector, GIN) and search_word (pg_trgm)"


# ---------------------------------------------------------------------------
# Searching


def _unit_terms(word):
    if word.thai and len(word.syllables) > 1:
        return list(word.syllables)
    if word.thai:
        return [word.text]
    return [ta.unit_term(word.text)]


def _word_tsquery(word):
    """A typed word in tsquery syntax: the word itself, or its syllables as pairs."""
    if word.thai and len(word.syllables) > 1:
        pairs = " & ".join(_quote(p) for p in ta.pair_terms(list(word.syllables)))
        return f"( {_quote(word.text)} | ( {pairs} ) )"
    if word.thai:
        return _quote(word.text)
    return _quote(ta.unit_term(word.text))


def build_query(text):
    """(tsquery, name key, name-phrase tsquery or None) for the buyer's words, or None."""
    words = ta.segment(text)[:MAX_QUERY_WORDS]
    if not words:
        return None
    required = " & ".join(_word_tsquery(w) for w in words)
    units = [u for w in words for u in _unit_terms(w)]
    pairs = ta.pair_terms(units)
    phrase = " & ".join(f"{_quote(p)}:A" for p in pairs) if pairs else None
    return required, ta.name_key(text)[:200], phrase


def _conditions(q, filters, params):
    where = []
    if q is not None:
        where.append("d.document @@ CAST(:q AS tsquery)")
        params["q"] = q[0]
    for name, value in filters.items():
        if name == "claim":
            where.append("d.verified @@ CAST(:f_claim AS tsquery)")
            params["f_claim"] = _quote(value)
        else:
            where.append(f"d.{FACET_COLUMNS[name]} = :f_{name}")
            params[f"f_{name}"] = value
    return " AND ".join(where) or "TRUE"


def _score(q, params):
    if q is None:
        return "0.0"
    params.update(
        key=q[1],
        head=_quote(q[1]) if q[1] else "''",
        phrase=q[2] or "''",
        key_boost=NAME_KEY_BOOST,
        head_boost=NAME_HEAD_BOOST,
        phrase_boost=NAME_PHRASE_BOOST,
    )
    score = (
        f"ts_rank('{RANK_WEIGHTS}', d.document, CAST(:q AS tsquery), 1)"
        " + CASE WHEN :key <> '' AND :key = ANY(string_to_array(d.name_key, E'\\n'))"
        " THEN :key_boost ELSE 0 END"
        " + CASE WHEN :key <> '' AND d.name_heads @@ CAST(:head AS tsquery)"
        " THEN :head_boost ELSE 0 END"
    )
    if q[2]:
        score += " + CASE WHEN d.document @@ CAST(:phrase AS tsquery) THEN :phrase_boost ELSE 0 END"
    return score


# One round trip: the match is evaluated once (a materialized CTE), then the
# candidates, the total and each facet's counts are read from it.
_RUN_SQL = """
WITH m AS MATERIALIZED (
    SELECT d.product_id, {score} AS score, d.featured, d.category, d.province,
           d.group_slug, d.verified
    FROM search_document d WHERE {where}
)
SELECT
    (SELECT json_agg(json_build_array(product_id, score, featured))
       FROM (SELECT product_id, score, featured FROM m
             ORDER BY score DESC, featured DESC, product_id LIMIT :limit) AS best),
    (SELECT count(*) FROM m),
    (SELECT json_object_agg(category, n)
       FROM (SELECT category, count(*) AS n FROM m WHERE category <> ''
             GROUP BY category) AS c),
    (SELECT json_object_agg(province, n)
       FROM (SELECT province, count(*) AS n FROM m WHERE province <> ''
             GROUP BY province) AS p),
    (SELECT json_object_agg(group_slug, n)
       FROM (SELECT group_slug, count(*) AS n FROM m GROUP BY group_slug) AS g),
    (SELECT json_object_agg(k, n)
       FROM (SELECT k, count(*) AS n FROM m, unnest(tsvector_to_array(m.verified)) AS k
             GROUP BY k) AS v)
"""


def _run(q, filters, count, session=None):
    """(candidates, total, facets): exact counts over the whole match, candidates by score."""
    session = session or db.session
    params = {}
    where = _conditions(q, filters, params)
    score = _score(q, params)
    params["limit"] = max(count, RANK_CANDIDATES)
    # _RUN_SQL takes fixed SQL fragments (_conditions, _score) only: every value
    # the buyer gave is a bound parameter.
    best, total, *counts = session.execute(
        text(_RUN_SQL.format(score=score, where=where)), params
    ).one()
    candidates = [
        (int(product_id), float(value), (0 if featured else 1, int(product_id)))
        for product_id, value, featured in best or ()
    ]
    candidates = reachable(candidates, count)  # stock is read only for these
    facets = {
        name: sorted((values or {}).items(), key=lambda kv: (-kv[1], kv[0]))
        for name, values in zip(("category", "province", "group", "claim"), counts, strict=True)
    }
    return candidates, total or 0, facets


def _count(q, filters, session=None):
    params = {}
    where = _conditions(q, filters, params)
    session = session or db.session
    return session.scalar(
        text(
            f"SELECT count(*) FROM (SELECT 1 FROM search_document d WHERE {where} LIMIT 50) m"  # noqa: S608
        ),
        params,
    )


class _Matches:
    """A worker's matches of recent queries, for one version of the documents.

    Each kept as (match, its candidates `packed` for the ranking statement).
    """

    def __init__(self):
        self.lock = threading.Lock()
        self.version = None
        self.results = OrderedDict()

    def kept(self, key):
        """(version, (match, packed)) kept for `key`, or (None, None)."""
        with self.lock:
            found = self.results.get(key)
            return (self.version, found) if found is not None else (None, None)

    def put(self, version, key, found):
        """Keep a match made at this version; a new version empties the others.

        The oldest goes when full. Each use checks the version, so a late put
        of an older version costs only a match again.
        """
        with self.lock:
            if version != self.version:
                self.version, self.results = version, OrderedDict()
            self.results[key] = found
            if len(self.results) > RESULT_CACHE_SIZE:
                self.results.popitem(last=False)


def _matches():
    return current_app.extensions.setdefault("search_postgresql_matches", _Matches())


def query(text_, filters=None, page=1, per_page=24):
    """Search the catalog; bad input never raises, an empty result brings hints instead.

    The matching (scores, totals, facets, hints) is kept per version of the
    documents (see the module docstring); the final order reads stock and
    sales on every call, so a sale changes the ranking at once. A query whose
    match is kept is one statement: the version, and the page ranked by the
    stock read now (`version_and_page`); when the version has moved on, it is
    matched again and ranked by a second run of the statement.
    """
    text_ = clean_text(text_)
    filters = dict(filters or {})
    page = max(1, min(int(page or 1), 1000))
    start = (page - 1) * per_page
    key = (text_, tuple(sorted(filters.items())), page, per_page)
    matches = _matches()
    kept_at, found = matches.kept(key)
    if found is not None:
        version, ids = version_and_page(found[1], start, per_page)
        if version == kept_at:
            return _outcome(found[0], filters, ids)
    else:
        version = current_version()
    matched = _match(text_, filters, page, per_page)
    arrays = packed(matched.candidates)
    if version is not None:
        matches.put(version, key, (matched, arrays))
    ids = version_and_page(arrays, start, per_page)[1] if matched.candidates else []
    return _outcome(matched, filters, ids)


def _outcome(matched, filters, product_ids):
    """The page's outcome: a kept match with this call's filters, ids and popular products."""
    outcome = replace(matched, filters=dict(filters))
    outcome.product_ids = product_ids
    if outcome.total == 0:
        outcome.popular_ids = popular(8)
    return outcome


def _match(text_, filters, page, per_page):
    """Candidates, total, facets and a correction if needed, from the rows of this transaction."""
    outcome = SearchOutcome(text=text_, page=page, per_page=per_page, filters=dict(filters))
    count = page * per_page
    q = build_query(text_) if text_ else None
    candidates, total, facets = _run(q, filters, count)
    if q is not None and total < FEW_RESULTS:
        wanted = 1 if total == 0 else max(FEW_RESULTS, 2 * total)
        correction = _correct(text_, filters, wanted)
        if correction and total == 0:
            candidates, total, facets = _run(build_query(correction), filters, count)
            outcome.fuzzy = True
        outcome.did_you_mean = correction
    outcome.candidates, outcome.total, outcome.facets = candidates, total, facets
    return outcome


class Vocabulary(spelling.Vocabulary):
    """The `search_word` table: words looked up in batches, close words through pg_trgm."""

    def __init__(self, session):
        super().__init__({})
        self.session = session

    def preload(self, words):
        """Look the words not seen yet up in one query."""
        words = [w for w in words if w and w not in self.counts]
        if not words:
            return
        found = set(
            self.session.scalars(
                select(SearchWord.word).where(SearchWord.word.in_(bindparam("w", expanding=True))),
                {"w": words},
            )
        )
        for word in words:
            self.counts[word] = 1 if word in found else 0

    def knows(self, word):
        """Whether the word is in the vocabulary."""
        if word not in self.counts:
            self.preload([word])
        return self.counts[word] > 0

    def count(self, word):
        """1 for a known word (the table keeps no counts)."""
        return 1 if self.knows(word) else 0

    def close_words(self, word):
        """Words sharing trigrams with `word`, most similar first (the GIN trigram index)."""
        self.session.execute(
            text("SELECT set_config('pg_trgm.similarity_threshold', :t, true)"),
            {"t": SIMILARITY_THRESHOLD},
        )
        return list(
            self.session.scalars(
                text(
                    "SELECT word FROM search_word WHERE word % :w"
                    " ORDER BY similarity(word, :w) DESC, word LIMIT :n"
                ),
                {"w": word, "n": spelling.MAX_CANDIDATES},
            )
        )


def _correct(text_, filters, wanted=1):
    def has_results(candidate):
        q = build_query(candidate)
        return q is not None and _count(q, filters) >= wanted

    return spelling.correct(text_, Vocabulary(db.session), has_results)


def did_you_mean(text_):
    """A corrected spelling of the text that finds products, or ""."""
    text_ = clean_text(text_)
    return _correct(text_, {}) if text_ else ""


# Completion keys read from the prefix on, and products per key, as Whoosh's suggest.
SUGGESTION_KEYS = 60
PRODUCTS_PER_KEY = 4

# The first SUGGESTION_KEYS distinct keys from the prefix on (one primary-key
# probe each, a skip scan), then each key's first products: a bounded read,
# where matching the completion tsvector read every document the prefix
# starts a key of (20,000 rows for "ข้าว" at 50,000 products) to sort them.
_SUGGEST = text(
    """
WITH RECURSIVE k(key, n) AS (
    (SELECT CAST(key AS text), 1 FROM search_completion
     WHERE key >= :p AND key < :end ORDER BY key LIMIT 1)
    UNION ALL
    SELECT (SELECT CAST(c.key AS text) FROM search_completion c
            WHERE c.key > k.key AND c.key < :end ORDER BY c.key LIMIT 1), k.n + 1
    FROM k WHERE k.key IS NOT NULL AND k.n < :keys
)
SELECT p.id, p.name_th, p.name_en, g.name_th, g.name_en
FROM k CROSS JOIN LATERAL (
    SELECT c.product_id FROM search_completion c WHERE c.key = k.key
    ORDER BY c.product_id LIMIT :per_key
) AS d
JOIN product p ON p.id = d.product_id
JOIN producer_group g ON g.id = p.group_id
ORDER BY k.n, d.product_id
"""
)


def suggest(text_, limit=8):
    """Product and group names that the typed text begins (inside, at a word), both scripts."""
    prefix = ta.completion_prefix(clean_text(text_))
    if not prefix or (prefix.isascii() and len(prefix) < 2):
        return []
    # Every key starting with the prefix sorts (bytewise) below prefix + the last code point.
    rows = db.session.execute(
        _SUGGEST,
        {
            "p": prefix,
            "end": prefix + "\U0010ffff",
            "keys": SUGGESTION_KEYS,
            "per_key": PRODUCTS_PER_KEY,
        },
    ).all()
    found = [
        (pid, (name_th, name_en), (group_th, group_en))
        for pid, name_th, name_en, group_th, group_en in rows
    ]
    return rank_suggestions(prefix, found, limit)
