"""`flask mail …`: the outbox's sender (one pass or a loop) and a summary of what waits."""

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..models.mail import MailStatus
from . import outbox

mail_cli = AppGroup("mail", help="The mail outbox: send what is due, see what waits.")


def _echo_report(report):
    click.echo(f"sent {report.sent}, to retry {report.retrying}, failed for good {report.failed}")


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running: send what is due every --interval.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=15.0,
    show_default=True,
    help="Seconds between passes with --loop.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1, max=1000),
    default=50,
    show_default=True,
    help="Mails claimed at a time.",
)
@click.option(
    "--release-held",
    is_flag=True,
    help="First make mails held while no MAIL_SERVER was set due now.",
)
def mail_send(loop, interval, limit, release_held):
    """Send every mail that is due: new ones not sent after their commit, and retries.

    Safe to run on several hosts at once: each mail is claimed by one sender.
    Run one pass from cron, or keep one `--loop` running (stops on SIGTERM or Ctrl-C).
    """
    if not current_app.config.get("MAIL_SERVER"):
        held = outbox.status_counts()[MailStatus.HELD]
        raise click.ClickException(
            f"No MAIL_SERVER is set: nothing can be sent. {held} mail(s) are held in the "
            "outbox; admins read them at /admin/outbox."
        )
    if release_held:
        released = outbox.release_held()
        db.session.commit()
        click.echo(f"released {released} held mail(s)")
    if not loop:
        _echo_report(outbox.send_due(limit=limit))
        return
    stop = threading.Event()

    def _stop(_signum, _frame):
        stop.set()

    previous = signal.signal(signal.SIGTERM, _stop)
    click.echo(f"sending mail every {interval:g} s; SIGTERM or Ctrl-C stops")
    try:
        outbox.run_worker(interval=interval, stop=stop, limit=limit, echo=_echo_report)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo("stopped")


@mail_cli.command("status")
def mail_status():
    """How many mails stand in each status."""
    counts = outbox.status_counts()
    for status in MailStatus.ALL:
        click.echo(f"{status:8} {counts[status]}")
