"""The admin Outbox pages: admins read every mail with its links; nobody else gets in."""

import re

import pytest
from sqlalchemy import select

from marketplace.mail import queue_mail
from marketplace.models import OutboxMail
from marketplace.models.mail import MailStatus

from ..accounts.helpers import post_form, token_of

INVITE_LINK = "http://127.0.0.1:5000/account/invitation/abc.def"


@pytest.fixture
def mails(db):
    held = queue_mail(
        "leader@example.com",
        "You are invited to Hom Phaendin",
        f"To choose your password open:\n{INVITE_LINK}\n\n<b>not markup</b>",
        kind="invitation",
    )
    failed = queue_mail("buyer@example.com", "Order A1 paid", "Body", kind="order_paid")
    failed.status, failed.attempts, failed.last_error = MailStatus.FAILED, 12, "421 4.7.0 busy"
    failed.next_attempt_at = None
    db.session.commit()
    return {"held": held.id, "failed": failed.id}


class OutboxMailQuery:
    """The mails of the fixture, read afresh."""

    @staticmethod
    def all(mails):
        from marketplace.extensions import db

        db.session.expire_all()
        return [db.session.get(OutboxMail, mail_id) for mail_id in mails.values()]


def _status(db, mail_id):
    db.session.expire_all()
    return db.session.get(OutboxMail, mail_id).status


def test_an_admin_reads_a_held_invitation_with_its_link(client, admin, mails):
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "You are invited to Hom Phaendin" in html and "Order A1 paid" in html
    assert "No mail server is set" in html
    assert "421 4.7.0 busy" in html and "12 attempts" in html
    response = client.get(f"/admin/outbox/{mails['held']}")
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert f'<a href="{INVITE_LINK}" rel="noreferrer">{INVITE_LINK}</a>' in html
    assert "&lt;b&gt;not markup&lt;/b&gt;" in html
    assert "leader@example.com" in html and "Invitation" in html


def test_the_list_filters_by_status_and_recipient(client, admin, mails):
    html = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "Order A1 paid" in html and "Hom Phaendin" not in html
    html = client.get("/admin/outbox?q=LEADER@").get_data(as_text=True)
    assert "Hom Phaendin" in html and "Order A1 paid" not in html
    html = client.get("/admin/outbox?q=%25").get_data(as_text=True)  # % is a character
    assert "No mails here." in html


@pytest.mark.parametrize(
    "query", ["status=nonsense", "status=%00", "page=-3", "page=abc", "q=" + "x" * 500]
)
def test_odd_filters_answer_the_page_without_changing_anything(client, admin, mails, query):
    # A NUL anywhere in a query string is refused app-wide with a 400 and a message.
    expected = 400 if "%00" in query else 200
    assert client.get("/admin/outbox?" + query).status_code == expected
    assert {m.status for m in OutboxMailQuery.all(mails)} == {"held", "failed"}


def test_unknown_and_impossible_mails_are_404(client, admin, mails):
    assert client.get("/admin/outbox/999999").status_code == 404
    assert client.get(f"/admin/outbox/{2**40}").status_code == 404
    assert client.get("/admin/outbox/abc").status_code == 404


def test_with_a_mail_server_an_admin_sends_a_failed_mail_again(
    app, client, admin, mails, db, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_COMMIT", False)  # the sender's job here
    page = f"/admin/outbox/{mails['failed']}"
    assert "Send again" in client.get(page).get_data(as_text=True)
    response = post_form(client, page + "/send", {}, page=page)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(page)
    db.session.expire_all()
    mail = db.session.get(OutboxMail, mails["failed"])
    assert (mail.status, mail.attempts, mail.last_error) == ("pending", 0, "421 4.7.0 busy")
    # Pending, not yet due: "Send now" still offered; sent mails are not.
    mail.status = MailStatus.SENT
    db.session.commit()
    assert "Send again" not in client.get(page).get_data(as_text=True)
    token = token_of(client, "/admin/outbox")
    client.post(page + "/send", data={"csrf_token": token})
    assert _status(db, mails["failed"]) == MailStatus.SENT


def test_without_a_mail_server_nothing_is_sent_again(client, admin, mails, db):
    page = f"/admin/outbox/{mails['failed']}"
    assert "Send again" not in client.get(page).get_data(as_text=True)
    response = post_form(client, page + "/send", {}, page=page)
    assert response.status_code == 303
    assert "No mail server is set" in client.get(page).get_data(as_text=True)
    assert _status(db, mails["failed"]) == MailStatus.FAILED


def test_sending_again_needs_the_csrf_token(app, client, admin, mails, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    response = client.post(f"/admin/outbox/{mails['failed']}/send", data={})
    assert response.status_code == 400
    assert _status(db, mails["failed"]) == MailStatus.FAILED


@pytest.mark.parametrize(
    "roles",
    [{}, {"officer_areas": ["57"]}, {"memberships": "leader"}],
    ids=["buyer", "officer", "leader"],
)
def test_nobody_but_admins_reads_the_outbox(client, auth, make_user, make, db, mails, roles):
    if roles.get("memberships"):
        roles = {"memberships": [(make.group(), roles["memberships"])]}
    make_user("someone@example.com", **roles)
    db.session.commit()
    auth.login("someone@example.com")
    for path in ("/admin/outbox", f"/admin/outbox/{mails['held']}"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "invitation/abc" not in response.get_data(as_text=True)
    token = token_of(client, "/account/reset")
    response = client.post(f"/admin/outbox/{mails['failed']}/send", data={"csrf_token": token})
    assert response.status_code == 403
    assert _status(db, mails["failed"]) == MailStatus.FAILED


def test_anonymous_visitors_are_sent_to_sign_in(client, mails):
    response = client.get(f"/admin/outbox/{mails['held']}")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


def test_inviting_with_no_mail_server_opens_the_invitation_in_the_outbox(client, admin, make, db):
    group = make.group()
    db.session.commit()
    page = f"/admin/groups/{group.id}"
    response = post_form(
        client, page + "/invite", {"email": "new@example.com", "role": "leader"}, page=page
    )
    assert response.status_code == 303
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.to_address == "new@example.com"))
    assert response.headers["Location"].endswith(f"/admin/outbox/{mail.id}")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "waits in the outbox" in html
    assert re.search(r'<a href="http://[^"]+/account/invitation/[^"]+"', html)
