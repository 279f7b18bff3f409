"""`flask --app marketplace …` commands; each calls the same domain functions the views use."""

import click
from flask.cli import AppGroup

from .extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying the marketplace.")


@demo_cli.command("load")
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
        "Demo data loaded: "
        + ", ".join(f"{count} {name}" for name, count in summary.items())
    )


def register(app):
    """Attach every command group to the app."""
    app.cli.add_command(demo_cli)
