"""`flask --app marketplace search …`: rebuild the index, index what is queued, show its state."""

import click
from flask.cli import AppGroup

from . import search

search_cli = AppGroup("search", help="The product search index.")


@search_cli.command("rebuild")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for the lock.")
def rebuild_command(timeout):
    """Index every visible product from scratch (also repairs a damaged index)."""
    count = search.rebuild(timeout=timeout)
    click.echo(f"Indexed {count} products into {search.index_folder()}.")


@search_cli.command("sync")
def sync_command():
    """Index the products queued while the index was locked."""
    done = search.sync_pending()
    click.echo(f"Indexed {done} queued products; {search.pending_count()} still queued.")


@search_cli.command("status")
def status_command():
    """Documents in the index and entries waiting in the queue."""
    click.echo(f"Index: {search.index_folder()} ({search.INDEX_NAME})")
    click.echo(f"Documents: {search.doc_count()}")
    click.echo(f"Queued: {search.pending_count()}")
