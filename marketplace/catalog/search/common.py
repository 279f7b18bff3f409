"""What every search backend shares: documents' text, cleaning input, stock at query time, ranking.

A backend (whoosh, postgresql) matches text and counts facets; the text it
indexes (`product_texts`), the cleaned query, the final order (relevance
times the availability and popularity boosts, read from the lots now) and
the cards' loading come from here, so both backends rank alike.
"""

import functools
import json
import math
import multiprocessing
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from flask import current_app, has_app_context
from sqlalchemy import (
    ARRAY,
    Integer,
    bindparam,
    case,
    create_engine,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.orm import Session, configure_mappers, selectinload

from ... import areas
from ...extensions import db
from ...i18n import bangkok_today
from ...models import (
    Category,
    Claim,
    ClaimKind,
    ClaimStatus,
    Lot,
    ProducerGroup,
    Product,
    ProductStatus,
    Variant,
)
from .. import labels as catalog_labels
from .. import thai_analysis as ta

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
BATCH_SIZE = 500
RESULT_CACHE_SIZE = 512
# Fewer results than this: look for a correction that finds more.
FEW_RESULTS = 3

# Ranking: relevance first; being in stock and having sold well are boosts on
# the score (and sold units the tie-break), never a partition of the results.
IN_STOCK_BOOST = 1.2
POPULARITY_BOOST = 0.1  # at most +10 %, reached at 1,000 units sold (log scale)
MAX_BOOST = IN_STOCK_BOOST * (1 + POPULARITY_BOOST)
# Documents ranked with live stock per query; the rest are cut by score alone.
RANK_CANDIDATES = 240

# Facet (the URL argument, as in the catalog's filters) → index field.
FACET_FIELDS = {
    "category": "category",
    "province": "province",
    "group": "group_slug",
    "claim": "verified_key",
}
FACETS = tuple(FACET_FIELDS)

# Words a buyer may type for each claim kind, in both languages (index terms,
# not display text: catalog.labels.CLAIM_KINDS has the display text).
CLAIM_TERMS = {
    ClaimKind.CHEMICAL_FREE: "ปลอดสารเคมี ปลอดสารพิษ chemical-free pesticide-free",
    ClaimKind.ORGANIC_THAILAND: "เกษตรอินทรีย์ อินทรีย์ Organic Thailand organic",
    ClaimKind.PGS: "PGS อินทรีย์แบบมีส่วนร่วม organic participatory guarantee",
    ClaimKind.GAP: "GAP จีเอพี good agricultural practice",
    ClaimKind.Q_MARK: "Q mark มาตรฐานคิว",
    ClaimKind.HANDMADE: "ทำมือ งานฝีมือ handmade hand-made",
    ClaimKind.NATURAL_DYE: "สีธรรมชาติ ย้อมสีธรรมชาติ natural dye",
    ClaimKind.OTOP: "OTOP โอทอป หนึ่งตำบลหนึ่งผลิตภัณฑ์",
}
SHOWN_CLAIM_STATUSES = (ClaimStatus.VERIFIED, ClaimStatus.SELF_DECLARED, ClaimStatus.PENDING)


def visible(product):
    """Whether a product belongs in search: active, of an active group."""
    return (
        product is not None
        and product.status == ProductStatus.ACTIVE
        and product.group is not None
        and product.group.is_active
    )


def _area_names(code, lookup):
    area = lookup(code) if code else None
    if area is None:
        return ""
    return f"{area.name_th} {area.name_en or ''}".strip()


def product_texts(product, today=None):
    """What a backend indexes of a visible product: its texts by weight, facets, labels.

    Nothing in it depends on stock or sales: those change with every checkout
    and are read from the database at query time (`availability`), so a sale
    never writes the index.
    """
    today = today or bangkok_today()
    group = product.group
    category = product.category
    variants = [v for v in product.variants if v.is_active]
    lots = [lot for v in product.variants for lot in v.lots]
    claims = list(product.claims) + list(group.claims) + [c for lot in lots for c in lot.claims]
    verified = sorted({c.kind for c in claims if c.is_verified(today)})
    shown = sorted({c.kind for c in claims if c.effective_status(today) in SHOWN_CLAIM_STATUSES})
    group_names = f"{group.name_th}\n{group.name_en}"
    category_names = f"{category.name_th}\n{category.name_en}" if category else ""
    body = "\n".join(
        [
            product.summary_th,
            product.summary_en,
            product.description_th,
            product.description_en,
        ]
        + [f"{v.label_th} {v.label_en}" for v in variants]
    )
    place = " ".join(
        [
            group.village or "",
            _area_names(group.subdistrict_code, areas.subdistrict),
            _area_names(group.district_code, areas.district),
            _area_names(group.province_code, areas.province),
        ]
    )
    claim_text = " ".join(CLAIM_TERMS.get(kind, kind) for kind in shown)
    names = "\n".join([product.name_th, product.name_en])
    context = "\n".join([group_names, category_names, claim_text, place])
    return dict(
        names=names,
        context=context,
        body=body,
        group_names=group_names,
        category=category.slug if category else "",
        province=group.province_code or "",
        group_slug=group.slug,
        verified=verified,
        featured=bool(product.is_featured),
        labels=dict(
            name_th=product.name_th,
            name_en=product.name_en,
            group_th=group.name_th,
            group_en=group.name_en,
        ),
    )


def load_for_index(session, ids):
    """Products by id with everything `product_texts` reads loaded."""
    options = (
        selectinload(Product.group).selectinload(ProducerGroup.claims),
        selectinload(Product.category),
        selectinload(Product.claims),
        selectinload(Product.variants).selectinload(Variant.lots).selectinload(Lot.claims),
    )
    return session.scalars(select(Product).where(Product.id.in_(ids)).options(*options)).all()


# ---------------------------------------------------------------------------
# Building an index: every product's texts analysed, in worker processes when many


# Below this many products a rebuild analyses in its own process (starting
# workers costs about a second).
PARALLEL_MIN_PRODUCTS = 3000
# Batches handed to the workers ahead of the one being written.
BATCHES_AHEAD = 2


def build_workers(count):
    """Worker processes for analysing `count` products: SEARCH_BUILD_WORKERS, else one per core.

    0 when the catalog is small or the machine has one core: the analysis
    then runs in the calling process.
    """
    configured = current_app.config.get("SEARCH_BUILD_WORKERS") if has_app_context() else None
    workers = (os.cpu_count() or 1) if configured is None else int(configured)
    if count < PARALLEL_MIN_PRODUCTS or workers < 2:
        return 0
    return min(workers, 8)


def _start_pool(workers, shape):
    # forkserver, not fork: the app may have threads (a warm-up, a web
    # server's), and a forked child would inherit their held locks.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(dict.fromkeys([ta.__name__, shape.__module__])))
    return context.Pool(workers)


def as_analysed(product_id, texts, terms):
    """The default shape of `analysed_products`: (product id, texts, terms) as they are."""
    return product_id, texts, terms


def shape_many(shape, batch):
    """`shape(product id, texts, terms)` of each (product id, texts) analysed: a worker's part."""
    return [
        shape(product_id, texts, ta.document_terms(*_analysed_texts(texts)))
        for product_id, texts in batch
    ]


def _analysed_texts(texts):
    return texts["names"], texts["context"], texts["body"], texts["group_names"]


def worker_database(session):
    """The URL worker processes read the catalog through, or None when they cannot.

    An in-memory SQLite database is this process's alone: its products are
    then read here and handed to the workers.
    """
    url = session.get_bind().url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return url.render_as_string(hide_password=False)


_WORKER_ENGINES = {}


def worker_session(url):
    """A session of a worker process on the database at `url` (one engine per process)."""
    engine = _WORKER_ENGINES.get(url)
    if engine is None:
        options = {"pool_size": 1}
        if url.startswith("postgresql"):
            options["connect_args"] = {"options": "-c jit=off"}
        engine = _WORKER_ENGINES[url] = create_engine(url, **options)
    return Session(engine)


def load_and_shape(url, shape, ids, today):
    """A worker's part read by itself: these products loaded, their texts made and analysed.

    `shape(product id, texts, terms)` of each product still visible, by id: the
    rebuild's own process then reads no product (the ORM loading and the
    texts were a third of its time).
    """
    with worker_session(url) as session:
        products = sorted(load_for_index(session, ids), key=lambda product: product.id)
        batch = [(product.id, product_texts(product, today)) for product in products]
    return shape_many(shape, batch)


# CPU seconds of the last build's worker processes (benchmarks print them).
LAST_BUILD = {"worker_cpu": 0.0}


def process_cpu(pid):
    """CPU seconds so far of a process of this machine (0.0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def analysed_products(session, ids, progress=None, today=None, shape=as_analysed):
    """`shape(product id, product_texts, thai_analysis.Terms)` of each of these products, in order.

    What both backends' rebuilds index. On a large catalog worker processes
    read the products themselves (`load_and_shape`, through their own
    connection) and analyse them, a few batches ahead of the one the caller
    writes; otherwise the products are read in batches through `session`
    (expunged after each) and analysed here. `shape` (a module-level
    function, so that workers can be handed it) runs in the worker too: a
    backend turns the analysis into what it writes there, and this process
    only writes it. `progress(done, total)` follows the products handed out.
    """
    today = today or bangkok_today()
    workers = build_workers(len(ids))
    url = worker_database(session) if workers else None
    pool = _start_pool(workers, shape) if workers else None
    in_flight = deque()
    done = 0
    ahead = BATCHES_AHEAD * max(1, workers)
    LAST_BUILD["worker_cpu"] = 0.0
    try:
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            if pool is not None and url is not None:
                size = -(-len(chunk) // workers) or 1
                parts = [
                    (url, shape, chunk[i : i + size], today) for i in range(0, len(chunk), size)
                ]
                in_flight.append((len(chunk), pool.starmap_async(load_and_shape, parts)))
            else:
                products = load_for_index(session, chunk)
                batch = [
                    (product.id, product_texts(product, today))
                    for product in sorted(products, key=lambda product: product.id)
                ]
                session.expunge_all()
                if pool is None:
                    in_flight.append((len(chunk), shape_many(shape, batch)))
                else:
                    size = -(-len(batch) // workers) or 1
                    chunks = [(shape, batch[i : i + size]) for i in range(0, len(batch), size)]
                    in_flight.append((len(chunk), pool.starmap_async(shape_many, chunks)))
            while len(in_flight) > (ahead if pool is not None else 0):
                done += yield from _finish_batch(in_flight.popleft(), done, len(ids), progress)
        while in_flight:
            done += yield from _finish_batch(in_flight.popleft(), done, len(ids), progress)
    finally:
        if pool is not None:
            LAST_BUILD["worker_cpu"] = sum(process_cpu(p.pid) for p in pool._pool)
            pool.terminate()
            pool.join()


def _finish_batch(entry, done, total, progress):
    count, shaped = entry
    if not isinstance(shaped, list):
        shaped = [item for chunk in shaped.get() for item in chunk]
    yield from shaped
    if progress is not None:
        progress(done + count, total)
    return count


@dataclass
class SearchOutcome:
    """What a search found: product ids in rank order, counts, facets and hints."""

    text: str
    product_ids: list = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = 24
    facets: dict = field(default_factory=dict)
    filters: dict = field(default_factory=dict)
    did_you_mean: str = ""
    fuzzy: bool = False
    popular_ids: list = field(default_factory=list)
    unavailable: bool = False
    # [(product id, relevance score, fixed order)] that can reach this page, best first.
    candidates: list = field(default_factory=list, repr=False)

    @property
    def pages(self):
        """Number of result pages."""
        return max(1, -(-self.total // self.per_page))


def is_thai(text):
    """True when the text starts in Thai script."""
    return bool(text) and "\u0e00" <= text[0] <= "\u0e7f"


def clean_text(text):
    """The user's text, bounded and stripped of control characters; never parsed as syntax."""
    text = (text or "")[:MAX_QUERY_LENGTH]
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def clean_filters(args):
    """The facet filters of a request's args, as short plain strings."""
    filters = {}
    for name in FACETS:
        value = (args.get(name) or "").strip()
        if value and len(value) <= 80 and value.replace("-", "").replace("_", "").isalnum():
            filters[name] = value
    return filters


class Stock(NamedTuple):
    """What a product has now: units available in its active variants, units ever sold."""

    available: int
    sold: int


NO_STOCK = Stock(0, 0)


def _availability_statement(dialect_name):
    """The stock aggregate over a list of product ids bound as ONE parameter, `ids`.

    Rows of (product_id, available, sold). Built once per dialect, so
    SQLAlchemy's compiled cache answers every call: an expanding IN over a
    page's 240 candidates was rendered afresh, one bound literal per id, on
    each query (more than the aggregate itself). SQLite gets a JSON list
    (`json_each`). PostgreSQL gets an int array, each id's lots summed in a
    LATERAL subquery (two index probes an id, 0.7 ms for 240 ids at 50,000
    products): as one join grouped by product, at 240 ids the planner took a
    hash join over every lot (4.0 ms), the index probes being costed as
    disk reads. A PostgreSQL product without lots gets a row of NULLs.
    """
    statement = _AVAILABILITY.get(dialect_name)
    if statement is None:
        zero = literal_column("0")
        in_stock = func.sum(case((Variant.is_active, Lot.available), else_=zero))
        sold = func.sum(
            case((Lot.quantity > Lot.available, Lot.quantity - Lot.available), else_=zero)
        )
        if dialect_name == "postgresql":
            wanted = (
                func.unnest(bindparam("ids", type_=ARRAY(Integer)))
                .table_valued("product_id")
                .render_derived(name="wanted")
            )
            each = (
                select(in_stock.label("available"), sold.label("sold"))
                .select_from(Variant)
                .join(Lot, Lot.variant_id == Variant.id)
                .where(Variant.product_id == wanted.c.product_id)
                .lateral("stock")
            )
            statement = select(wanted.c.product_id, each.c.available, each.c.sold).join_from(
                wanted, each, true()
            )
        else:
            if dialect_name == "sqlite":
                listed = select(literal_column("value")).select_from(
                    func.json_each(bindparam("ids"))
                )
                wanted = Variant.product_id.in_(listed)
            else:
                wanted = Variant.product_id.in_(bindparam("ids", expanding=True))
            statement = (
                select(Variant.product_id, in_stock.label("available"), sold.label("sold"))
                .join(Lot, Lot.variant_id == Variant.id)
                .where(wanted)
                .group_by(Variant.product_id)
            )
        _AVAILABILITY[dialect_name] = statement
    return statement


_AVAILABILITY = {}


def availability(product_ids, session=None):
    """{product id: Stock} read from the lots now: one aggregate over these products only.

    The query-time source of what every checkout, stock adjustment and expiry
    changes, so none of them touches the index. Runs on the session's
    connection (its transaction) through Core: no ORM rows to build.
    """
    ids = sorted({int(i) for i in product_ids})
    if not ids:
        return {}
    connection = (session or db.session).connection()
    name = connection.dialect.name
    rows = connection.execute(
        _availability_statement(name), {"ids": json.dumps(ids) if name == "sqlite" else ids}
    ).all()  # one fetchall: a fetch per row cost 10 % more (of 1.4 ms for 240 products)
    return {pid: Stock(int(a or 0), int(b or 0)) for pid, a, b in rows}


def boost(stock):
    """The factor availability and popularity give a relevance score (1 to MAX_BOOST)."""
    factor = IN_STOCK_BOOST if stock.available > 0 else 1.0
    if stock.sold > 0:
        factor *= 1 + POPULARITY_BOOST * min(1.0, math.log10(1 + stock.sold) / 3)
    return factor


def reachable(candidates, count):
    """Of candidates ranked best first by plain score, those that can reach the first places.

    Boosts multiply a score by at most MAX_BOOST, so a candidate whose score
    times MAX_BOOST stays below the count-th best plain score ends behind at
    least `count` others whatever its stock. On PostgreSQL this cuts a broad
    word's 240 candidates, whose stock each query reads, to those that matter
    (Whoosh's `candidates` cuts the same way before it keeps them).
    """
    if len(candidates) <= count:
        return candidates
    floor = candidates[count - 1][1] / MAX_BOOST
    return [candidate for candidate in candidates if candidate[1] >= floor]


def rank_candidates(candidates, start, count, session=None):
    """Product ids for places start..start+count: boosted score, then units sold, fixed order.

    PostgreSQL ranks in its statement the same way (`postgresql.version_and_page`).
    """
    if not candidates:
        return []
    stock = availability([c[0] for c in candidates], session)

    def key(candidate):
        product_id, score, order = candidate
        now = stock.get(product_id, NO_STOCK)
        return (-(score * boost(now)), -now.sold, order)

    return [c[0] for c in sorted(candidates, key=key)[start : start + count]]


# Names whose completion keys are kept: a suggestion box asks about the same
# names keystroke after keystroke (segmenting them was half of suggest's time).
COMPLETION_KEYS_KEPT = 16384


@functools.lru_cache(maxsize=COMPLETION_KEYS_KEPT)
def _completion_keys(name):
    return tuple(ta.completion_keys(name))


def rank_suggestions(prefix, found, limit):
    """Suggestions for a typed prefix from [(product id, product names, group names)] found.

    Each name once, if one of its completion keys starts with the prefix:
    products before groups, names the prefix starts before names it is found
    inside, in-stock and better-selling products' names first (stock read now).
    """
    stock = availability(product_id for product_id, _, _ in found)
    candidates = {}
    for product_id, product_names, group_names in found:
        now = stock.get(product_id, NO_STOCK)
        rank = (-(now.available > 0), -now.sold)
        for kind, names in (("product", product_names), ("group", group_names)):
            for name in names:
                if not name or name in candidates:
                    continue
                keys = _completion_keys(name)
                if any(k.startswith(prefix) for k in keys):
                    starts = not keys[0].startswith(prefix)
                    candidates[name] = (kind != "product", starts, rank, name, kind)
    ordered = sorted(candidates.values())
    return [{"text": name, "kind": kind} for *_, name, kind in ordered[:limit]]


def popular(limit=8):
    """Ids of popular products in stock: featured first, then the most units sold.

    Read from the database (stock and sales are not in the index) and kept per
    process for SEARCH_POPULAR_MAX_AGE seconds, so a busy shop does not run the
    aggregate per page. Not keyed on the catalog's version: a sale no longer
    changes it (catalog/cache.py), so only the age can tell that sales moved on.
    An archived product on a kept list is left out by `load_products`.
    """
    state = current_app.extensions.setdefault("search_popular", {})
    max_age = float(current_app.config.get("SEARCH_POPULAR_MAX_AGE", 30.0))
    now = time.monotonic()
    fresh = 0 <= now - state.get("at", -1e9) < max_age  # a list from a later clock is stale
    if "ids" not in state or not fresh:
        in_stock = func.sum(case((Variant.is_active, Lot.available), else_=0))
        sold = func.sum(case((Lot.quantity > Lot.available, Lot.quantity - Lot.available), else_=0))
        state["ids"] = db.session.scalars(
            select(Product.id)
            .join(Product.group)
            .join(Variant, Variant.product_id == Product.id)
            .join(Lot, Lot.variant_id == Variant.id)
            .where(Product.status == ProductStatus.ACTIVE, ProducerGroup.is_active.is_(True))
            .group_by(Product.id, Product.is_featured)
            .having(in_stock > 0)
            .order_by(Product.is_featured.desc(), sold.desc(), Product.id)
            .limit(24)
        ).all()
        state["at"] = now
    return state["ids"][:limit]


# ---------------------------------------------------------------------------
# Showing results


def load_products(ids):
    """Products by id in the given order, with what a result card needs loaded.

    Only visible ones: a list kept a while (popular products) or an index a
    moment behind (Whoosh) never shows an archived product.
    """
    if not ids:
        return []
    rows = db.session.scalars(
        select(Product)
        .where(Product.id.in_(ids))
        .options(
            selectinload(Product.group).selectinload(ProducerGroup.claims),
            selectinload(Product.images),
            selectinload(Product.claims),
            selectinload(Product.variants).selectinload(Variant.lots).selectinload(Lot.claims),
        )
    ).all()
    by_id = {p.id: p for p in rows if visible(p)}
    return [by_id[i] for i in ids if i in by_id]


def facet_labels(facets, language):
    """Display names for facet values: categories and groups from the database."""
    names = {name: {} for name in FACETS}
    slugs = [k for k, _ in facets.get("category", ())]
    if slugs:
        for c in db.session.scalars(select(Category).where(Category.slug.in_(slugs))):
            names["category"][c.slug] = c.name_en if language != "th" and c.name_en else c.name_th
    slugs = [k for k, _ in facets.get("group", ())]
    if slugs:
        for g in db.session.scalars(select(ProducerGroup).where(ProducerGroup.slug.in_(slugs))):
            names["group"][g.slug] = g.name_en if language != "th" and g.name_en else g.name_th
    for code, _ in facets.get("province", ()):
        names["province"][code] = areas.area_name(areas.province(code), language) or code
    for kind, _ in facets.get("claim", ()):
        names["claim"][kind] = str(catalog_labels.CLAIM_KINDS.get(kind, kind))
    return names


# ---------------------------------------------------------------------------
# Which products a transaction changed

_TRACKED = (Product, Variant, Lot, Claim, ProducerGroup, Category)


def collect_changes(session, _flush_context):
    """after_flush: remember which rows changed, by kind, until the commit.

    A lot's stock is not in the index (see `product_document`): a lot counts
    only when it is deleted (its claims may go with it), so a checkout, a stock
    adjustment or an expiry never writes the index.
    """
    pending = session.info.setdefault("search_pending", {})
    changed = list(session.new) + list(session.deleted)
    changed += [o for o in session.dirty if session.is_modified(o, include_collections=False)]
    for obj in changed:
        if not isinstance(obj, _TRACKED):
            continue
        if isinstance(obj, Product):
            pending.setdefault("product", set()).add(obj.id)
        elif isinstance(obj, Variant):
            pending.setdefault("product", set()).add(obj.product_id)
        elif isinstance(obj, Lot):
            if obj in session.deleted:
                pending.setdefault("variant", set()).add(obj.variant_id)
        elif isinstance(obj, Claim):
            for kind, value in (
                ("product", obj.product_id),
                ("group", obj.group_id),
                ("lot", obj.lot_id),
            ):
                if value is not None:
                    pending.setdefault(kind, set()).add(value)
        elif isinstance(obj, ProducerGroup):
            pending.setdefault("group", set()).add(obj.id)
        elif isinstance(obj, Category):
            pending.setdefault("category", set()).add(obj.id)


def forget_changes(session, *_args):
    """after_rollback: drop the collected changes (not for a savepoint's rollback)."""
    # A savepoint rolled back: the outer transaction may still commit what came before.
    if session.in_nested_transaction():
        return
    session.info.pop("search_pending", None)


def changed_product_ids(session, pending):
    """The products touched by the collected changes."""
    ids = {i for i in pending.get("product", ()) if i is not None}
    lookups = (
        ("variant", select(Variant.product_id).where(Variant.id.in_(pending.get("variant", ())))),
        (
            "lot",
            select(Variant.product_id)
            .join(Lot, Lot.variant_id == Variant.id)
            .where(Lot.id.in_(pending.get("lot", ()))),
        ),
        ("group", select(Product.id).where(Product.group_id.in_(pending.get("group", ())))),
        (
            "category",
            select(Product.id).where(Product.category_id.in_(pending.get("category", ()))),
        ),
    )
    for kind, statement in lookups:
        if pending.get(kind):
            ids.update(session.scalars(statement).all())
    return ids


def warm_up():
    """Load the Thai dictionaries (newmm's trie, the syllable dictionary) now.

    Building them takes about a second on first use (several under load),
    which the first search after a start would otherwise pay.
    """
    ta.segment("ข้าวเหนียวดำ ทอมือ")
    ta.completion_keys("ข้าวเหนียวดำ")


def warm_up_statements():
    """Configure the ORM's mappers and compile the stock aggregate (the first query's cost).

    Compiles without a connection, so a warm-up in a server's master process
    (gunicorn --preload) leaves no database connection for its workers to inherit.
    """
    configure_mappers()
    engine = db.engine
    _availability_statement(engine.dialect.name).compile(dialect=engine.dialect)


def start_warm_up(then=None):
    """Run `warm_up` in a background thread, and `then()` after it when given."""

    def run():
        warm_up()
        if then is not None:
            then()

    threading.Thread(target=run, name="search-warm-up", daemon=True).start()
