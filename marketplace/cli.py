"""`flask --app marketplace …` commands; each calls the same domain functions the views use."""

import copy
import functools
from pathlib import Path

import click
from flask.cli import AppGroup

from .extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying the marketplace.")
translate_cli = AppGroup("translate", help="Extract, update and compile the th and en catalogs.")
users_cli = AppGroup("users", help="Accounts that only the command line can create.")
storage_cli = AppGroup("storage", help="Where uploads are stored: the instance folder or S3.")
jobs_cli = AppGroup("jobs", help="Background jobs: the RQ worker and scheduler (REDIS_URL).")


def storage_errors_exit(command):
    """A command whose store is down (a bucket not answering) exits 1 with one clear line,
    not a traceback; the database transaction is rolled back."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        from .storage import StorageError

        try:
            return command(*args, **kwargs)
        except StorageError as error:
            db.session.rollback()
            raise click.ClickException(
                f"{error}. Stopped; the database was not changed. "
                "Run the command again once the store answers."
            ) from error

    return run


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def jobs_worker(burst):
    """Run queued jobs (mail delivery, expiry sweeps …) until stopped."""
    from flask import current_app

    from . import jobs

    try:
        jobs.run_worker(current_app._get_current_object(), burst=burst)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error


@jobs_cli.command("scheduler")
def jobs_scheduler():
    """Queue the periodic jobs at their intervals until stopped (one per site is enough)."""
    from flask import current_app

    from . import jobs

    for name, seconds in jobs.PERIODIC.items():
        click.echo(f"every {seconds} s: {name}")
    try:
        jobs.run_scheduler(current_app._get_current_object())
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error


@jobs_cli.command("run")
@click.argument("name")
@storage_errors_exit
def jobs_run(name):
    """Run one periodic job now, in this process (for cron, without a worker)."""
    from . import jobs

    if name not in jobs.PERIODIC:
        raise click.ClickException(f"no periodic job {name!r}; known: {', '.join(jobs.PERIODIC)}")
    click.echo(f"{name}: {jobs.TASKS[name]()}")


@storage_cli.command("migrate")
@click.option(
    "--from-folder",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="The local folder to copy from (default: UPLOAD_FOLDER).",
)
@storage_errors_exit
def storage_migrate(from_folder):
    """Copy every stored upload from the local folder into the configured bucket."""
    from flask import current_app

    from .storage import LocalStorage, copy_all, storage

    target = storage()
    if target.name != "s3":
        raise click.ClickException("Set S3_BUCKET (and S3_ENDPOINT_URL for a non-AWS store) first.")
    source = LocalStorage(from_folder or current_app.config["UPLOAD_FOLDER"])
    copied, skipped = copy_all(source, target)
    files = "file" if copied == 1 else "files"
    click.echo(f"copied {copied} {files} into {target.bucket}; {skipped} were there already")


@storage_cli.command("originals")
@storage_errors_exit
def storage_originals():
    """Move photo originals out of the public prefix (products/<key>/original.jpg).

    Older versions kept each photo's cleaned original beside its sizes, where the
    bucket's public policy served it. A photo still waiting for its sizes gets its
    original moved to the private `originals/<key>.jpg`; one whose sizes exist loses
    it (nothing reads it again). Files of no photo are left alone (an upload may be
    on its way). Safe to run again, and while the site runs.
    """
    from .catalog.images import move_legacy_originals

    moved, removed, left = move_legacy_originals()
    click.echo(
        f"originals moved to the private prefix: {moved}; removed (sizes exist): {removed}; "
        f"of no photo, left: {left}"
    )


catalog_cli = AppGroup("catalog", help="Catalog upkeep.")


@catalog_cli.command("slugs")
def catalog_slugs():
    """Give every product that still has a placeholder address ("product-…") a readable one.

    The old address keeps working: it redirects (301) to the new one.
    """
    from .catalog import slugs

    changed = slugs.replace_all_placeholders()
    db.session.commit()
    click.echo(f"{changed} product address(es) made readable.")


@catalog_cli.command("listing")
@click.option("--check", is_flag=True, help="Only compare the listing and counts with the catalog.")
def catalog_listing(check):
    """Rebuild the storefront's listing and counts (catalog page, facets) and verify them.

    They are kept up at each catalog write; this is for after a bulk import that
    bypassed the app, or to prove they still match. Exits with status 1 when
    they differ (with --check) or still differ after the rebuild.
    """
    from .catalog import listing
    from .derived import check_or_rebuild

    check_or_rebuild(db.session, "listing", "catalog", listing.differences, listing.rebuild, check)


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.password_option(help="At least 12 characters; asked for when not given.")
def users_create_admin(email, name, password):
    """Create a platform admin (or promote an existing account) with a new password."""
    from .accounts.errors import AccountError
    from .accounts.service import create_admin

    try:
        user = create_admin(email, password, name)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"{user.email} is an admin; sign in at /account/sign-in.")


REPO_ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
TEMPLATE_PATH = TRANSLATIONS / "messages.pot"
LOCALES = ("th", "en")
# Beyond Babel's defaults (_, gettext, ngettext, pgettext …): Flask-Babel's lazy forms.
EXTRA_KEYWORDS = (
    "lazy_gettext",
    "_l",
    "lazy_ngettext:1,2",
    "lazy_pgettext:1c,2",
    "lazy_npgettext:1c,2,3",
)
COMMENT_TAGS = ("TRANSLATORS:",)
PO_WIDTH = 100
HEADER_COMMENT = """\
# Translations template for PROJECT.
# Copyright (C) YEAR ORGANIZATION
# This file is distributed under the same license as the PROJECT project.
#"""


@demo_cli.command("load")
@storage_errors_exit
def demo_load():
    """Fill an empty database with demo groups, products, lots, households and claims."""
    from .demo import DemoNotEmpty, load_demo

    try:
        summary = load_demo()
    except DemoNotEmpty:
        db.session.rollback()
        click.echo("The database already has producer groups; demo data was not loaded.")
        return
    db.session.commit()
    click.echo(
        "Demo data loaded: " + ", ".join(f"{count} {name}" for name, count in summary.items())
    )


# --- Translations -----------------------------------------------------------------------
# Msgids are the English text. th holds the Thai translation; en holds the English text
# again, so both catalogs are complete and English wording can change without new msgids.


def po_path(locale):
    """The .po catalog of a locale: marketplace/translations/<locale>/LC_MESSAGES/messages.po."""
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def extract_messages(root=REPO_ROOT, visited=None):
    """A template Catalog of every gettext string that babel.cfg maps, read in-process.

    `visited`, if given, is a list that receives (relative path, method) of every
    file the mapping sent to an extractor.
    """
    from babel.messages import frontend
    from babel.messages.catalog import Catalog
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

    parse_mapping = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    root = Path(root)
    with open(root / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping(handle, filename=str(root / "babel.cfg"))
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(frontend.parse_keywords(EXTRA_KEYWORDS))

    def record(filename, method, _options):
        if visited is not None:
            visited.append((Path(filename).as_posix(), method))

    catalog = Catalog(
        project="marketplace",
        version="0.1.0",
        copyright_holder="the marketplace contributors",
        header_comment=HEADER_COMMENT,
        charset="utf-8",
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map,
        options_map,
        keywords=keywords,
        comment_tags=COMMENT_TAGS,
        callback=record,
        strip_comment_tags=True,
    ):
        catalog.add(
            message,
            None,
            [(Path(filename).as_posix(), lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def read_catalog(path, locale=None):
    """A .po or .pot file as a Babel Catalog."""
    from babel.messages.pofile import read_po

    with open(path, "rb") as handle:
        return read_po(handle, locale=locale)


def write_catalog(catalog, path):
    """Write a .po/.pot file, dropping obsolete entries (git history keeps them)."""
    from babel.messages.pofile import write_po

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        write_po(handle, catalog, width=PO_WIDTH, ignore_obsolete=True, include_previous=True)


def merge_template(template, locale, existing=None):
    """The locale's catalog brought in line with `template`.

    New strings arrive untranslated (th) or copied from the msgid (en); strings
    whose English changed arrive fuzzy in th, for a translator to review.
    """
    from babel.messages.catalog import Catalog

    catalog = existing or Catalog(
        locale=locale,
        project=template.project,
        version=template.version,
        copyright_holder=template.copyright_holder,
        header_comment=HEADER_COMMENT,
        last_translator="the marketplace contributors",
        language_team={"th": "Thai", "en": "English"}.get(locale, locale),
        charset="utf-8",
        fuzzy=False,
    )
    # Catalog.update shares the template's new Message objects; work on a copy of it.
    catalog.update(copy.deepcopy(template))
    catalog.obsolete.clear()
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            # A new plural message arrives with two empty forms; Thai has one.
            forms = list(message.string)[: catalog.num_plurals]
            message.string = tuple(forms + [""] * (catalog.num_plurals - len(forms)))
        if locale == "en" and (message.fuzzy or not _translated(message)):
            message.string = message.id
            message.flags.discard("fuzzy")
            message.previous_id = []
    return catalog


def _translated(message):
    strings = message.string if isinstance(message.string, (tuple, list)) else [message.string]
    return all(strings)


def catalog_problems(template, catalog):
    """Msgids of `template` that `catalog` lacks, leaves empty or marks fuzzy, as text lines."""
    problems = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        label = message.id[0] if isinstance(message.id, tuple) else message.id
        if message.context:
            label = f"{message.context}|{label}"
        if found is None:
            problems.append(f"missing: {label!r}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {label!r}")
        elif not _translated(found):
            problems.append(f"untranslated: {label!r}")
    return problems


def compile_catalog(locale):
    """Write the .mo beside the locale's .po; fuzzy entries are left out, as msgfmt does."""
    from babel.messages.mofile import write_mo

    catalog = read_catalog(po_path(locale), locale=locale)
    errors = [f"{message.id!r}: {error}" for message, found in catalog.check() for error in found]
    if errors:
        raise click.ClickException(f"{locale} catalog has errors:\n" + "\n".join(errors))
    with open(po_path(locale).with_suffix(".mo"), "wb") as handle:
        write_mo(handle, catalog, use_fuzzy=False)
    return catalog


@translate_cli.command("extract", with_appcontext=False)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=TEMPLATE_PATH,
    show_default=True,
)
def translate_extract(output):
    """Collect every gettext string into the messages.pot template."""
    template = extract_messages()
    write_catalog(template, output)
    click.echo(f"{len(template)} messages extracted to {output}")


@translate_cli.command("update", with_appcontext=False)
def translate_update():
    """Extract, then bring the th and en catalogs in line and list what needs a translator."""
    template = extract_messages()
    write_catalog(template, TEMPLATE_PATH)
    click.echo(f"{len(template)} messages extracted to {TEMPLATE_PATH}")
    for locale in LOCALES:
        path = po_path(locale)
        existing = read_catalog(path, locale=locale) if path.exists() else None
        catalog = merge_template(template, locale, existing)
        write_catalog(catalog, path)
        problems = catalog_problems(template, catalog)
        click.echo(f"{locale}: {len(template) - len(problems)}/{len(template)} translated")
        for problem in problems:
            click.echo(f"  {problem}")


@translate_cli.command("compile", with_appcontext=False)
def translate_compile():
    """Compile the th and en catalogs to the .mo files the app reads."""
    for locale in LOCALES:
        catalog = compile_catalog(locale)
        done = sum(1 for m in catalog if m.id and not m.fuzzy and _translated(m))
        click.echo(f"{locale}: compiled {done} of {len(catalog)} messages")


def register(app):
    """Attach every command group to the app."""
    from fakestripe.cli import flask_command as fake_stripe_command

    from .catalog.search_cli import search_cli
    from .impact.cli import ledger_cli, report_cli
    from .mail.cli import mail_cli
    from .orders.cli import orders_cli

    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(storage_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(catalog_cli)
    app.cli.add_command(translate_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(orders_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(fake_stripe_command)  # a local fake Stripe for the demo and tests
