"""Flask-Limiter with a short, capped, logged wait before a dead shared store is tried again.

When the rate-limit store (Redis) fails, Flask-Limiter counts in each worker's memory
(RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) and, on later limited requests, checks the
store again after 1, 2, 4, 8, 16 and 32 s, then from 1 s again: a worker could go on
counting alone for half a minute after Redis was back, and failed checks log nothing.
Here the first check comes RATELIMIT_RETRY_SECONDS (1 s) after the failure, each
failed one doubles the wait up to RATELIMIT_RETRY_MAX_SECONDS (10 s), and the outage
is logged once when it starts (with that schedule) and once when the store answers
again, with how long it lasted. A check happens only within a request that a limit
applies to, and costs at most the store's socket timeout (0.5 s, config.py).

The wait replaces Flask-Limiter's private `__should_check_backend`; the tests check
that the method is still there, so an upgrade that renames it fails loudly.
"""

import logging
import time

from flask_limiter import Limiter

log = logging.getLogger(__name__)


class SharedStoreLimiter(Limiter):
    """A Limiter whose fallback to memory tries the shared store again sooner, and says so."""

    clock = staticmethod(time.monotonic)
    retry_seconds = 1.0
    retry_max_seconds = 10.0
    _dead = False
    _outage_started = None
    _next_check = 0.0
    _wait = 0.0

    def init_app(self, app):
        self.retry_seconds = float(app.config.get("RATELIMIT_RETRY_SECONDS", 1))
        self.retry_max_seconds = float(app.config.get("RATELIMIT_RETRY_MAX_SECONDS", 10))
        super().init_app(app)
        self._storage_dead = False  # a new store: whatever the previous app's did is past

    @property
    def _storage_dead(self):
        return self._dead

    @_storage_dead.setter
    def _storage_dead(self, dead):
        # Flask-Limiter sets this when the store fails (True) and when a check finds it
        # answering again (False): the outage's start and end.
        if dead and not self._dead:
            now = self.clock()
            self._outage_started = now
            self._wait = self.retry_seconds
            self._next_check = now + self._wait
            log.warning(
                "Rate-limit store did not answer: counting in this worker's memory; "
                "trying it again in %g s, then at most every %g s",
                self.retry_seconds,
                self.retry_max_seconds,
            )
        elif not dead and self._dead and self._outage_started is not None:
            log.warning(
                "Rate-limit store answers again after %.1f s: counting there again",
                self.clock() - self._outage_started,
            )
            self._outage_started = None
        self._dead = bool(dead)

    def _Limiter__should_check_backend(self):  # noqa: N802  (Flask-Limiter's private name)
        """Whether to try the dead store now; each failed try doubles the wait, capped."""
        now = self.clock()
        if now < self._next_check:
            return False
        self._wait = min(self._wait * 2, self.retry_max_seconds)
        self._next_check = now + self._wait
        return True
