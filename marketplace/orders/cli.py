"""`flask orders …`: the expiry sweep that gives back stock of unpaid orders."""

import click
from flask.cli import AppGroup

from . import service

orders_cli = AppGroup("orders", help="Orders: expire unpaid orders whose hold ran out.")


@orders_cli.command("expire")
def orders_expire():
    """Close unpaid orders past their hold and give their stock back.

    Run it every few minutes (cron, a systemd timer): stock comes back even if
    no webhook ever arrives. Pages that show an order also close it on sight.
    Then the Stripe pages of closed orders that Stripe did not close when asked
    (it was down) are asked again.
    """
    from .payments import retry_session_expiries

    closed = service.sweep_expired()
    click.echo(f"expired {closed} unpaid order(s)")
    pages = retry_session_expiries()
    if pages:
        click.echo(f"closed {pages} Stripe page(s) of closed orders on a new try")
