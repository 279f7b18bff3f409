"""Run a `flask` command the moment a file appears, with the app already loaded.

Loading the app takes seconds on a busy machine, and unevenly, so two commands started
together rarely run together. This loads it first (the imports stay loaded), says so
by creating READY, waits for GO (60 s at most, or AT_SIGNAL_TIMEOUT seconds), then runs
the real command line.
Usage: python -m tests.deploy.at_signal READY GO flask-args…
"""

import os
import sys
import time
from pathlib import Path

from flask.cli import main as flask_main

from marketplace import create_app


def run(ready, go, args, timeout=60):
    create_app()
    Path(ready).touch()
    deadline = time.monotonic() + timeout
    while not Path(go).exists():
        if time.monotonic() > deadline:
            sys.exit(f"no {go} within {timeout} s")
        time.sleep(0.005)
    sys.argv = ["flask", "--app", "marketplace", *args]
    flask_main()


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], sys.argv[3:], float(os.environ.get("AT_SIGNAL_TIMEOUT") or 60))
