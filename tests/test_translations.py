"""The th and en catalogs cover every string in the source, compile, and keep placeholders."""

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from flask_babel import force_locale, gettext, pgettext

from marketplace.cli import (
    EXTRA_KEYWORDS,
    LOCALES,
    REPO_ROOT,
    catalog_problems,
    extract_messages,
    merge_template,
    po_path,
    read_catalog,
)

PLURALS = {"th": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}
# Printf-style placeholders as Python and Jinja's newstyle gettext format them, and "%%".
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


@pytest.fixture(scope="module")
def template():
    """Every message the source holds now, extracted in-process through babel.cfg."""
    return extract_messages()


def _label(message):
    text = message.id[0] if isinstance(message.id, tuple) else message.id
    return f"{message.context}|{text}" if message.context else text


def _translations(catalog):
    """{(context, msgid): msgstr} of the messages a compiled catalog carries."""

    def plain(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {
        (m.context, plain(m.id)): plain(m.string)
        for m in catalog
        if m.id and not m.fuzzy and all(plain(m.string) if m.pluralizable else [m.string])
    }


def test_source_has_messages(template):
    assert len(template) > 0, "extraction found no gettext strings: is babel.cfg right?"


def test_extraction_reads_every_template_and_module():
    visited = []
    extract_messages(visited=visited)
    seen = dict(visited)
    templates = sorted(
        p.relative_to(REPO_ROOT).as_posix() for p in REPO_ROOT.glob("templates/**/*.html")
    )
    modules = sorted(
        p.relative_to(REPO_ROOT).as_posix()
        for p in REPO_ROOT.glob("marketplace/**/*.py")
        if "__pycache__" not in p.parts
    )
    assert [t for t in templates if seen.get(t) != "jinja2"] == []
    assert [m for m in modules if seen.get(m) != "python"] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete(template, locale):
    path = po_path(locale)
    assert path.exists(), f"{path} is missing: run `flask --app marketplace translate update`"
    catalog = read_catalog(path, locale=locale)
    problems = catalog_problems(template, catalog)
    assert problems == [], (
        f"{locale} catalog is incomplete ({len(problems)} of {len(template)}); run "
        "`flask --app marketplace translate update`, translate, then `translate compile`:\n"
        + "\n".join(problems)
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_no_stale_messages(template, locale):
    catalog = read_catalog(po_path(locale), locale=locale)
    stale = [_label(m) for m in catalog if m.id and template.get(m.id, m.context) is None]
    assert stale == [], f"{locale} has messages the source no longer uses: {stale}"


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms(locale):
    catalog = read_catalog(po_path(locale), locale=locale)
    assert catalog.plural_forms == PLURALS[locale]
    wrong = [
        _label(m)
        for m in catalog
        if isinstance(m.id, tuple)
        and (not isinstance(m.string, tuple) or len(m.string) != catalog.num_plurals)
    ]
    assert wrong == []


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalog_matches_po(locale):
    po = read_catalog(po_path(locale), locale=locale)
    mo_file = po_path(locale).with_suffix(".mo")
    assert mo_file.exists(), (
        f"{mo_file} is missing: run `flask --app marketplace translate compile`"
    )
    with open(mo_file, "rb") as handle:
        mo = read_mo(handle)
    assert _translations(mo) == _translations(po), (
        f"{mo_file} is out of date: run `flask --app marketplace translate compile`"
    )
    assert mo.plural_forms == po.plural_forms


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match(locale):
    catalog = read_catalog(po_path(locale), locale=locale)
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):
            strings = list(message.string)
            # Thai has one form, used for every count: it answers to the plural msgid.
            expected = [message.id[0], message.id[1]] if locale == "en" else [message.id[1]]
        else:
            strings, expected = [message.string], [message.id]
        for want, got in zip(expected, strings, strict=False):
            if got and Counter(PLACEHOLDER.findall(want)) != Counter(PLACEHOLDER.findall(got)):
                wrong.append(f"{want!r} -> {got!r}")
    assert wrong == [], f"{locale} translations whose placeholders differ:\n" + "\n".join(wrong)


def test_babel_checks_pass():
    for locale in LOCALES:
        catalog = read_catalog(po_path(locale), locale=locale)
        errors = [f"{_label(m)}: {e}" for m, found in catalog.check() for e in found]
        assert errors == [], locale


def test_app_serves_the_thai_catalog(app):
    catalog = read_catalog(po_path("th"), locale="th")
    singles = [m for m in catalog if m.id and isinstance(m.id, str) and not m.context]
    assert singles, "the Thai catalog has no messages"
    with app.test_request_context(), force_locale("th"):
        served = {m.id: gettext(m.id) for m in singles if m.string and "%" not in m.id}
    assert served == {m.id: m.string for m in singles if m.string and "%" not in m.id}


def test_app_serves_contextual_messages(app):
    """Each msgctxt entry is served by pgettext with its own Thai, apart from the bare msgid."""
    catalog = read_catalog(po_path("th"), locale="th")
    contextual = [m for m in catalog if m.id and m.context and isinstance(m.id, str)]
    assert contextual, "no pgettext messages: one English word with two meanings needs them"
    with app.test_request_context(), force_locale("th"):
        served = {(m.context, m.id): pgettext(m.context, m.id) for m in contextual}
        assert served == {(m.context, m.id): m.string for m in contextual}
        # The words issue 11 found mixed up: an address is not an IP address, and the
        # sender of a parcel is not the start of a period.
        assert gettext("Address") != pgettext("network", "Address")
        assert gettext("From") != pgettext("packing slip", "From")


def test_extraction_keeps_contexts(template):
    """Contexts from Python and templates reach the template catalog as msgctxt."""
    assert template.get("From", "packing slip") is not None
    assert template.get("Address", "network") is not None
    keywords = dict(frontend_keywords())
    assert keywords["pgettext"] == ((1, "c"), 2)
    assert keywords["lazy_pgettext"] == ((1, "c"), 2)


def frontend_keywords():
    """The keyword specs extraction uses: Babel's defaults plus EXTRA_KEYWORDS."""
    from babel.messages import frontend
    from babel.messages.extract import DEFAULT_KEYWORDS

    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(frontend.parse_keywords(EXTRA_KEYWORDS))
    return keywords


def test_pybabel_command_finds_the_same_messages(template, tmp_path, monkeypatch):
    """The pybabel command the README gives extracts what `flask translate extract` does."""
    monkeypatch.chdir(REPO_ROOT)
    output = tmp_path / "messages.pot"
    keywords = [arg for keyword in EXTRA_KEYWORDS for arg in ("-k", keyword)]
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", "babel.cfg", *keywords, "-o", str(output), "."]
    )
    from_pybabel = read_catalog(output)
    assert {(m.context, m.id) for m in from_pybabel} == {(m.context, m.id) for m in template}


def test_extract_command_writes_a_template(runner, tmp_path):
    output = tmp_path / "messages.pot"
    result = runner.invoke(args=["translate", "extract", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert len(read_catalog(output)) > 0


def test_merge_fills_english_and_leaves_thai_for_a_translator():
    template = Catalog()
    template.add("Add to cart")
    template.add(("%(num)d bag", "%(num)d bags"))
    english = merge_template(template, "en")
    assert english.get("Add to cart").string == "Add to cart"
    assert english.get(("%(num)d bag", "%(num)d bags")).string == ("%(num)d bag", "%(num)d bags")
    assert catalog_problems(template, english) == []

    thai = merge_template(template, "th")
    assert catalog_problems(template, thai) == [
        "untranslated: 'Add to cart'",
        "untranslated: '%(num)d bag'",
    ]
    thai.get("Add to cart").string = "ใส่ตะกร้า"
    thai.get(("%(num)d bag", "%(num)d bags")).string = ("%(num)d ถุง",)
    assert catalog_problems(template, thai) == []

    template.delete("Add to cart")
    template.add("Add to basket")
    thai = merge_template(template, "th", thai)
    assert catalog_problems(template, thai) == ["fuzzy: 'Add to basket'"]


def test_translations_folder_is_where_flask_babel_looks(app):
    folder = Path(app.root_path) / "translations"
    assert folder == po_path("th").parents[2]
