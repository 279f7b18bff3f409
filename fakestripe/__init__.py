"""A local fake of the parts of Stripe's HTTP API the marketplace uses.

Tests, the demo and the browser tests point `STRIPE_API_BASE` at it; the app
talks to it through the real `stripe` library, exactly as it would to Stripe.
In-memory and thread-safe; see `app.py` for the routes, `state.py` for the
behaviour, `events.py` for building and signing webhook events.

    python -m fakestripe --port 12111 \\
        --webhook-url http://127.0.0.1:5000/stripe/webhook --webhook-secret whsec_…
    flask --app marketplace fake-stripe --port 12111   # secret and URL from the app's config
"""

from .app import create_app
from .events import event, signed
from .server import FakeStripeServer
from .state import FakeStripe, StripeFakeError

__all__ = ["FakeStripe", "FakeStripeServer", "StripeFakeError", "create_app", "event", "signed"]
