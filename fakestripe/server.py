"""The fake as a real HTTP server in a background thread (tests, browser tests, benchmarks)."""

import threading

from werkzeug.serving import make_server

from .app import create_app


class FakeStripeServer:
    """A running fake Stripe: `url` for STRIPE_API_BASE, `state` for its sessions and events.

    `port=0` picks a free port. Use as a context manager, or `start()` / `stop()`.
    """

    def __init__(self, host="127.0.0.1", port=0, **app_options):
        self.app = create_app(**app_options)
        self.state = self.app.extensions["fakestripe"]
        self._server = make_server(host, port, self.app, threaded=True)
        self.host = host
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = None

    def start(self):
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fakestripe", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        """Stop serving and cancel pending PromptPay settlements."""
        self.state.stop_timers()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self):
        """Serve in this thread until interrupted (the command line)."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
