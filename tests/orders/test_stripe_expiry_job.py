"""Closing the Stripe pages of closed orders: the expire_stripe_sessions job, here or on RQ."""

import logging
import socket

import pytest

from marketplace import jobs
from marketplace.models import OrderStatus
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
