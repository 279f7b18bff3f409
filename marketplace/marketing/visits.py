"""Page views without tracking people: daily totals per page and source, nothing personal.

What is counted: each GET of a product, lot or group page that answers 200,
cached or not, by a visitor that is not a bot (crawlerdetect). Each is kept as
a daily total per page, UTM tags (source, medium, campaign) and the domain the
visitor came from, in `PageViewDay` (`views`).

Visitors (`visitors`) are counted once per page per day without remembering
who they are: the request's address and user agent, with the page, go through
HMAC-SHA256 keyed by a random salt of the day, and only that digest is looked
up in the day's seen-set. The salt and the seen-set live in Redis (shared by
every worker; both expire the day after) or, without Redis, in the worker's
memory (a visitor who reaches two workers then counts twice). The address and
user agent are never stored; the digest never reaches the database; once the
salt has expired, a digest cannot be tied to anyone. No cookie is set.

Counting does not slow a page: the request only appends one tuple to a list in
the worker's memory; a thread writes the totals every PAGE_VIEWS_FLUSH_SECONDS
(5 s) with one upsert per page and source. With the setting at 0 nothing runs
in the background and `flush()` writes (the tests call it). Counts still in a
worker's memory when it is killed are lost; a few seconds of views, by design.

Where an order came from: a storefront visit with UTM tags (or from another
site) writes them into the buyer's existing session (the cart's cookie; no new
cookie), last visit wins, and checkout copies them onto the `Order`.
"""

import atexit
import hashlib
import hmac
import logging
import os
import secrets
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from crawlerdetect import CrawlerDetect
from flask import current_app, request, session
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..i18n import bangkok_today
from ..models import Lot, ProducerGroup, Product, Variant
from ..models.marketing import PageKind, PageViewDay

log = logging.getLogger(__name__)

BANGKOK = timedelta(hours=7)  # Thailand keeps no daylight saving time
SESSION_KEY = "visit_source"
# endpoint → (page kind, the URL value naming the page)
COUNTED_PAGES = {
    "shop.product": (PageKind.PRODUCT, "slug"),
    "shop.lot": (PageKind.LOT, "code"),
    "shop.group": (PageKind.GROUP, "slug"),
}
LIMITS = {"source": 40, "medium": 40, "campaign": 60, "referrer": 100}
MAX_BUFFER = 200_000  # views kept between flushes; past it the oldest are dropped
EXTENSION = "page_views"


@dataclass(frozen=True)
class Source:
    """Where a visit came from: its UTM tags and the other site's domain ("" when none)."""

    source: str = ""
    medium: str = ""
    campaign: str = ""
    referrer: str = ""

    @property
    def is_empty(self):
        return not (self.source or self.medium or self.campaign or self.referrer)


NO_SOURCE = Source()


def clean_tag(value, limit):
    """A UTM value as stored: no control characters, trimmed, lower case, at most `limit`."""
    text = "".join(ch for ch in str(value or "") if unicodedata.category(ch)[0] != "C")
    return " ".join(text.split()).lower()[:limit]


def referrer_domain(referer, own_host=""):
    """The host a visitor came from, without "www."; "" for none, our own site or odd values."""
    try:
        parts = urlsplit((referer or "").strip()[:2000])
        host = (parts.hostname or "").lower()
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https", "android-app") or not host:
        return ""
    host = host.removeprefix("www.")
    own = (own_host or "").split(":")[0].lower().removeprefix("www.")
    if host == own:
        return ""
    return clean_tag(host, LIMITS["referrer"])


def source_of(args, referer, own_host):
    """The Source of a request: its utm_* arguments and the referring domain."""
    return Source(
        source=clean_tag(args.get("utm_source", ""), LIMITS["source"]),
        medium=clean_tag(args.get("utm_medium", ""), LIMITS["medium"]),
        campaign=clean_tag(args.get("utm_campaign", ""), LIMITS["campaign"]),
        referrer=referrer_domain(referer, own_host),
    )


_crawler_lock = threading.Lock()
_crawler_detect = CrawlerDetect()


@lru_cache(maxsize=4096)
def is_bot(user_agent):
    """True for crawlers, link previewers and requests without a user agent."""
    if not user_agent or not user_agent.strip():
        return True
    with _crawler_lock:  # the detector keeps its last matches on itself
        return bool(_crawler_detect.isCrawler(user_agent[:1000]))


# -- the counter of one worker ------------------------------------------------------------------


class ViewCounter:
    """This worker's views since the last flush, the day's salt and (without Redis) seen-set."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.buffer = []  # (day, kind, ref, Source, digest)
        self.salts = {}  # day → salt, only for today and yesterday
        self.seen = {}  # day → set of digests (without Redis)
        self.macs = {}  # day → HMAC keyed with the day's salt, copied for each view
        self.thread = None
        self.pid = None
        self.stop = threading.Event()

    # The salt: random per day, shared through Redis when there is one.
    def salt(self, day):
        """The day's secret salt (never written to the database or a log)."""
        salt = self.salts.get(day)
        if salt is not None:
            return salt
        salt = secrets.token_bytes(32)
        redis = _redis(self.app)
        if redis is not None:
            key = f"{self.app.config['PAGE_VIEWS_REDIS_PREFIX']}salt:{day.isoformat()}"
            try:
                redis.set(key, salt, nx=True, exat=_expiry(day))
                salt = redis.get(key) or salt
            except Exception:  # noqa: BLE001  (Redis down: this worker's own salt)
                log.warning("page views: Redis did not answer; using this worker's salt")
        with self.lock:
            self.salts = {d: s for d, s in self.salts.items() if d >= day - timedelta(days=1)}
            self.salts.setdefault(day, salt)
            return self.salts[day]

    def record(self, day, kind, ref, source, address, user_agent):
        """Note one view; only the keyed digest of address and user agent is kept."""
        message = f"{address}\n{user_agent}\n{kind}:{ref}".encode("utf-8", "replace")
        keyed = self.macs.get(day)
        if keyed is None:
            keyed = self.macs[day] = hmac.new(self.salt(day), digestmod=hashlib.sha256)
            for old_day in [d for d in self.macs if d < day - timedelta(days=1)]:
                self.macs.pop(old_day, None)
        mac = keyed.copy()
        mac.update(message)
        digest = mac.digest()[:16]
        with self.lock:
            self.buffer.append((day, kind, ref, source, digest))
            if len(self.buffer) > MAX_BUFFER:
                del self.buffer[: len(self.buffer) - MAX_BUFFER]
        self._ensure_thread()

    def take(self):
        """The views noted since the last call, and an empty list in their place."""
        with self.lock:
            taken, self.buffer = self.buffer, []
        return taken

    def first_seen(self, digests_by_day):
        """{(day, digest)} of those not seen before today (and marks them seen)."""
        new = set()
        redis = _redis(self.app)
        if redis is not None:
            try:
                prefix = self.app.config["PAGE_VIEWS_REDIS_PREFIX"]
                pipe = redis.pipeline(transaction=False)
                order = []
                for day, digests in digests_by_day.items():
                    key = f"{prefix}seen:{day.isoformat()}"
                    for digest in digests:
                        pipe.sadd(key, digest)
                        order.append((day, digest))
                    pipe.expireat(key, _expiry(day))
                results = [r for r in pipe.execute() if not isinstance(r, bool)]
                return {item for item, added in zip(order, results, strict=True) if added}
            except Exception:  # noqa: BLE001
                log.warning("page views: Redis did not answer; counting visitors in memory")
        with self.lock:
            newest = max(digests_by_day, default=None)
            for day, digests in digests_by_day.items():
                seen = self.seen.setdefault(day, set())
                for digest in digests:
                    if digest not in seen:
                        seen.add(digest)
                        new.add((day, digest))
            if newest is not None:
                self.seen = {d: s for d, s in self.seen.items() if d >= newest - timedelta(days=1)}
        return new

    def _ensure_thread(self):
        interval = self.app.config.get("PAGE_VIEWS_FLUSH_SECONDS", 5)
        if interval <= 0:
            return
        pid = os.getpid()
        if self.thread is not None and self.thread.is_alive() and self.pid == pid:
            return
        with self.lock:
            if self.thread is not None and self.thread.is_alive() and self.pid == pid:
                return
            self.pid = pid
            self.stop = threading.Event()
            self.thread = threading.Thread(
                target=self._run, args=(interval, self.stop), name="page-views", daemon=True
            )
            self.thread.start()

    def _run(self, interval, stop):
        while not stop.wait(interval):
            self.flush_safely()

    def flush_safely(self):
        """Flush, logging (not raising) what goes wrong: the thread must keep running."""
        try:
            with self.app.app_context():
                try:
                    flush()
                finally:
                    db.session.remove()
        except Exception:  # noqa: BLE001
            log.exception("page views: flushing the counts failed")


def _expiry(day):
    """When the salt and seen-set of `day` go: midnight after the next day, Bangkok time."""
    end = datetime(day.year, day.month, day.day, tzinfo=UTC) - BANGKOK + timedelta(days=2)
    return int(end.timestamp())


def _redis(app):
    if not app.config.get("REDIS_URL"):
        return None
    from ..jobs import redis_connection

    return redis_connection(app)


def counter(app=None):
    """The ViewCounter of this app in this worker."""
    app = app or current_app
    return app.extensions[EXTENSION]


# -- writing the totals ---------------------------------------------------------------------


def _pages(refs):
    """{(kind, ref): (page_key, group_id, product_id, lot_id)} for the pages still there."""
    found = {}
    slugs = {ref for kind, ref in refs if kind == PageKind.PRODUCT}
    codes = {ref for kind, ref in refs if kind == PageKind.LOT}
    group_slugs = {ref for kind, ref in refs if kind == PageKind.GROUP}
    if slugs:
        rows = db.session.execute(
            select(Product.slug, Product.id, Product.group_id).where(Product.slug.in_(slugs))
        )
        for slug, product_id, group_id in rows:
            found[PageKind.PRODUCT, slug] = (f"product:{product_id}", group_id, product_id, None)
    if codes:
        rows = db.session.execute(
            select(Lot.code, Lot.id, Product.id, Product.group_id)
            .join(Variant, Variant.id == Lot.variant_id)
            .join(Product, Product.id == Variant.product_id)
            .where(Lot.code.in_(codes))
        )
        for code, lot_id, product_id, group_id in rows:
            found[PageKind.LOT, code] = (f"lot:{lot_id}", group_id, product_id, lot_id)
    if group_slugs:
        rows = db.session.execute(
            select(ProducerGroup.slug, ProducerGroup.id).where(ProducerGroup.slug.in_(group_slugs))
        )
        for slug, group_id in rows:
            found[PageKind.GROUP, slug] = (f"group:{group_id}", group_id, None, None)
    return found


def _upsert(dialect_name, rows):
    table = PageViewDay.__table__
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    statement = insert(table).values(rows)
    return statement.on_conflict_do_update(
        index_elements=[
            table.c.day,
            table.c.page_key,
            table.c.source,
            table.c.medium,
            table.c.campaign,
            table.c.referrer,
        ],
        set_={
            "views": table.c.views + statement.excluded.views,
            "visitors": table.c.visitors + statement.excluded.visitors,
        },
    )


def flush(app=None):
    """Write this worker's counted views as daily totals and commit; the number of views."""
    app = app or current_app
    views = counter(app).take()
    if not views:
        return 0
    digests_by_day = {}
    for day, _kind, _ref, _source, digest in views:
        digests_by_day.setdefault(day, set()).add(digest)
    new = counter(app).first_seen(digests_by_day)
    totals = Counter()
    visitors = Counter()
    for day, kind, ref, source, digest in views:
        key = (day, kind, ref, source)
        totals[key] += 1
        if (day, digest) in new:
            new.discard((day, digest))  # the first view of the batch carries the visitor
            visitors[key] += 1
    pages = _pages({(kind, ref) for _day, kind, ref, _source in totals})
    rows = []
    for (day, kind, ref, source), count in totals.items():
        page = pages.get((kind, ref))
        if page is None:  # gone since (a product deleted, a slug changed)
            continue
        page_key, group_id, product_id, lot_id = page
        rows.append(
            dict(
                day=day,
                kind=kind,
                page_key=page_key,
                group_id=group_id,
                product_id=product_id,
                lot_id=lot_id,
                source=source.source,
                medium=source.medium,
                campaign=source.campaign,
                referrer=source.referrer,
                views=count,
                visitors=visitors[day, kind, ref, source],
            )
        )
    # Two refs may name one page (never today, but cheap to be sure): one row each key.
    merged = {}
    for row in rows:
        key = (row["day"], row["page_key"], row["source"], row["medium"], row["campaign"])
        key += (row["referrer"],)
        if key in merged:
            merged[key]["views"] += row["views"]
            merged[key]["visitors"] += row["visitors"]
        else:
            merged[key] = row
    if merged:
        connection = db.session.connection()
        for start in range(0, len(merged), 500):
            batch = list(merged.values())[start : start + 500]
            connection.execute(_upsert(connection.dialect.name, batch))
    db.session.commit()
    return len(views)


# -- the request side -----------------------------------------------------------------------


def remembered_source():
    """The Source kept in this buyer's session, or an empty Source."""
    kept = session.get(SESSION_KEY)
    if not isinstance(kept, dict):
        return Source()
    return Source(**{name: clean_tag(kept.get(name, ""), LIMITS[name]) for name in LIMITS})


def attribute_order(order, source):
    """Copy where the buyer came from onto a newly placed order (flushed by the caller)."""
    order.utm_source = source.source
    order.utm_medium = source.medium
    order.utm_campaign = source.campaign
    order.referrer = source.referrer


def _count_view(response):
    """after_request: remember where a visit came from; count product, lot and group pages."""
    req = request._get_current_object()  # one proxy lookup, not one per attribute
    if req.method != "GET" or response.status_code != 200:
        return response
    endpoint = req.endpoint or ""
    if not endpoint.startswith("shop."):
        return response
    headers = req.headers
    user_agent = headers.get("User-Agent", "")
    if is_bot(user_agent) or headers.get("Sec-Purpose", "").startswith("prefetch"):
        return response
    referer = headers.get("Referer")
    args = req.args
    # Most views carry neither tags nor another site: nothing to parse or remember.
    source = source_of(args, referer, req.host) if (referer or args) else NO_SOURCE
    if not source.is_empty:
        kept = session.get(SESSION_KEY)
        wanted = {name: getattr(source, name) for name in LIMITS}
        if kept != wanted:
            session[SESSION_KEY] = wanted
    page = COUNTED_PAGES.get(endpoint)
    if page is None:
        return response
    app = current_app._get_current_object()
    if not app.config.get("PAGE_VIEWS_ENABLED", True):
        return response
    kind, arg = page
    ref = str((req.view_args or {}).get(arg, ""))
    if ref:
        app.extensions[EXTENSION].record(
            bangkok_today(), kind, ref, source, req.remote_addr or "", user_agent
        )
    return response


def init_app(app):
    """Give the app its view counter and count storefront pages after each request."""
    app.extensions[EXTENSION] = ViewCounter(app)
    if not app.config.get("PAGE_VIEWS_ENABLED", True):
        return  # off: nothing counted, no source remembered, no hook on any request
    app.after_request(_count_view)
    if app.config.get("PAGE_VIEWS_FLUSH_SECONDS", 5) > 0:
        atexit.register(counter(app).flush_safely)
