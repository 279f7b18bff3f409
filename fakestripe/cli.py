"""The command line: `python -m fakestripe …` and `flask --app marketplace fake-stripe …`."""

import contextlib

import click
from flask.cli import with_appcontext

from .server import FakeStripeServer


def serve(host, port, webhook_url, webhook_secret, api_key, promptpay_delay, public_url):
    """Run the fake until interrupted."""
    server = FakeStripeServer(
        host=host,
        port=port,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        api_key=api_key,
        promptpay_delay=promptpay_delay,
        public_url=public_url,
    )
    click.echo(f"fake Stripe on {server.url} (set STRIPE_API_BASE={server.url})")
    click.echo(f"webhooks to {webhook_url or '(nowhere: kept in memory)'}")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


def options(function):
    """The options both commands share."""
    for option in reversed(
        [
            click.option("--host", default="127.0.0.1", show_default=True),
            click.option("--port", default=12111, show_default=True, type=int),
            click.option("--api-key", default=None, help="Accept only this secret key."),
            click.option(
                "--promptpay-delay",
                default=2.0,
                show_default=True,
                type=float,
                help="Seconds before a PromptPay payment succeeds (or fails).",
            ),
            click.option(
                "--public-url", default=None, help="Base URL of the hosted page, if not --host."
            ),
        ]
    ):
        function = option(function)
    return function


@click.command("fakestripe")
@options
@click.option("--webhook-url", default=None, help="Where to POST signed events.")
@click.option("--webhook-secret", default=None, help="The whsec_… secret to sign them with.")
def main(host, port, api_key, promptpay_delay, public_url, webhook_url, webhook_secret):
    """A local fake of Stripe's Checkout and Refund API, with a stand-in hosted page."""
    serve(host, port, webhook_url, webhook_secret, api_key, promptpay_delay, public_url)


@click.command("fake-stripe")
@with_appcontext
@options
@click.option(
    "--webhook-url",
    default=None,
    help="Where to POST signed events [default: PUBLIC_BASE_URL/stripe/webhook].",
)
@click.option("--webhook-secret", default=None, help="[default: the app's STRIPE_WEBHOOK_SECRET]")
def flask_command(host, port, api_key, promptpay_delay, public_url, webhook_url, webhook_secret):
    """Run a local fake Stripe for this app (set STRIPE_API_BASE to its URL)."""
    from flask import current_app

    config = current_app.config
    webhook_url = webhook_url or config["PUBLIC_BASE_URL"].rstrip("/") + "/stripe/webhook"
    webhook_secret = webhook_secret or config.get("STRIPE_WEBHOOK_SECRET")
    if not webhook_secret:
        raise click.UsageError("set STRIPE_WEBHOOK_SECRET or pass --webhook-secret")
    serve(host, port, webhook_url, webhook_secret, api_key, promptpay_delay, public_url)
