"""Closing the Stripe pages of closed orders: the expire_stripe_sessions job, here or on RQ."""

import logging
import socket
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from marketplace import jobs
from marketplace.models import OrderStatus, Payment
from marketplace.orders import payments, service


def _open_session(make, fake_stripe, db):
    """A Stripe order whose Checkout page is open at the fake; (order, session id)."""
    product = make.product(stock=10, price_satang=12000)
    order = make.order({product.variants[0]: 1}, payment_method="stripe")
    payments.start_checkout(order)
    db.session.commit()
    session_id = fake_stripe.session_id(order)
    assert fake_stripe.sessions[session_id]["status"] == "open"
    return order, session_id


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_without_a_queue_the_page_closes_after_the_response(app, make, fake_stripe, db):
    order, session_id = _open_session(make, fake_stripe, db)
    with app.test_request_context("/"):
        service.cancel_order(order)
        db.session.commit()
        response = app.process_response(app.make_response("ok"))
        assert fake_stripe.sessions[session_id]["status"] == "open"  # not inside the request
        response.close()
    assert fake_stripe.sessions[session_id]["status"] == "expired"
    assert order.status == OrderStatus.CANCELLED


def test_with_redis_a_worker_closes_the_page(app, make, fake_stripe, db, redis_queue):
    order, session_id = _open_session(make, fake_stripe, db)
    service.cancel_order(order)
    db.session.commit()
    assert redis_queue.count == 1
    assert fake_stripe.sessions[session_id]["status"] == "open"
    jobs.run_worker(app, burst=True)
    assert fake_stripe.sessions[session_id]["status"] == "expired"
    assert redis_queue.count == 0 and jobs.failed_jobs() == []


def test_a_rolled_back_close_queues_nothing(make, fake_stripe, db, redis_queue):
    order, session_id = _open_session(make, fake_stripe, db)
    service.cancel_order(order)
    db.session.rollback()
    db.session.commit()
    assert redis_queue.count == 0
    assert fake_stripe.sessions[session_id]["status"] == "open"


def test_stripe_failing_makes_the_job_try_again_and_shows_it_to_admins(
    app, make, fake_stripe, db, redis_queue, client, auth, make_user, monkeypatch
):
    monkeypatch.setattr(jobs, "RETRY_INTERVALS", (0,))  # one retry, at once
    order, session_id = _open_session(make, fake_stripe, db)
    service.cancel_order(order)
    db.session.commit()
    with monkeypatch.context() as down:
        down.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{_closed_port()}")
        jobs.run_worker(app, burst=True)  # the first try and its retry both fail
    (failed,) = jobs.failed_jobs()
    assert failed["task"] == "expire_stripe_sessions"
    assert failed["args"] == ([session_id],)
    assert "SessionsNotExpired" in failed["error"] and session_id in failed["error"]
    assert fake_stripe.sessions[session_id]["status"] == "open"

    make_user("admin@example.com", admin=True, locale="en")
    db.session.commit()
    auth.login("admin@example.com")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Close the card payment pages of orders that were closed" in page

    assert jobs.retry_failed(failed["id"])  # Stripe answers again
    jobs.run_worker(app, burst=True)
    assert jobs.failed_jobs() == []
    assert fake_stripe.sessions[session_id]["status"] == "expired"


def test_the_task_raises_only_when_stripe_fails(app, make, fake_stripe, db, caplog, monkeypatch):
    _, paid_elsewhere = _open_session(make, fake_stripe, db)
    _, open_one = _open_session(make, fake_stripe, db)
    fake_stripe.state.expire_session(paid_elsewhere)  # closed at Stripe already
    with caplog.at_level(logging.WARNING, logger="marketplace.orders.payments"):
        # A session Stripe refuses is logged and left: asking again would not help.
        assert payments.expire_sessions([paid_elsewhere, open_one, open_one]) == 1
    assert "could not expire Stripe session " + paid_elsewhere in caplog.text
    assert fake_stripe.sessions[open_one]["status"] == "expired"
    # Running the same job again (a retry, or a second worker) changes nothing and passes.
    assert payments.expire_sessions([paid_elsewhere, open_one]) == 0
    _, third = _open_session(make, fake_stripe, db)
    with monkeypatch.context() as down, pytest.raises(payments.SessionsNotExpired):
        down.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{_closed_port()}")
        payments.expire_sessions([third])
    assert fake_stripe.sessions[third]["status"] == "open"


def _marked(db, session_id):
    db.session.expire_all()
    return db.session.scalar(
        select(Payment.stripe_expiry_due_at).where(Payment.stripe_session_id == session_id)
    )


def test_without_a_queue_a_stripe_failure_is_retried_by_the_sweep(
    app, make, fake_stripe, db, runner, caplog, monkeypatch
):
    order, session_id = _open_session(make, fake_stripe, db)
    with monkeypatch.context() as down:
        down.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{_closed_port()}")
        with app.test_request_context("/"), caplog.at_level(logging.WARNING):
            service.cancel_order(order)
            db.session.commit()
            app.process_response(app.make_response("ok")).close()  # the job runs, and fails
        assert "Task expire_stripe_sessions failed" in caplog.text
        assert fake_stripe.sessions[session_id]["status"] == "open"
        assert _marked(db, session_id) is not None  # kept: the sweep tries again
        # A sweep while Stripe is still down changes nothing and fails nothing.
        later = datetime.now(UTC) + payments.EXPIRY_RETRY_AFTER * 2
        assert payments.retry_session_expiries(now=later) == 0
        assert _marked(db, session_id) is not None

    # Too recent: the sweep leaves the session to its own job for a minute.
    assert payments.retry_session_expiries() == 0
    assert fake_stripe.sessions[session_id]["status"] == "open"
    db.session.execute(
        update(Payment)
        .where(Payment.stripe_session_id == session_id)
        .values(stripe_expiry_due_at=datetime.now(UTC) - payments.EXPIRY_RETRY_AFTER * 2)
    )
    db.session.commit()
    result = runner.invoke(args=["orders", "expire"])  # Stripe answers again
    assert result.exit_code == 0, result.output
    assert "closed 1 Stripe page(s) of closed orders on a new try" in result.output
    assert fake_stripe.sessions[session_id]["status"] == "expired"
    assert _marked(db, session_id) is None
    again = runner.invoke(args=["jobs", "run", "expire_orders"])
    assert again.exit_code == 0 and fake_stripe.sessions[session_id]["status"] == "expired"


def test_the_mark_goes_once_stripe_answered_and_never_without_a_close(
    app, make, fake_stripe, db, redis_queue
):
    order, session_id = _open_session(make, fake_stripe, db)
    assert _marked(db, session_id) is None  # an open order: nothing to expire
    service.cancel_order(order)
    db.session.commit()
    assert _marked(db, session_id) is not None
    jobs.run_worker(app, burst=True)
    assert fake_stripe.sessions[session_id]["status"] == "expired"
    assert _marked(db, session_id) is None
    # A session Stripe refuses (expired already) is not asked again either.
    other, other_id = _open_session(make, fake_stripe, db)
    fake_stripe.state.expire_session(other_id)
    service.cancel_order(other)
    db.session.commit()
    jobs.run_worker(app, burst=True)
    assert _marked(db, other_id) is None and jobs.failed_jobs() == []
