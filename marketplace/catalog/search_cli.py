"""`flask --app marketplace search …`: rebuild the index, index what is queued, show its state."""

import time

import click
from flask.cli import AppGroup

from . import search

search_cli = AppGroup("search", help="The product search index.")


@search_cli.command("rebuild")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for the lock.")
def rebuild_command(timeout):
    """Index every visible product anew while the site serves (built aside, then swapped in)."""
    started = time.monotonic()
    with click.progressbar(length=1, label="Indexing products", show_pos=True) as bar:

        def progress(done, total):
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        options = {"timeout": timeout} if search.backend_name() == "whoosh" else {}
        count = search.rebuild(progress=progress, **options)
    elapsed = time.monotonic() - started
    click.echo(f"Indexed {count} products in {elapsed:.1f} s into {search.describe()}.")


@search_cli.command("sync")
def sync_command():
    """Index the products queued while the index was locked."""
    done = search.sync_pending()
    click.echo(f"Indexed {done} queued products; {search.pending_count()} still queued.")


@search_cli.command("status")
def status_command():
    """Documents in the index and entries waiting in the queue."""
    click.echo(f"Index: {search.describe()}")
    click.echo(f"Documents: {search.doc_count()}")
    click.echo(f"Queued: {search.pending_count()}")
