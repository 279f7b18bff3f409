"""Fixtures for the browser journeys: Debian's chromium and the app served from a thread.

Without /usr/bin/chromium the journeys are skipped locally and fail on CI
(where CI is set), so a missing browser is never silently green.
"""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Launch Debian's chromium headless, quietly, without the sandbox (containers)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install it with `apt-get install chromium`"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return {
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def live_server(app):
    """The session app served from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def base_url(live_server):
    """Pages open relative to the live server.

    Overriding this also keeps pytest-playwright 0.10's fallback `base_url`
    (a session fixture defined as an instance method) from being used: pytest 9
    warns about it with PytestRemovedIn10Warning, an error under our filters.
    """
    return live_server
