"""Storefront input: the language switch form and the catalog's query arguments."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, InputRequired

from ..catalog.queries import DEFAULT_SORT, CatalogFilters

MAX_ARG_LENGTH = 120
MAX_PAGE = 100_000


class LanguageForm(FlaskForm):
    """Switch the storefront language; `next` is where to go back to."""

    lang = StringField(validators=[InputRequired(), AnyOf(("th", "en"))])
    next = HiddenField()


def _text(args, name):
    value = args.get(name, "", type=str) or ""
    return value.strip()[:MAX_ARG_LENGTH]


def _page(args):
    raw = _text(args, "page")
    try:
        page = int(raw)
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def catalog_filters(args):
    """CatalogFilters from the query string; anything malformed becomes "any" or page 1."""
    return CatalogFilters(
        category=_text(args, "category"),
        province=_text(args, "province"),
        group=_text(args, "group"),
        claim=_text(args, "claim"),
        sort=_text(args, "sort") or DEFAULT_SORT,
        page=_page(args),
    )
