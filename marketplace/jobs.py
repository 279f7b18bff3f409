"""Work done outside the request: RQ on Redis when REDIS_URL is set, else in the process.

Callers name a task from `TASKS` with `run_after_commit(name, *args)`: nothing is
queued before the transaction that asked for it commits, and a rollback drops it.
Then:

- with REDIS_URL set, the task goes to the RQ queue (`flask jobs worker` runs it,
  with retries and a growing wait; the jobs that still fail are listed for admins
  at /admin/jobs, where they can be run again). If Redis does not answer, the task
  runs in this process instead and a warning is logged: nothing is lost.
- without it, the task runs in this process once the response has gone out (or at
  once outside a request), so the one-command demo needs no worker.

`flask jobs scheduler` puts the periodic tasks (`PERIODIC`) on the queue: the
order-expiry sweep, the outbox's pass over mail that is due, and the pass over
photos whose sizes job was lost. RQ was chosen over
a PostgreSQL queue because Redis also holds the shared rate limits, and the
SQLite demo keeps running everything in-process.
"""

import contextlib
import logging
import signal
import time

from flask import after_this_request, current_app, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)

QUEUE_NAME = "marketplace"
RETRY_INTERVALS = (10, 60, 300, 900, 3600)  # seconds before each new try of a failed job
_PENDING = "jobs_pending"  # session.info key: tasks asked for in the open transaction
_APP = None  # the worker's app, set by `flask jobs worker`


# -- the tasks ------------------------------------------------------------------------------


def expire_orders():
    """Close unpaid orders whose hold has run out and give their stock back; then expire
    the Stripe pages of closed orders whose expiry failed before (the count of orders)."""
    from .orders.payments import retry_session_expiries
    from .orders.service import sweep_expired

    closed = sweep_expired()
    retry_session_expiries()
    return closed


def deliver_mail(mail_ids):
    """Send these outbox mails (those still due); the outbox records each outcome."""
    from .mail import outbox

    return outbox.deliver_ids(mail_ids).sent


def send_due_mail():
    """One pass over the outbox: new mail nobody sent, and retries whose wait is over."""
    from .mail import outbox

    return outbox.send_due().sent


def photo_sizes(image_id):
    """Store a product photo's sizes from its cleaned original; the photo shows from then on."""
    from .catalog.images import make_sizes

    return make_sizes(image_id)


def finish_stuck_photos():
    """Make the sizes of photos whose photo_sizes job was lost (the periodic pass)."""
    from .catalog.images import finish_stuck_photos as finish

    return finish()


def expire_stripe_sessions(session_ids):
    """Close the Stripe checkout pages of orders that closed, so nobody pays for them."""
    from .orders.payments import expire_sessions

    return expire_sessions(session_ids)


def area_export(export_id):
    """Write an area export's file (household rows) into the file store."""
    from .impact.export_jobs import run

    return run(export_id)


def expire_exports():
    """Remove export files older than EXPORT_KEEP_DAYS and mark their exports expired."""
    from .impact.export_jobs import expire_exports as expire

    return expire()


TASKS = {
    "area_export": area_export,
    "expire_exports": expire_exports,
    "expire_orders": expire_orders,
    "deliver_mail": deliver_mail,
    "send_due_mail": send_due_mail,
    "photo_sizes": photo_sizes,
    "finish_stuck_photos": finish_stuck_photos,
    "expire_stripe_sessions": expire_stripe_sessions,
}

# What each task does, in words, for the admin Jobs page.
TASK_LABELS = {
    "area_export": _l("Write an area report export (household rows) for download"),
    "expire_exports": _l("Remove export files older than the days they are kept"),
    "expire_orders": _l("Close unpaid orders whose hold ran out and give their stock back"),
    "deliver_mail": _l("Send mail from the outbox"),
    "send_due_mail": _l("Send outbox mail that is due, retries included"),
    "photo_sizes": _l("Make the sizes of an uploaded product photo"),
    "finish_stuck_photos": _l("Make the sizes of photos still waiting long after their upload"),
    "expire_stripe_sessions": _l("Close the card payment pages of orders that were closed"),
}

# name → the config key of its time limit in a worker (seconds); others get RQ's 180 s.
# The export of every province writes about 235,000 rows at registry scale: minutes.
TIMEOUTS = {"area_export": "EXPORT_JOB_TIMEOUT"}

# name → seconds between runs, for `flask jobs scheduler`.
PERIODIC = {
    "expire_orders": 300,
    "send_due_mail": 60,
    "finish_stuck_photos": 600,
    "expire_exports": 3600,
}


def register_task(name, function, every=None):
    """Add a task (and, with `every` seconds, a periodic run of it) to the registry."""
    TASKS[name] = function
    if every:
        PERIODIC[name] = every


def run_task(name, *args):
    """Run a task by name inside an app context (the worker's entry point for every job)."""
    function = TASKS[name]
    if _APP is None:
        return function(*args)
    with _APP.app_context():
        try:
            return function(*args)
        finally:
            db.session.remove()


# -- the queue ------------------------------------------------------------------------------


def redis_connection(app=None):
    """A Redis client for the queue, or None when REDIS_URL is not set."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    extension = app.extensions.setdefault("jobs", {})
    if "redis" not in extension:
        from redis import Redis

        extension["redis"] = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    return extension["redis"]


def queue(app=None):
    """The RQ queue, or None when no Redis is configured."""
    connection = redis_connection(app)
    if connection is None:
        return None
    from rq import Queue

    return Queue((app or current_app).config.get("JOBS_QUEUE", QUEUE_NAME), connection=connection)


def try_enqueue(name, *args):
    """Put a task on the queue; the job, or None when there is no queue or Redis is down."""
    if name not in TASKS:
        raise KeyError(name)
    jobs = queue()
    if jobs is None:
        return None
    from redis.exceptions import RedisError
    from rq import Retry

    try:
        return jobs.enqueue(
            run_task,
            name,
            *args,
            retry=Retry(max=len(RETRY_INTERVALS), interval=list(RETRY_INTERVALS)),
            description=name,
            job_timeout=_timeout(name),
            failure_ttl=30 * 24 * 3600,
        )
    except RedisError:
        log.warning("Redis did not answer: task %s runs in this process", name, exc_info=True)
        return None


def _timeout(name):
    """The task's time limit in a worker (seconds), or None for RQ's default."""
    key = TIMEOUTS.get(name)
    return int(current_app.config[key]) if key and current_app.config.get(key) else None


def enqueue(name, *args):
    """Put a task on the queue now; run it here when there is no queue or Redis is down."""
    job = try_enqueue(name, *args)
    if job is not None:
        return job
    try:
        TASKS[name](*args)
    except Exception:
        # The task's own records (the outbox row, the order) keep what is left to do,
        # and the periodic pass takes it up again.
        log.exception("Task %s failed in this process", name)
    return None


def run_after_commit(name, *args, session=None):
    """Ask for a task to run once the current transaction commits (never on rollback).

    `session` is the app's (db.session) unless given, e.g. by a commit hook.
    """
    if name not in TASKS:
        raise KeyError(name)
    session = session if session is not None else db.session()
    session.connection()  # begin the transaction, so its rollback drops the task too
    session.info.setdefault(_PENDING, []).append((name, args))


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    app = current_app._get_current_object()
    if has_request_context() and not app.config.get("REDIS_URL"):
        # No queue: do the work once the response has gone to the visitor.
        def run_later(response):
            response.call_on_close(lambda: _run_all(app, pending))
            return response

        after_this_request(run_later)
        return
    _run_all(app, pending)


def _run_all(app, pending):
    with app.app_context():
        for name, args in pending:
            enqueue(name, *args)
        db.session.remove()


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


# -- failed jobs, for admins ----------------------------------------------------------------


def failed_jobs(limit=100):
    """The jobs that failed every try, newest first: (id, task, args, ended_at, error)."""
    jobs = queue()
    if jobs is None:
        return []
    from rq.job import Job

    registry = jobs.failed_job_registry
    ids = registry.get_job_ids()[-limit:]
    rows = []
    for job in Job.fetch_many(ids, connection=jobs.connection):
        if job is None:
            continue
        error = (job.latest_result().exc_string if job.latest_result() else "") or ""
        rows.append(
            {
                "id": job.id,
                "task": job.args[0] if job.args else job.func_name,
                "args": job.args[1:],
                "ended_at": job.ended_at,
                "error": error.strip().splitlines()[-1] if error.strip() else "",
            }
        )
    rows.sort(key=lambda row: row["ended_at"] or 0, reverse=True)
    return rows


def retry_failed(job_id):
    """Put a failed job back on the queue; False when there is no such failed job."""
    jobs = queue()
    if jobs is None:
        return False
    registry = jobs.failed_job_registry
    if job_id not in registry.get_job_ids():
        return False
    registry.requeue(job_id)
    return True


# -- the worker and the scheduler -----------------------------------------------------------


def run_worker(app, burst=False):
    """Run an RQ worker on the queue until stopped (or, with `burst`, until it is empty).

    A SimpleWorker runs each job in this process, inside the app's context, so the
    app and its connection pools are built once rather than per job.
    """
    global _APP
    from rq import SimpleWorker

    jobs = queue(app)
    if jobs is None:
        raise RuntimeError("Set REDIS_URL to run a job worker.")
    _APP = app
    worker = SimpleWorker([jobs], connection=jobs.connection)
    return worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")


SCHEDULER_RETRY_SECONDS = 5  # wait before trying Redis again when it did not answer


def run_scheduler(app):
    """Put each periodic task on the queue at its interval, until SIGTERM or SIGINT."""
    jobs = queue(app)
    if jobs is None:
        raise RuntimeError("Set REDIS_URL to run the scheduler.")
    scheduler = _scheduler_class()(connection=jobs.connection, logging_level="WARNING")
    for name, seconds in PERIODIC.items():
        scheduler.register(run_task, jobs.name, args=(name,), interval=seconds, name=name)
    scheduler.start()
    return scheduler


class _WakeUp(Exception):
    """Raised by the signal handler, only while the scheduler sleeps between ticks."""


def _scheduler_class():
    from redis.exceptions import RedisError
    from rq.cron import CronScheduler

    class Scheduler(CronScheduler):
        """RQ's CronScheduler, stopping cleanly and riding out a Redis outage.

        RQ's own loop raises out of the signal handler wherever it lands, even in the
        middle of queueing a job, and ends on the first Redis error. Here a tick (queue
        what is due, save, heartbeat) always finishes: SIGTERM or SIGINT during a tick
        stops the loop after it, during the sleep at once, and `start` returns, so the
        command exits 0 after logging why. A Redis error is logged once per outage, and
        the tick tried again every SCHEDULER_RETRY_SECONDS until Redis answers.
        """

        stop_signal = None
        _sleeping = False

        def _request_stop(self, signum, frame):
            self.stop_signal = signum  # no logging in a signal handler: after the loop
            if self._sleeping:
                raise _WakeUp

        def start(self):
            self._install_signal_handlers()
            registered = redis_down = False
            while self.stop_signal is None:
                try:
                    if not registered:
                        self.register_birth()
                        registered = True
                    if self.enqueue_jobs():
                        self.save()
                    self.heartbeat()
                    wait = self.calculate_sleep_interval()
                    if redis_down:
                        log.warning("Scheduler: Redis answers again")
                        redis_down = False
                except RedisError:
                    if not redis_down:
                        log.warning(
                            "Scheduler: Redis did not answer; trying again every %s s",
                            SCHEDULER_RETRY_SECONDS,
                            exc_info=True,
                        )
                        redis_down = True
                    wait = SCHEDULER_RETRY_SECONDS
                with contextlib.suppress(_WakeUp):  # a second signal, as the sleep ended
                    self._sleep(wait)
            name = signal.Signals(self.stop_signal).name
            log.warning("Scheduler: %s received, stopped between ticks", name)
            if registered:
                with contextlib.suppress(RedisError):
                    self.register_death()

        def _sleep(self, seconds):
            self._sleeping = True
            try:
                if self.stop_signal is None and seconds > 0:
                    time.sleep(seconds)
            except _WakeUp:
                pass
            finally:
                self._sleeping = False

    return Scheduler
