"""Search documents for the PostgreSQL search backend (catalog/search/postgresql.py).

One row per visible product, written in the same transaction as the catalog
rows it is built from. On PostgreSQL the text columns are tsvectors built from
the shared Thai analysis (never from PostgreSQL's own parsers) with GIN
indexes, and the vocabulary has a pg_trgm index for misspellings; on SQLite
the tables exist (one schema for both) but stay empty, Whoosh serving search.
"""

from sqlalchemy import DDL, Index, Text, event
from sqlalchemy.dialects import postgresql

from ..extensions import db

# A tsvector on PostgreSQL, plain text elsewhere (the tables are unused there).
TSVector = Text().with_variant(postgresql.TSVECTOR(), "postgresql")


class SearchDocument(db.Model):
    """A product as the PostgreSQL backend searches it."""

    __tablename__ = "search_document"

    product_id = db.Column(
        db.ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    # Names (weight A), group/category/claims/places (B), descriptions (C).
    document = db.Column(TSVector, nullable=False)
    # The whole name as one key, and its starts (see thai_analysis.name_heads).
    name_key = db.Column(db.String(400), nullable=False, default="")
    name_heads = db.Column(TSVector, nullable=False)
    # Names from each word or syllable on, for suggestions as the buyer types.
    completion = db.Column(TSVector, nullable=False)
    category = db.Column(db.String(80), nullable=False, default="")
    province = db.Column(db.String(8), nullable=False, default="")
    group_slug = db.Column(db.String(120), nullable=False, default="")
    # Verified claim kinds, one lexeme each.
    verified = db.Column(TSVector, nullable=False)
    featured = db.Column(db.Boolean, nullable=False, default=False)

    __table_args__ = (
        Index("ix_search_document_document", "document", postgresql_using="gin"),
        Index("ix_search_document_name_heads", "name_heads", postgresql_using="gin"),
        Index("ix_search_document_completion", "completion", postgresql_using="gin"),
        Index("ix_search_document_verified", "verified", postgresql_using="gin"),
    )


# Byte order on PostgreSQL (the C collation), so a typed prefix is one range of keys.
CompletionKey = db.String(200).with_variant(db.String(200, collation="C"), "postgresql")


class SearchCompletion(db.Model):
    """A completion key of a product's names or its group's: what PostgreSQL suggestions read.

    The keys of `thai_analysis.completion_keys` (a name from each word or
    syllable on), one row each, written with the product's document. A typed
    prefix reads the first keys from it on, as Whoosh walks its sorted terms,
    instead of every document whose completion tsvector matches it.
    """

    __tablename__ = "search_completion"

    key = db.Column(CompletionKey, primary_key=True)
    product_id = db.Column(
        db.ForeignKey("product.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )

    __table_args__ = (Index("ix_search_completion_product_id", "product_id"),)


class SearchState(db.Model):
    """One row whose version changes, in the same transaction, whenever documents are written.

    Each worker keeps the matches of recent queries keyed on it, so a repeated
    query costs one primary-key read; a sale writes no document and keeps it.
    """

    __tablename__ = "search_state"

    id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    version = db.Column(db.String(32), nullable=False)


class SearchWord(db.Model):
    """A whole word of the indexed text: the vocabulary that misspellings are corrected to.

    Words are added as documents are written and not removed (a stale word
    only costs a check that finds nothing); a rebuild starts it afresh.
    """

    __tablename__ = "search_word"

    word = db.Column(db.String(200), primary_key=True)

    __table_args__ = (
        Index(
            "ix_search_word_trigram",
            "word",
            postgresql_using="gin",
            postgresql_ops={"word": "gin_trgm_ops"},
        ),
    )


# create_all (tests, a fresh database) needs the extension before the index.
event.listen(
    SearchWord.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
