"""Fixtures for order tests: `fake_stripe`, a local fake of Stripe's API the app really calls.

    def test_pays(make, client, fake_stripe):
        order = make.order({variant: 1}, payment_method="stripe")
        url = payments.start_checkout(order)        # through the stripe library, over HTTP
        db.session.commit()
        fake_stripe.pay(fake_stripe.session_id(order))   # signed webhook into the app

The fake runs as a real HTTP server on a free port (STRIPE_API_BASE points at
it for the test). Its webhooks are not sent by itself: `pay`, `settle`,
`expire` and `deliver` post them, signed with the test config's secret,
through a Flask test client into POST /stripe/webhook, in the test's thread.
"""

import pytest

from fakestripe import FakeStripeServer
from fakestripe.events import headers, signed

WEBHOOK_PATH = "/stripe/webhook"


class FakeStripeFixture:
    """Handle on a running fake Stripe and the app it serves."""

    def __init__(self, server, app):
        self.server = server
        self.state = server.state
        self.url = server.url
        self.app = app
        self.client = app.test_client()
        self.secret = app.config["STRIPE_WEBHOOK_SECRET"]

    # -- what the fake holds --------------------------------------------------------------

    @property
    def sessions(self):
        """Checkout Sessions by id (Stripe's JSON shape)."""
        return self.state.sessions

    @property
    def refunds(self):
        """Refunds by id."""
        return self.state.refunds

    @property
    def events(self):
        """Every event the fake made, in order."""
        return self.state.events

    def session_id(self, order):
        """The id of the order's latest Checkout Session (from its Payment rows)."""
        ids = [p.stripe_session_id for p in order.payments if p.stripe_session_id]
        assert ids, f"order {order.reference} has no Stripe session"
        return ids[-1]

    # -- things that happen at Stripe, with their webhooks delivered ----------------------

    def pay(self, session_id, method="card"):
        """The buyer pays on the hosted page (card: paid; promptpay: completed unpaid).

        Returns the webhook responses.
        """
        return self.post_events(self.state.complete(session_id, method))

    def settle(self, session_id, succeed=True):
        """A PromptPay payment arrives (or fails); the webhook responses."""
        return self.post_events(self.state.settle(session_id, succeed))

    def expire(self, session_id):
        """Stripe expires the session; the webhook responses."""
        self.state.expire_session(session_id)
        return self.deliver()

    def deliver(self):
        """Post every event waiting in the fake's outbox; the webhook responses."""
        return self.post_events(self.state.take_outbox())

    def post_events(self, pending, times=1):
        """Post events (dicts) to the app, signed now; the responses."""
        responses = []
        for item in pending:
            for _ in range(times):
                responses.append(self.post(item))
        return responses

    def post(self, payload, timestamp=None, secret=None):
        """Post one webhook (an event dict, str or bytes) signed with the app's secret."""
        body, signature = signed(payload, secret or self.secret, timestamp)
        return self.client.post(WEBHOOK_PATH, data=body, headers=headers(signature))


@pytest.fixture
def fake_stripe(app, monkeypatch):
    """A fake Stripe on a free port; the app's STRIPE_API_BASE points at it for the test."""
    server = FakeStripeServer(api_key=app.config["STRIPE_SECRET_KEY"]).start()
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", server.url)
    # A test sees Stripe's first answer: no retries, no waiting between them.
    monkeypatch.setitem(app.config, "STRIPE_MAX_NETWORK_RETRIES", 0)
    try:
        yield FakeStripeFixture(server, app)
    finally:
        server.stop()
