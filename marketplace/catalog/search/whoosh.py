"""The Whoosh search backend: an index in the instance folder, kept true after each commit.

The only module that talks to Whoosh (the analyzer classes it pickles live in
`catalog.thai_analysis`; what both backends share is in `common`). Stock and
sales are not in the index: a checkout never writes it (see `common`).

Concurrency: Whoosh allows one writer per index, enforced with an OS file
lock (`fcntl.flock`) that the kernel releases when a process dies, so a
worker killed mid-write never leaves the index locked. Readers never take the
lock: each commit writes new segment files and then renames a new TOC file
into place, so a reader sees either the old or the new generation. A request
that cannot get the lock within SEARCH_WRITE_TIMEOUT seconds does not fail:
it appends the product ids to a pending file, and the next writer (or
`flask search sync`) indexes them.

Searching does not go through Whoosh's collectors: scoring every match in
pure Python (about 10 µs a document) made a broad word like "rice" take a
second on 50,000 products. `_Engine` reads the posting blocks whole and
scores them with Whoosh's BM25F formula using C-level iterators, ranks only
the documents that can reach the page, and counts facets exactly over the
full match set. Phrases are matched through pair terms (see thai_analysis),
so the text fields store no positions.
"""

import heapq
import logging
import multiprocessing
import os
import queue
import threading
import time
import traceback
import weakref
import zlib
from array import array
from collections import Counter, defaultdict, deque
from dataclasses import replace
from itertools import accumulate, compress, repeat
from operator import add, eq, gt, mul, not_, truediv
from pathlib import Path
from pickle import dumps

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session
from whoosh import query as wq
from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3LeafMatcher,
    W3TermInfo,
    _lenfield,
)
from whoosh.columns import NumericColumn, RefBytesColumn, TranslatingColumnReader, VarBytesColumn
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Existence, Frequency
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.util.numlists import delta_encode
from whoosh.writing import CLEAR, SegmentWriter

from ...extensions import db
from ...i18n import bangkok_today
from ...models import ProducerGroup, Product, ProductStatus
from .. import thai_analysis as ta
from . import common, spelling
from .common import (
    BATCH_SIZE,
    FACET_FIELDS,
    FEW_RESULTS,
    MAX_BOOST,
    MAX_QUERY_WORDS,
    RANK_CANDIDATES,
    RESULT_CACHE_SIZE,
    SearchOutcome,
    analysed_products,
    as_analysed,
    build_workers,
    changed_product_ids,
    clean_text,
    load_and_shape,
    load_for_index,
    popular,
    product_texts,
    rank_candidates,
    rank_suggestions,
    visible,
    worker_database,
)

log = logging.getLogger(__name__)

# Bump when the schema or the analyzer changes: a new index name means old
# workers keep reading the old index until `flask search rebuild` builds the new one.
SCHEMA_VERSION = 3
INDEX_NAME = f"products_v{SCHEMA_VERSION}"
PENDING_FILE = "pending-ids"
REBUILD_ALL = "*"

# Query-time boosts: where a word matches matters more than how often.
# Three text fields, not one per source: each typed word becomes one matcher
# per field, and Whoosh's pure-Python matching cost grows with their number.
TEXT_FIELDS = (
    ("names", 5.0),  # product names, Thai and English
    ("context", 2.0),  # group, category, claims, village, subdistrict, district, province
    ("body", 1.0),  # summaries, descriptions, variant labels
)


def make_schema():
    """The fields of a product document."""
    text = ta.indexed_text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        # No positions: phrases are matched through pair terms (thai_analysis).
        names=TEXT(analyzer=text, phrase=False),
        context=TEXT(analyzer=text, phrase=False),
        body=TEXT(analyzer=text, phrase=False),
        words=TEXT(analyzer=ta.words_analyzer(), phrase=False),
        name_key=TEXT(analyzer=ta.name_key_analyzer(), phrase=False),
        name_head=TEXT(analyzer=ta.name_head_analyzer(), phrase=False),
        complete=TEXT(analyzer=ta.completion_analyzer(), phrase=False),
        category=ID(sortable=True),
        province=ID(sortable=True),
        group_slug=ID(sortable=True),
        verified=KEYWORD(scorable=False),
        verified_key=ID(sortable=True),
        featured=NUMERIC(int, bits=32, signed=False, sortable=True),
        product_id=NUMERIC(int, bits=32, signed=False, sortable=True),
        labels=STORED(),
    )


# ---------------------------------------------------------------------------
# Opening the index


def index_folder():
    """The folder of this app's index (SEARCH_INDEX_FOLDER, under the instance folder)."""
    return Path(current_app.config["SEARCH_INDEX_FOLDER"])


def _storage():
    folder = index_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return FileStorage(str(folder))


def open_index():
    """The index, created empty (under the write lock) if it does not exist yet."""
    storage = _storage()
    if storage.index_exists(INDEX_NAME):
        return storage.open_index(INDEX_NAME)
    lock = storage.lock(f"{INDEX_NAME}_WRITELOCK")
    if not _acquire(lock, _write_timeout()):
        raise LockError("search index is being created by another process")
    try:
        if not storage.index_exists(INDEX_NAME):
            storage.create_index(make_schema(), indexname=INDEX_NAME)
    finally:
        lock.release()
    return storage.open_index(INDEX_NAME)


def _recreate_index():
    """Replace an index that cannot be opened with an empty one, under the write lock."""
    storage = _storage()
    lock = storage.lock(f"{INDEX_NAME}_WRITELOCK")
    if not _acquire(lock, max(_write_timeout(), 30.0)):
        raise LockError("search index is locked by another writer")
    try:
        storage.create_index(make_schema(), indexname=INDEX_NAME)
    finally:
        lock.release()
    return storage.open_index(INDEX_NAME)


def _acquire(lock, timeout):
    deadline = time.monotonic() + timeout
    while True:
        if lock.acquire(blocking=False):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _write_timeout():
    return float(current_app.config.get("SEARCH_WRITE_TIMEOUT", 2.0))


_local = threading.local()


def _searcher():
    """A searcher for this thread, reopened when a writer has committed a new generation.

    Not Searcher.refresh(): it reuses segment readers by segment id, so
    documents deleted in a reused segment since it was opened stay visible
    (seen with whoosh3 3.54). A fresh searcher after each commit is cheap.
    """
    return _current()[0]


def _current():
    """(searcher, per-generation cache) for this thread and index folder.

    The searcher is this thread's own (Whoosh's readers keep file positions);
    the cache is shared by every thread of the process that reads the same
    generation (`_shared_info`), so what a generation costs to read (columns,
    norms, the vocabulary, matched queries) is paid once per process, and a
    warm-up thread can pay it before the first request.
    """
    folder = str(index_folder())
    key = (os.getpid(), folder)
    cache = getattr(_local, "searchers", None)
    if cache is None:
        cache = _local.searchers = {}
    ix, searcher, info = cache.pop(key, (None, None, None))
    if searcher is not None:
        try:
            if ix.latest_generation() == searcher.reader().generation():
                cache[key] = (ix, searcher, info)
                return searcher, info
        except Exception:  # the files went away (a recreated index): open afresh
            log.warning("search: reopening the index", exc_info=True)
        try:
            searcher.close()
        except Exception:
            log.debug("search: closing a stale searcher failed", exc_info=True)
    ix = open_index()
    searcher = _take_spare(key, ix) or ix.searcher()
    info = _shared_info(key, searcher.reader())
    cache[key] = (ix, searcher, info)
    return searcher, info


# (pid, folder) → a searcher the warm-up thread opened and no longer uses.
_SPARES = {}


def _take_spare(key, ix):
    """The warm-up's searcher, if it reads the latest generation (opening one copies files)."""
    with _SHARED_LOCK:
        searcher = _SPARES.pop(key, None)
    if searcher is None:
        return None
    try:
        if searcher.reader().generation() == ix.latest_generation():
            return searcher
        searcher.close()
    except Exception:
        log.debug("search: a spare searcher could not be used", exc_info=True)
    return None


# (pid, folder) → {generation's identity: its cache}, the newest last.
_SHARED = {}
_SHARED_LOCK = threading.Lock()
# Generations kept per folder: a thread may still read the one before the newest.
SHARED_GENERATIONS = 2


def _forget_shared_in_child():
    """After a fork: a new lock (the parent's may have been held by another thread)."""
    global _SHARED_LOCK
    _SHARED_LOCK = threading.Lock()
    _SHARED.clear()
    _SPARES.clear()


os.register_at_fork(after_in_child=_forget_shared_in_child)


def warm_up():
    """Open this thread's searcher and build its generation's shared structures now.

    Run by the warm-up thread as the app starts (see `search.install_index_hooks`),
    so the first query in a new process does not read columns and norms.
    """
    if not _storage().index_exists(INDEX_NAME):
        return  # nothing to read yet (a first query creates the index)
    searcher, info = _current()
    _engine(searcher, info).warm_up()
    # Hand the searcher on: a new searcher copies the index's files into memory
    # (Whoosh's BufferFile), the first request's thread can use this one.
    key = (os.getpid(), str(index_folder()))
    entry = getattr(_local, "searchers", {}).pop(key, None)
    if entry is not None:
        with _SHARED_LOCK:
            _SPARES[key] = entry[1]


def _shared_info(key, reader):
    """The cache of the generation this reader reads, shared by the process's threads.

    A generation is known by its number and its segments' ids (a recreated
    index starts counting again).
    """
    leaves = [reader] if reader.is_atomic() else [leaf for leaf, _ in reader.leaf_readers()]
    segments = tuple(
        leaf.segment().segment_id() if leaf.segment() is not None else None for leaf in leaves
    )
    identity = (reader.generation(), segments)
    with _SHARED_LOCK:
        generations = _SHARED.setdefault(key, {})
        info = generations.pop(identity, None)
        if info is None:
            info = {"lock": threading.RLock()}
        generations[identity] = info
        while len(generations) > SHARED_GENERATIONS:
            generations.pop(next(iter(generations)))
    return info


def _shared(info, name, build):
    """info[name], built once (by the first thread that needs it) with `build()`."""
    value = info.get(name)
    if value is None:
        with info["lock"]:
            value = info.get(name)
            if value is None:
                value = info[name] = build()
    return value


COLUMNS = ("category", "province", "group_slug", "verified_key", "featured", "product_id")


def _columns(searcher, info):
    """Per-document values of the facet and ranking columns, read once per generation."""

    def build():
        reader = searcher.reader()
        leaves = list(reader.leaf_readers()) if not reader.is_atomic() else [(reader, 0)]
        columns = {}
        for name in COLUMNS:
            default = 0 if name in ("featured", "product_id") else b""
            values = []
            for leaf, _offset in leaves:
                count = leaf.doc_count_all()
                if leaf.has_column(name):
                    values.extend(read_column(leaf.column_reader(name), count))
                else:
                    values.extend([default] * count)
            columns[name] = values
        return columns

    return _shared(info, "columns", build)


def read_column(column, count):
    """Every document's value in a Whoosh column reader, as `list(column)` gives them.

    Whoosh's iterators read a value at a time in Python (about 15 µs each: a
    second for the six columns of 50,000 products); here the column formats
    our schema uses are read whole (one slice or one array per column) and
    the values translated once per distinct value. Anything else: list().
    """
    translate = None
    raw = column
    if isinstance(column, TranslatingColumnReader):
        raw, translate = column.raw_column(), column._translate
    kind = type(raw)
    if kind is NumericColumn.Reader:
        present = min(raw._count, count)
        values = list(raw._dbfile.get_array(raw._basepos, raw._typecode, present))
        values.extend([raw._default] * (count - present))
    elif kind is VarBytesColumn.Reader and len(raw._lengths) == count:
        offsets, lengths = raw._offsets, raw._lengths
        ends = list(map(add, offsets, lengths))
        blob = raw._dbfile.get(raw._basepos, max(ends, default=0))
        values = list(map(blob.__getitem__, map(slice, offsets, ends)))
    elif kind is RefBytesColumn.Reader:
        refs = raw._dbfile.get_array(raw._basepos, raw._typecode, count)
        values = list(map(raw._uniques.__getitem__, refs))
    else:
        return list(column)
    if translate is not None:
        table = {value: translate(value) for value in set(values)}
        values = list(map(table.__getitem__, values))
    return values


def acquire_writer(timeout=None, ix=None):
    """A Whoosh writer holding the index's write lock; raises LockError after `timeout` s."""
    ix = ix or open_index()
    timeout = _write_timeout() if timeout is None else timeout
    return ix.writer(timeout=timeout, delay=0.05)


# ---------------------------------------------------------------------------
# Documents


def product_document(product, today=None):
    """The Whoosh document of a visible product (nothing in it depends on stock)."""
    return _document(product.id, product_texts(product, today))


def _document(product_id, texts):
    names, context, body = texts["names"], texts["context"], texts["body"]
    verified = " ".join(texts["verified"])
    return dict(
        id=str(product_id),
        names=names,
        context=context,
        body=body,
        words="\n".join([names, context, body]),
        name_key=names,
        name_head=names,
        complete="\n".join([names, texts["group_names"]]),
        category=texts["category"],
        province=texts["province"],
        group_slug=texts["group_slug"],
        verified=verified,
        verified_key=verified,
        featured=1 if texts["featured"] else 0,
        product_id=product_id,
        labels=texts["labels"],
    )


def _analysed_fields(terms):
    """{field: [term, …]} of the text fields, from the shared analysis (as their analyzers give)."""
    return dict(
        names=terms.names,
        context=terms.context,
        body=terms.body,
        words=terms.words,
        name_key=[key[:200] for key in terms.name_keys],
        name_head=terms.name_heads,
        complete=terms.completion,
    )


def _write_products(writer, session, ids, today):
    """Update or delete each product's document inside an open writer; returns indexed count."""
    ids = sorted({int(i) for i in ids})
    indexed = 0
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        found = {p.id: p for p in load_for_index(session, chunk)}
        for product_id in chunk:
            product = found.get(product_id)
            if visible(product):
                writer.update_document(**product_document(product, today))
                indexed += 1
            else:
                writer.delete_by_term("id", str(product_id))
    return indexed


def index_products(product_ids, session=None, timeout=None):
    """Bring the documents of these products up to date (deleting hidden ones).

    Never raises for a locked or broken index: the ids are queued in the
    pending file instead. Returns True when the index was written.
    """
    ids = {int(i) for i in product_ids}
    if not ids:
        return True
    session = session or db.session
    try:
        writer = acquire_writer(timeout)
    except LockError:
        log.info("search: index locked; %d product(s) queued", len(ids))
        mark_pending(ids)
        return False
    except Exception:
        log.exception("search: index cannot be opened; %d product(s) queued", len(ids))
        mark_pending(ids)
        return False
    try:
        pending, rebuild_all = _take_pending()
        if rebuild_all:
            mark_pending([REBUILD_ALL])
        _write_products(writer, session, ids | pending, bangkok_today())
        writer.commit()
        return True
    except Exception:
        log.exception("search: indexing failed; %d product(s) queued", len(ids))
        _cancel(writer)
        mark_pending(ids | pending)
        return False


def remove_products(product_ids, timeout=None):
    """Delete these products' documents; queued like index_products when the index is locked."""
    ids = {int(i) for i in product_ids}
    if not ids:
        return True
    try:
        writer = acquire_writer(timeout)
    except Exception:
        mark_pending(ids)
        return False
    try:
        for product_id in ids:
            writer.delete_by_term("id", str(product_id))
        writer.commit()
        return True
    except Exception:
        log.exception("search: removing failed")
        _cancel(writer)
        mark_pending(ids)
        return False


def _cancel(writer):
    try:
        writer.cancel()
    except Exception:
        log.debug("search: cancel failed", exc_info=True)


def rebuild(timeout=60.0, progress=None):
    """Index every visible product from scratch; readers keep the old index until it commits.

    Reads committed rows through its own session. An index that cannot be
    opened (a damaged file) is replaced by an empty one first. Returns the
    number of products indexed.
    """
    with Session(db.engine) as session:
        return _rebuild(session, timeout, progress)


def _rebuild(session, timeout, progress=None):
    try:
        ix = open_index()
        ix.doc_count()
    except LockError:
        raise
    except Exception:
        log.warning("search: index unreadable, recreating it", exc_info=True)
        ix = _recreate_index()
    writer = ix.writer(timeout=timeout, delay=0.1, limitmb=256)
    try:
        _take_pending()  # everything is about to be indexed anyway
        ids = session.scalars(
            select(Product.id)
            .join(Product.group)
            .where(Product.status == ProductStatus.ACTIVE, ProducerGroup.is_active.is_(True))
            .order_by(Product.id)
        ).all()
        workers = build_workers(len(ids))
        url = worker_database(session) if workers else None
        if url is not None and _BulkSegment.fits(writer):
            return _build_in_parts(writer, ids, url, workers, progress)
        products = analysed_products(session, ids, progress)
        if _BulkSegment.fits(writer):
            bulk = _BulkSegment(writer)
            for product_id, texts, terms in products:
                bulk.add(_document(product_id, texts), _analysed_fields(terms))
            count = bulk.finish()
        else:
            count = 0
            for product_id, texts, terms in products:
                document = _document(product_id, texts)
                document.update(_analysed_fields(terms))  # a list bypasses the analyzer
                writer.add_document(**document)
                count += 1
        writer.commit(mergetype=CLEAR)
    except BaseException:
        _cancel(writer)
        raise
    return count


def _build_in_parts(writer, ids, url, workers, progress=None):
    """Index `ids` as one segment per worker process, each over a run of ids; commits.

    Each worker reads its products through its own connection, analyses them
    and writes its own segment with `_BulkSegment` (`_segment_part`); this
    process only adds the finished segments to the index, in id order, as
    Whoosh's multisegment writer does. Writing the postings was the rebuild's
    bottleneck, one process doing it while the workers analysed; now it runs
    on every core. Documents keep their order (products by id, the parts one
    after another), so a reader sees what one segment would hold.
    """
    today = bangkok_today()
    size = -(-len(ids) // workers)
    parts = [ids[start : start + size] for start in range(0, len(ids), size)]
    context = multiprocessing.get_context("forkserver")  # see common._start_pool
    context.set_forkserver_preload([ta.__name__, __name__])
    results = context.Queue()
    folder = writer.storage.folder
    processes = [
        context.Process(
            target=_segment_part,
            args=(folder, writer.indexname, url, part, today, number, results),
            name=f"search-rebuild-{number}",
            daemon=True,
        )
        for number, part in enumerate(parts)
    ]
    for process in processes:
        process.start()
    segments, counts, cpu, done = {}, {}, {}, 0
    try:
        while len(segments) < len(parts):
            try:
                message = results.get(timeout=1.0)
            except queue.Empty:
                failed = [p.name for p in processes if p.exitcode not in (None, 0)]
                if failed:
                    raise RuntimeError(f"search rebuild: {', '.join(failed)} died") from None
                continue
            kind, number, *rest = message
            if kind == "progress":
                done += rest[0]
                if progress is not None:
                    progress(done, len(ids))
            elif kind == "done":
                segments[number], counts[number], cpu[number] = rest
            else:
                raise RuntimeError(f"search rebuild: part {number} failed:\n{rest[0]}")
    finally:
        for process in processes:
            if process.is_alive() and len(segments) < len(parts):
                process.terminate()
            process.join()
        common.LAST_BUILD["worker_cpu"] = sum(cpu.values())
    # This writer added nothing: its own (empty) segment is closed, not listed.
    writer._close_segment()
    writer._commit_toc([segments[number] for number in range(len(parts))])
    writer._finish()
    return sum(counts.values())


def _segment_part(folder, indexname, url, ids, today, number, results):
    """A worker's part of `_build_in_parts`: its products' segment, reported on `results`."""
    try:
        ix = FileStorage(folder).open_index(indexname)
        # The calling process holds the index's lock; this writer only writes a segment.
        writer = SegmentWriter(ix, _lk=False, limitmb=64)
        bulk = _BulkSegment(writer)
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = ids[start : start + BATCH_SIZE]
            for product_id, texts, terms in load_and_shape(url, as_analysed, chunk, today):
                bulk.add(_document(product_id, texts), _analysed_fields(terms))
            results.put(("progress", number, len(chunk)))
        bulk.finish()
        segment = writer._finalize_segment()
        results.put(("done", number, segment, bulk.count, time.process_time()))
    except BaseException:
        results.put(("error", number, traceback.format_exc()))
        raise


class _PackedFrequencies(dict):
    """frequency → the Frequency format's posting value (packed), made once each."""

    def __missing__(self, frequency):
        value = self[frequency] = pack_uint(frequency)
        return value


_PACKED = _PackedFrequencies()
_TERM_INFO = W3TermInfo._struct


class _BulkSegment:
    """Writes a rebuild's new segment with the postings gathered per term, not per posting.

    Whoosh's SegmentWriter.add_document pools every posting as a tuple, sorts
    them all and writes them one call each (about 15 µs a posting in pure
    Python; a product has some 250), which made a 50,000-product rebuild take
    minutes. Here each document's stored fields, columns and lengths go
    through the segment's own per-document writer as add_document would
    write them; each term gathers the document numbers it occurs in (once per
    occurrence, so a run of equal numbers is its frequency); and each term's
    posting list is then written block by block through the W3 codec's own
    writers. The segment is the one add_document would write
    (tests/catalog/test_search_build.py compares the two), and
    `writer.commit()` finishes it as usual.
    """

    def __init__(self, writer):
        self.writer = writer
        self.schema = writer.schema
        self.postings = {}  # field → {term: [docnum per occurrence]}
        self.lengths = {}  # field → per docnum, the length as the length column gives it back
        self._seen = {}
        self.count = 0

    @staticmethod
    def fits(writer):
        """Whether this class can write the writer's segment (the W3 codec, plain formats)."""
        fieldwriter = getattr(writer, "fieldwriter", None)
        if fieldwriter is None or not hasattr(writer, "perdocwriter"):
            return False
        if type(fieldwriter).__name__ != "W3FieldWriter" or writer.docnum != 0:
            return False
        for _name, field in writer.schema.items():
            if field.indexed and (
                type(field.format) not in (Existence, Frequency) or field.format.field_boost != 1.0
            ):
                return False
            if field.vector or field.separate_spelling():
                return False
        return True

    def add(self, document, analysed):
        """Add one document; `analysed` gives the terms of the text fields."""
        writer = self.writer
        schema = self.schema
        perdoc = writer.perdocwriter
        docnum = writer.docnum
        perdoc.start_doc(docnum)
        for fieldname in sorted(document):
            value = document[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                terms = self.postings.get(fieldname)
                if terms is None:
                    terms = self.postings[fieldname] = defaultdict(list)
                if fieldname in analysed:
                    tokens = analysed[fieldname]
                else:
                    tokens = self._tokens(fieldname, field, value)
                # terms[token].append(docnum) for each token, in C-level iterators.
                deque(map(list.append, map(terms.__getitem__, tokens), repeat(docnum)), 0)
                if field.scorable:
                    length = len(tokens)
                    lengths = self.lengths.setdefault(fieldname, array("I"))
                    lengths.extend([0] * (docnum + 1 - len(lengths)))
                    lengths[docnum] = byte_to_length(length_to_byte(length)) if length else 0
            perdoc.add_field(fieldname, field, value if field.stored else None, length)
            if field.column_type:
                perdoc.add_column_value(fieldname, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        writer.docnum += 1
        writer._added = True
        self.count += 1

    def _tokens(self, fieldname, field, value):
        """The terms Whoosh's own field.index gives a value, one per occurrence.

        Bytes: a number's terms need not be UTF-8 (the analysed fields' str
        terms sort the same as their UTF-8 bytes). Kept by value, as the
        facet fields' values repeat across products.
        """
        key = (fieldname, value)
        tokens = self._seen.get(key)
        if tokens is None:
            tokens = [
                btext for btext, freq, _weight, _value in field.index(value) for _ in range(freq)
            ]
            if fieldname not in ("id", "product_id"):
                self._seen[key] = tokens
        return tokens

    def finish(self):
        """Write every term's posting list (fields and terms in byte order); the document count."""
        fieldwriter = self.writer.fieldwriter
        for fieldname in sorted(self.postings):
            field = self.schema[fieldname]
            frequency = type(field.format) is Frequency
            lengths = self.lengths.get(fieldname)
            terms = self.postings.pop(fieldname)
            fieldwriter.start_field(fieldname, field)
            postwriter = fieldwriter._postwriter
            limit = postwriter._blocklimit
            one_block = _OneBlockTerms(fieldwriter, frequency, lengths)
            for text in sorted(terms):
                occurrences = terms.pop(text)
                if len(occurrences) == 1:
                    ids, counts = occurrences, None
                else:
                    # Ascending docnums, so the Counter keeps them in order.
                    runs = Counter(occurrences)
                    if len(runs) == len(occurrences):
                        ids, counts = occurrences, None
                    else:
                        ids, counts = list(runs), list(runs.values())
                btext = text.encode("utf-8") if isinstance(text, str) else text
                if len(ids) <= limit:
                    one_block.write(btext, ids, counts)
                    continue
                fieldwriter.start_term(btext)
                for start in range(0, len(ids), limit):
                    if start:
                        postwriter._write_block()
                    block_ids = array("I", ids[start : start + limit])
                    if counts is None:
                        block_counts = None
                        postwriter._weights = array("f", [1.0]) * len(block_ids)
                        postwriter._maxweight = 1.0
                    else:
                        block_counts = counts[start : start + limit]
                        postwriter._weights = array("f", block_counts)
                        postwriter._maxweight = float(max(block_counts))
                    postwriter._ids = block_ids
                    if frequency:
                        postwriter._values = (
                            [_PACKED[1]] * len(block_ids)
                            if block_counts is None
                            else list(map(_PACKED.__getitem__, block_counts))
                        )
                    else:
                        postwriter._values = []
                    if lengths is not None:
                        # A document holding a term has a length of at least 1.
                        postwriter._minlength = min(map(lengths.__getitem__, block_ids))
                        postwriter._maxlength = max(map(lengths.__getitem__, block_ids))
                    else:
                        postwriter._minlength, postwriter._maxlength = None, 0
                fieldwriter.finish_term()
                one_block.offset = one_block.postfile.tell()
            fieldwriter.finish_field()
        return self.count


class _OneBlockTerms:
    """Writes the posting list of a term that fits one block, byte for byte as the W3 codec does.

    Most terms of a catalog occur in a few documents (a lot number, a
    village), and going through the codec's writer objects cost some 80 µs a
    term; this is its `start_term` … `finish_term` for one block, inline:
    block header, block info and data pickled, zlib from COMPRESSION_MIN_SIZE
    bytes on, and the term info row. `test_bulk_segment_is_the_segment_add_document_writes`
    compares the index with the one Whoosh's own writer makes.
    """

    def __init__(self, fieldwriter, frequency, lengths):
        postwriter = fieldwriter._postwriter
        self.postfile = postwriter._postfile
        self.compression = postwriter._compression
        self.fieldid = pack_ushort(fieldwriter._fieldid)
        self.add_row = fieldwriter._tindex.add
        self.frequency = frequency
        self.lengths = lengths
        self.offset = self.postfile.tell()

    def write(self, btext, ids, counts):
        """Write one term whose `ids` (ascending docnums) fit one block; `counts` None for all 1."""
        if counts is None:
            weight, maxweight, weights = float(len(ids)), 1.0, None
            values = _PACKED[1] * len(ids) if self.frequency else None
        else:
            weight, maxweight = float(sum(counts)), float(max(counts))
            first = counts[0]
            weights = (
                float(first) if counts.count(first) == len(counts) else tuple(map(float, counts))
            )
            values = b"".join(map(_PACKED.__getitem__, counts)) if self.frequency else None
        lengths = self.lengths
        if lengths is not None:
            minlength = length_to_byte(min(map(lengths.__getitem__, ids)))
            maxlength = length_to_byte(max(map(lengths.__getitem__, ids)))
        else:
            minlength = maxlength = 0
        data = dumps((tuple(delta_encode(ids)), weights, values), 2)
        compression = self.compression if len(data) >= COMPRESSION_MIN_SIZE else 0
        if compression:
            data = zlib.compress(data, compression)
        info = dumps((len(ids), ids[-1], maxweight, compression, minlength, maxlength), 2)
        block = b"".join((WHOOSH3_HEADER_MAGIC, pack_int(-(len(info) + len(data))), info, data))
        self.postfile.write(block)
        row = _TERM_INFO.pack(
            False, weight, len(ids), minlength, maxlength, maxweight, ids[0], ids[-1]
        )
        self.add_row(self.fieldid + btext, row + pack_long(self.offset) + pack_int(len(block)))
        self.offset += len(block)


# ---------------------------------------------------------------------------
# The pending queue: ids a writer could not index right away


def _pending_lock():
    return _storage().lock("pending.lock")


def mark_pending(ids):
    """Queue product ids (or REBUILD_ALL) for the next writer; safe across processes."""
    lines = "".join(f"{i}\n" for i in ids)
    if not lines:
        return
    try:
        lock = _pending_lock()
        _acquire(lock, 10.0)
        try:
            with open(index_folder() / PENDING_FILE, "a", encoding="ascii") as handle:
                handle.write(lines)
        finally:
            if lock.locked:
                lock.release()
    except Exception:
        log.exception("search: could not queue product ids %s", sorted(map(str, ids))[:20])


def _take_pending():
    """Empty the queue; returns (product ids, whether a full rebuild was asked for)."""
    path = index_folder() / PENDING_FILE
    if not path.exists():
        return set(), False
    lock = _pending_lock()
    _acquire(lock, 10.0)
    try:
        try:
            text = path.read_text(encoding="ascii")
            path.unlink()
        except FileNotFoundError:
            return set(), False
    finally:
        if lock.locked:
            lock.release()
    ids = set()
    rebuild_all = False
    for line in text.split():
        if line == REBUILD_ALL:
            rebuild_all = True
        elif line.isdigit():
            ids.add(int(line))
    return ids, rebuild_all


def pending_count():
    """How many queued entries wait for a writer."""
    path = index_folder() / PENDING_FILE
    try:
        return len(path.read_text(encoding="ascii").split())
    except FileNotFoundError:
        return 0


def sync_pending(session=None, timeout=None):
    """Index whatever is queued (a full rebuild if one was asked for); returns products done."""
    session = session or db.session
    ids, rebuild_all = _take_pending()
    if rebuild_all:
        try:
            return rebuild()
        except Exception:
            mark_pending([REBUILD_ALL, *ids])
            raise
    if not ids:
        return 0
    if index_products(ids, session=session, timeout=timeout):
        return len(ids)
    return 0


def doc_count():
    """Documents in the committed index."""
    return _searcher().doc_count()


def generation():
    """The committed index's generation: it changes with every write."""
    return open_index().latest_generation()


def describe():
    """Where the index lives."""
    return f"whoosh: {index_folder()} ({INDEX_NAME})"


# ---------------------------------------------------------------------------
# Searching


def _latin_term(word):
    return ta.stem_word(word.text) if word.text.isascii() and word.text.isalpha() else word.text


def _pairs_query(fieldname, units, boost):
    """Adjacent units, in order: one pair term per pair (see thai_analysis)."""
    pairs = ta.pair_terms(units)
    if len(pairs) == 1:
        return wq.Term(fieldname, pairs[0], boost=boost)
    return wq.And([wq.Term(fieldname, pair) for pair in pairs], boost=boost)


def _word_query(word):
    """One typed word matched in any text field, names weighing most."""
    alternatives = []
    for fieldname, boost in TEXT_FIELDS:
        if word.thai and len(word.syllables) > 1:
            alternatives.append(
                wq.Or(
                    [
                        wq.Term(fieldname, word.text, boost=boost * 1.2),
                        _pairs_query(fieldname, list(word.syllables), boost),
                    ]
                )
            )
        elif word.thai:
            alternatives.append(wq.Term(fieldname, word.text, boost=boost))
        else:
            alternatives.append(wq.Term(fieldname, _latin_term(word), boost=boost))
    # Or sums the fields' scores (as Whoosh's Or does; see _Engine).
    return wq.Or(alternatives)


def _phrase_tokens(words):
    tokens = []
    for word in words:
        if word.thai and len(word.syllables) > 1:
            tokens.extend(word.syllables)
        elif word.thai:
            tokens.append(word.text)
        else:
            tokens.append(_latin_term(word))
    return tokens


def build_query(text):
    """A Whoosh query for the buyer's words: every word must match somewhere.

    Exact whole-name matches and names containing the words as a phrase score
    far higher, so "ข้าวเหนียว" puts the product called that first.
    """
    words = ta.segment(text)[:MAX_QUERY_WORDS]
    if not words:
        return None
    required = wq.And([_word_query(w) for w in words])
    boosts = []
    key = ta.name_key(text)
    if key:
        boosts.append(wq.Term("name_key", key[:200], boost=30.0))
        boosts.append(wq.Term("name_head", key[:200], boost=12.0))
    tokens = _phrase_tokens(words)
    if len(tokens) > 1:
        boosts.append(_pairs_query("names", tokens, 6.0))
    if boosts:
        return wq.AndMaybe(required, wq.Or(boosts))
    return required


def _filter_query(filters):
    terms = []
    for name, value in filters.items():
        fieldname = "verified" if name == "claim" else FACET_FIELDS[name]
        terms.append(wq.Term(fieldname, value))
    return wq.And(terms) if terms else None


class _Engine:
    """Evaluates our own small query trees straight from the posting blocks.

    Whoosh's matchers cost about 10 µs per matching document in pure Python,
    and "rice" matches half the catalog. The queries built here are only
    Term, And, Or and AndMaybe (FuzzyTerm and Every besides), so each node
    becomes a dict {docnum: score} built with C-speed dict/zip operations:
    a term reads its posting blocks whole (ids and weights) and scores them
    with Whoosh's BM25F formula and statistics; Or adds the children's
    scores, And keeps the documents in every child and adds theirs, AndMaybe
    adds the optional part's score where it matches (Whoosh's semantics for
    these nodes). Unknown nodes fall back to Whoosh's own matcher.

    One engine per thread's searcher; what does not depend on the query
    (each text field's length norms, the deleted documents, the facet and
    ranking columns, read whole with `read_column`) is the generation's,
    shared by the process's threads (`_shared_info`) and built ahead by the
    warm-up thread (`warm_up`).
    """

    def __init__(self, searcher, info):
        self.searcher = searcher
        self.info = info
        reader = searcher.reader()
        self.reader = reader
        self.leaves = list(reader.leaf_readers()) if not reader.is_atomic() else [(reader, 0)]
        self.doc_count_all = reader.doc_count_all()
        weighting = searcher.weighting
        self.K1 = getattr(weighting, "K1", 1.2)
        self.B = getattr(weighting, "B", 0.75)
        self.deleted = _shared(info, "deleted", self._deleted)
        columns = _columns(searcher, info)
        self.featured = columns["featured"]
        self.product_ids = columns["product_id"]
        self.facet_values = _shared(info, "facet_values", lambda: self._facet_values(columns))

    def warm_up(self):
        """Build now what the first query would otherwise build (every text field's norms)."""
        for fieldname, _boost in TEXT_FIELDS:
            self._unit(fieldname, 1.0, self._norm(fieldname))  # most blocks' constant weight
        self._static_order()
        self._facet_value_combos()

    def _deleted(self):
        deleted = set()
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                docs = getattr(leaf, "deleted_docs_set", None)  # a property in whoosh3
                if docs is not None:
                    deleted.update(offset + d for d in (docs() if callable(docs) else docs))
                else:
                    count = leaf.doc_count_all()
                    deleted.update(offset + d for d in range(count) if leaf.is_deleted(d))
        return deleted

    @staticmethod
    def _facet_values(columns):
        return {
            name: [v.decode("utf-8") if isinstance(v, bytes) else v for v in columns[fieldname]]
            for name, fieldname in FACET_FIELDS.items()
        }

    # -- statistics ----------------------------------------------------------

    def _norm(self, fieldname):
        """Per document: K1 * ((1 - B) + B * length / average length), as BM25F uses."""
        return _shared(self.info, ("norms", fieldname), lambda: self._read_norms(fieldname))

    def _read_norms(self, fieldname):
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        k1, b = self.K1, self.B
        table = [k1 * ((1 - b) + b * byte_to_length(i) / avgfl) for i in range(256)]
        norms = []
        for leaf, _offset in self.leaves:
            try:  # the W3 codec's length column: one byte per document
                perdoc = getattr(leaf, "_perdoc", leaf)
                column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            except AttributeError:
                column = None
            count = leaf.doc_count_all()
            if column is not None:
                norms.extend(map(table.__getitem__, read_column(column, count)))
            else:
                for d in range(count):
                    length = leaf.doc_field_length(d, fieldname) or 0
                    norms.append(k1 * ((1 - b) + b * length / avgfl))
        return norms

    def _blocks(self, fieldname, text):
        """(docnums, weights) per posting block of one term, over every segment.

        Reads Whoosh's W3 blocks whole (delta-decoded with itertools.accumulate;
        a constant weight stays a float) instead of stepping a matcher per
        document. Deleted documents are included: callers drop them.
        """
        for leaf, offset in self.leaves:
            try:
                matcher = leaf.postings(fieldname, text)
            except TermNotFound:
                continue
            if isinstance(matcher, FilterMatcher):  # deletions: handled by self.deleted
                matcher = matcher.child
            if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
                while matcher.is_active():
                    matcher._read_data()
                    ids, weights = matcher._data[0], matcher._data[1]
                    ids = list(accumulate(ids, initial=offset))[1:]
                    yield ids, 1.0 if weights is None else weights
                    matcher._next_block()
            else:
                ids, weights = [], []
                while matcher.is_active():
                    ids.append(matcher.id() + offset)
                    weights.append(matcher.weight())
                    matcher.next()
                yield ids, weights

    def docset(self, fieldname, text):
        """The documents holding a term (for filters)."""
        found = set()
        for ids, _weights in self._blocks(fieldname, text):
            found.update(ids)
        return found

    # -- evaluation ----------------------------------------------------------

    def term(self, fieldname, text, boost, within=None):
        """{docnum: BM25F score} of a term (only documents in `within`, when given).

        A term's whole scored postings are kept in the generation's term cache
        (`_TermCache`), so a new query made of words seen before in the same
        role (field and boost) reads no posting block: it copies, or picks
        from, the cached scores, which are the very floats `score_term` gives.
        """
        terms = _shared(self.info, "terms", _TermCache)
        key = (fieldname, text, boost)
        full = terms.get(key)
        if full is None:
            if within is not None and len(within) * 4 < self.searcher.doc_frequency(
                fieldname, text
            ):
                # A broad word within a few documents: scoring all its postings
                # would cost a new query more than the cache saves it.
                return self.score_term(fieldname, text, boost, within)
            full = self.score_term(fieldname, text, boost)
            terms.put(key, full)
        if within is None:
            return full.copy()
        both = full.keys() & within
        return dict(zip(both, map(full.__getitem__, both), strict=True))

    def score_term(self, fieldname, text, boost, within=None):
        """{docnum: BM25F score}, computed with C-level maps (no per-posting bytecode).

        With `within` (a set-like of docnums), only those documents are scored.
        """
        found = {}
        if not self.searcher.schema[fieldname].scorable:
            for ids, _weights in self._blocks(fieldname, text):
                if within is not None:
                    ids = list(compress(ids, map(within.__contains__, ids)))
                found.update(dict.fromkeys(ids, boost))
            return found
        factor = None
        norms = self._norm(fieldname)
        for ids, weights in self._blocks(fieldname, text):
            if within is not None:
                kept = list(map(within.__contains__, ids))
                if not isinstance(weights, float):
                    weights = list(compress(weights, kept))
                ids = list(compress(ids, kept))
                if not ids:
                    continue
            if factor is None:
                factor = boost * self.searcher.idf(fieldname, text) * (self.K1 + 1)
            if isinstance(weights, float):
                # factor * w / (w + norm): one table per weight value.
                scores = map(
                    self._unit(fieldname, weights, norms).__getitem__,
                    ids,
                )
                found.update(zip(ids, map(mul, repeat(factor), scores), strict=True))
            else:
                scores = map(
                    truediv,
                    map(mul, repeat(factor), weights),
                    map(add, weights, map(norms.__getitem__, ids)),
                )
                found.update(zip(ids, scores, strict=True))
        return found

    def _unit(self, fieldname, weight, norms):
        """Per document: weight / (weight + norm), cached per field and weight."""
        return _shared(
            self.info,
            ("units", fieldname, weight),
            lambda: [weight / (weight + n) for n in norms],
        )

    def estimate(self, q):
        """An upper bound of a node's matches, from document frequencies (no postings read)."""
        if isinstance(q, wq.Term):
            return self.searcher.doc_frequency(q.fieldname, q.text)
        if isinstance(q, wq.AndMaybe):
            return self.estimate(q.a)
        if isinstance(q, wq.And):
            return min((self.estimate(c) for c in q.subqueries), default=0)
        if isinstance(q, wq.Or):
            return sum(self.estimate(c) for c in q.subqueries)
        return self.doc_count_all

    def evaluate(self, q, boost=1.0, within=None):
        """{docnum: score} of a query node (only documents in `within`, when given)."""
        boost *= q.boost
        if isinstance(q, wq.Term):
            return self.term(q.fieldname, q.text, boost, within)
        if isinstance(q, wq.AndMaybe):
            required = self.evaluate(q.a, boost, within)
            if required:
                optional = self.evaluate(q.b, boost, required.keys())
                both = required.keys() & optional.keys()
                required.update(
                    zip(
                        both,
                        map(add, map(required.__getitem__, both), map(optional.__getitem__, both)),
                        strict=True,
                    )
                )
            return required
        if isinstance(q, wq.And):
            # Rarest first; each further child is evaluated only within the
            # documents still matching, so a broad word costs little here.
            found = None
            for child in sorted(q.subqueries, key=self.estimate):
                part = self.evaluate(child, boost, within if found is None else found.keys())
                if not part:
                    return {}
                if found is None:
                    found = part
                    continue
                both = found.keys() & part.keys()
                found = dict(
                    zip(
                        both,
                        map(add, map(found.__getitem__, both), map(part.__getitem__, both)),
                        strict=True,
                    )
                )
                if not found:
                    break
            return found or {}
        if isinstance(q, wq.Or) and q.scale is None:
            parts = [self.evaluate(child, boost, within) for child in q.subqueries]
            parts.sort(key=len)
            if not parts:
                return {}
            found = parts.pop()
            for part in parts:
                _add_into(found, part)
            return found
        if isinstance(q, wq.FuzzyTerm):
            found = {}
            for text in q._btexts(self.reader):
                text = text.decode("utf-8") if isinstance(text, bytes) else text
                _add_into(found, self.term(q.fieldname, text, boost, within))
            return found
        if isinstance(q, wq.Every):
            return dict.fromkeys(range(self.doc_count_all) if within is None else within, boost)
        # Anything else: Whoosh's own matcher, document by document.
        found = {}
        matcher = q.matcher(self.searcher)
        while matcher.is_active():
            found[matcher.id()] = matcher.score() * boost
            matcher.next()
        return found

    # -- ranking and facets --------------------------------------------------

    def candidates(self, found, count):
        """The documents that can reach the first `count` places once boosts apply.

        Relevance comes first: a document whose score, times the largest
        boost that availability and popularity can give (MAX_BOOST), stays
        below the count-th best plain score can never reach the page. Of the
        rest at most max(count, RANK_CANDIDATES) are kept, by score and then
        by a fixed order (featured first, then oldest), so a broad word's
        thousands of equal scores cost one C-level pass. Returns
        [(product id, score, fixed order)], best first.
        """
        if not found:
            return []
        cap = max(count, RANK_CANDIDATES)
        order = self._static_order()
        scores = found.values()
        if len(found) > count:
            floor = heapq.nlargest(count, scores)[-1] / MAX_BOOST
            if len(found) > cap:
                floor = max(floor, heapq.nlargest(cap, scores)[-1])
            above = list(compress(found, map(gt, scores, repeat(floor))))
            ties = list(compress(found, map(eq, scores, repeat(floor))))
            if len(above) + len(ties) > cap:
                ties = heapq.nsmallest(max(cap - len(above), 0), ties, key=order.__getitem__)
            docs = above + ties
        else:
            docs = list(found)
        docs.sort(key=lambda d: (-found[d], order[d]))
        product_id = self.product_id
        return [(product_id(d), found[d], order[d]) for d in docs]

    def product_id(self, docnum):
        """The product id of a document (its column; the stored id in an index without it)."""
        value = self.product_ids[docnum]
        if value:
            return int(value)
        return int(self.searcher.stored_fields(docnum)["id"])

    def _static_order(self):
        """Per document, its place by (featured first, docnum): cuts ties among equal scores."""

        def build():
            featured = list(map(bool, self.featured))
            docs = list(compress(range(len(featured)), featured))
            docs += compress(range(len(featured)), map(not_, featured))
            order = [0] * len(docs)
            for place, d in enumerate(docs):
                order[d] = place
            return order

        return _shared(self.info, "order", build)

    def _facet_combos(self):
        """(each document's combination of facet values, each combination's (facet, key) pairs)."""

        def build():
            combos = {}
            combo = [
                combos.setdefault(values, len(combos))
                for values in zip(*self.facet_values.values(), strict=True)
            ]
            keys = [
                [
                    (name, key)
                    for name, value in zip(self.facet_values, values, strict=True)
                    for key in (value.split() if name == "claim" else (value,))
                    if key
                ]
                for values in combos
            ]
            return combo, keys

        return _shared(self.info, "facet_combos", build)

    def _facet_value_combos(self):
        """Per facet, each value with the combinations (`_facet_combos`) that hold it."""

        def build():
            _combo_of, combos = self._facet_combos()
            values = {name: {} for name in FACET_FIELDS}
            for combo, keys in enumerate(combos):
                for name, key in keys:
                    values[name].setdefault(key, []).append(combo)
            return {name: list(by_key.items()) for name, by_key in values.items()}

        return _shared(self.info, "facet_value_combos", build)

    def facets(self, docs):
        """Exact counts of each facet value over the matching documents.

        One C-level counting pass over each document's combination of facet
        values (a few thousand distinct ones), then a sum per value.
        """
        combo_of, combos = self._facet_combos()
        present = Counter(map(combo_of.__getitem__, docs))
        if len(present) * 2 < len(combos):
            totals = {name: {} for name in FACET_FIELDS}
            for combo, n in present.items():
                for name, key in combos[combo]:
                    counts = totals[name]
                    counts[key] = counts.get(key, 0) + n
        else:
            # Matches in half the combinations or more (a broad word): a C-level
            # sum per facet value over the combinations holding it beats a Python
            # step per (combination, value): 2.9 -> 2.1 ms for "rice" at 50,000.
            dense = list(map(present.get, range(len(combos)), repeat(0)))
            count = dense.__getitem__
            totals = {}
            for name, values in self._facet_value_combos().items():
                counts = totals[name] = {}
                for key, members in values:
                    n = sum(map(count, members))
                    if n:
                        counts[key] = n
        return {
            name: sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            for name, counts in totals.items()
        }


# Postings kept scored per generation and process: about 70 bytes each
# (dict slot, int and float; measured at 50,000 products), so at most some 70 MB.
TERM_CACHE_POSTINGS = 1_000_000


class _TermCache:
    """Each term's scored postings {docnum: score}, least recently used dropped first.

    Bounded by the postings held (TERM_CACHE_POSTINGS), not by the terms; a
    term with more postings than the bound is not kept. Shared by the
    generation's threads; the dicts handed out are never changed (`term`
    copies them).
    """

    def __init__(self, limit=None):
        self.limit = TERM_CACHE_POSTINGS if limit is None else limit
        self.entries = {}
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        """The cached scores of a term, or None (a hit makes it the most recent)."""
        with self.lock:
            found = self.entries.pop(key, None)
            if found is not None:
                self.entries[key] = found
            return found

    def put(self, key, found):
        """Keep a term's scores, dropping the least recently used beyond the bound."""
        if max(len(found), 1) > self.limit:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= max(len(old), 1)
            self.entries[key] = found
            self.size += max(len(found), 1)  # a missing term counts one
            while self.size > self.limit:
                dropped = self.entries.pop(next(iter(self.entries)))
                self.size -= max(len(dropped), 1)


def _add_into(found, part):
    """found += part, adding the scores of documents in both (C-level iterators only)."""
    keys = part.keys()
    found.update(zip(keys, map(add, map(found.get, keys, repeat(0.0)), part.values()), strict=True))


def _engine(searcher, info):
    """This thread's engine over its searcher (the generation's structures are shared)."""
    engines = _shared(info, "engines", weakref.WeakKeyDictionary)
    engine = engines.get(searcher)
    if engine is None:
        engine = engines[searcher] = _Engine(searcher, info)
    return engine


def _run(searcher, info, q, filters, count):
    """Match, count facets exactly, and keep the candidates for the first `count` places."""
    engine = _engine(searcher, info)
    found = engine.evaluate(q)
    if found and filters:
        allowed = None
        for name, value in filters.items():
            fieldname = "verified" if name == "claim" else FACET_FIELDS[name]
            docs = engine.docset(fieldname, value)
            allowed = set(docs) if allowed is None else allowed & docs
        keep = found.keys() & allowed
        found = dict(zip(keep, map(found.__getitem__, keep), strict=True))
    if found and engine.deleted:
        for d in engine.deleted & found.keys():
            del found[d]
    return engine.candidates(found, count), len(found), engine.facets(found)


def result_key(text, filters=None, page=1, per_page=24):
    """The key of a search's match in its generation's cache (`info["results"]`)."""
    page = max(1, min(int(page or 1), 1000))
    return (clean_text(text), tuple(sorted(dict(filters or {}).items())), page, per_page)


def forget_match(text, filters=None, page=1, per_page=24):
    """Drop one search's cached match, so that its next call matches again (benchmarks)."""
    _current()[1].get("results", {}).pop(result_key(text, filters, page, per_page), None)


def forget_terms():
    """Drop the generation's cached term scores, so the next query reads postings (benchmarks).

    Returns them, for `restore_terms`.
    """
    return _current()[1].pop("terms", None)


def restore_terms(terms):
    """Put back the term scores that `forget_terms` returned (benchmarks)."""
    if terms is not None:
        _current()[1]["terms"] = terms


def query(text, filters=None, page=1, per_page=24):
    """Search the catalog; bad input never raises, an empty result brings hints instead.

    The matching (scores, totals, facets, hints) is cached per index
    generation; the final order reads stock and sales from the database on
    every call, so a sale changes the ranking at once and costs no re-read.
    """
    text = clean_text(text)
    filters = dict(filters or {})
    page = max(1, min(int(page or 1), 1000))
    start = (page - 1) * per_page
    try:
        searcher, info = _current()
        cache = info.setdefault("results", {})
        key = result_key(text, filters, page, per_page)
        matched = cache.get(key)
    except Exception:
        # A damaged or missing index: the page still answers; `search rebuild` repairs it.
        log.exception("search: the index cannot be opened")
        outcome = SearchOutcome(text=text, page=page, per_page=per_page, filters=filters)
        outcome.unavailable = True
        return outcome
    if matched is None:
        matched = _match(searcher, info, text, filters, page, per_page)
        # Matches hold until the next catalog edit opens a new generation (and a
        # new cache); the head of real traffic ("ข้าว", "rice") is answered from here.
        with info["lock"]:  # shared by the process's threads
            if len(cache) >= RESULT_CACHE_SIZE:
                cache.pop(next(iter(cache)), None)
            cache[key] = matched
    outcome = replace(matched, filters=dict(filters))
    outcome.product_ids = rank_candidates(matched.candidates, start, per_page)
    if outcome.total == 0:
        outcome.popular_ids = popular(8)
    return outcome


def _match(searcher, info, text, filters, page, per_page):
    """The cached part of a search: candidates, total, facets, and a correction if needed.

    A query that finds nothing is corrected (see `spelling`) and the page shows
    what the correction finds; one that finds very little keeps its results
    and offers a correction that finds clearly more.
    """
    outcome = SearchOutcome(text=text, page=page, per_page=per_page, filters=dict(filters))
    count = page * per_page
    q = build_query(text) if text else None
    if q is None:
        q = wq.Every()
    candidates, total, facets = _run(searcher, info, q, filters, count)
    if text and not isinstance(q, wq.Every) and total < FEW_RESULTS:
        engine = _engine(searcher, info)
        wanted = 1 if total == 0 else max(FEW_RESULTS, 2 * total)
        correction = _correct(text, searcher, info, engine, filters, wanted)
        if correction and total == 0:
            corrected = build_query(correction)
            candidates, total, facets = _run(searcher, info, corrected, filters, count)
            outcome.fuzzy = True
        outcome.did_you_mean = correction
    outcome.candidates, outcome.total, outcome.facets = candidates, total, facets
    return outcome


def _vocabulary(searcher, info):
    """The index's whole words with their document counts, read once per generation."""

    def build():
        reader = searcher.reader()
        counts = {}
        if "words" in reader.schema:
            for term, terminfo in reader.iter_field("words"):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                counts[text] = terminfo.doc_frequency()
        return spelling.Vocabulary(counts)

    return _shared(info, "vocabulary", build)


def _correct(text, searcher, info, engine, filters, wanted=1):
    """A corrected query finding at least `wanted` products (with the filters), or ""."""

    def has_results(candidate):
        q = build_query(candidate)
        if q is None:
            return False
        found = engine.evaluate(q)
        for name, value in filters.items():
            fieldname = "verified" if name == "claim" else FACET_FIELDS[name]
            allowed = engine.docset(fieldname, value)
            found = {d: s for d, s in found.items() if d in allowed}
        return sum(1 for d in found if d not in engine.deleted) >= wanted

    return spelling.correct(text, _vocabulary(searcher, info), has_results)


def did_you_mean(text):
    """A corrected spelling of the text that finds products, or ""."""
    text = clean_text(text)
    if not text:
        return ""
    searcher, info = _current()
    return _correct(text, searcher, info, _engine(searcher, info), {})


MAX_SUGGESTION_TERMS = 60


def suggest(text, limit=8):
    """Product and group names that the typed text begins (inside, at a word), both scripts.

    Walks the sorted completion keys from the prefix on (bounded), rather
    than running a Prefix query that would expand to every matching key.
    """
    prefix = ta.completion_prefix(clean_text(text))
    if not prefix or (prefix.isascii() and len(prefix) < 2):
        return []
    try:
        searcher, info = _current()
    except Exception:
        log.exception("search: the index cannot be opened")
        return []
    reader = searcher.reader()
    engine = _engine(searcher, info)
    docs = []
    for n, term in enumerate(reader.expand_prefix("complete", prefix)):
        if n >= MAX_SUGGESTION_TERMS:
            break
        matcher = reader.postings("complete", term)
        taken = 0
        while matcher.is_active() and taken < 4:
            docnum = matcher.id()
            matcher.next()
            if reader.is_deleted(docnum):
                continue
            taken += 1
            docs.append((docnum, engine.product_id(docnum)))
    found = []
    for docnum, product_id in docs:
        labels = searcher.stored_fields(docnum).get("labels") or {}
        found.append(
            (
                product_id,
                (labels.get("name_th"), labels.get("name_en")),
                (labels.get("group_th"), labels.get("group_en")),
            )
        )
    return rank_suggestions(prefix, found, limit)


# ---------------------------------------------------------------------------
# Keeping the index true after commits


def after_commit(pending):
    """Index the products a committed transaction touched, from a fresh session; never raises."""
    try:
        with Session(db.engine) as fresh:
            ids = changed_product_ids(fresh, pending)
            if ids:
                index_products(ids, session=fresh)
    except Exception:
        log.exception("search: could not update the index after a commit")
        ids = pending.get("product", set())
        mark_pending(i for i in ids if i is not None)
        if set(pending) - {"product"}:
            mark_pending([REBUILD_ALL])
