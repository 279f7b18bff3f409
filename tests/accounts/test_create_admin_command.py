"""`flask users create-admin`: the first admin comes from the command line."""

from marketplace.models import AuditLog, User


def test_creates_an_admin_who_can_sign_in(runner, db, client, auth):
    result = runner.invoke(
        args=["users", "create-admin", "Root@Example.org", "--password", "a long passphrase"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(email="root@example.org").one()
    assert user.is_admin and user.active
    assert db.session.query(AuditLog).filter_by(action="admin.granted").count() == 1
    auth.login("root@example.org", "a long passphrase")
    assert client.get("/admin/").status_code == 200


def test_promotes_an_existing_account(runner, db, make_user):
    make_user(email="lead@example.org")
    db.session.commit()
    result = runner.invoke(
        args=["users", "create-admin", "lead@example.org", "--password", "another passphrase"]
    )
    assert result.exit_code == 0, result.output
    assert db.session.query(User).filter_by(email="lead@example.org").one().is_admin


def test_refuses_a_short_password_and_changes_nothing(runner, db):
    result = runner.invoke(
        args=["users", "create-admin", "root@example.org", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "12" in result.output
    assert db.session.query(User).count() == 0


def test_refuses_a_bad_email(runner, db):
    result = runner.invoke(
        args=["users", "create-admin", "not-an-email", "--password", "a long passphrase"]
    )
    assert result.exit_code != 0
    assert db.session.query(User).count() == 0
