"""Cached storefront pages load the visitor afresh on each request: no sign-in outlives its end.

The page body is shared, but the user behind the session is checked against
the database on each request (accounts.load_user: one row of plain columns on
a cached page, the account itself elsewhere): sign-out, deactivation, a
password change elsewhere and a new role all show on the very next cached page.
"""

import re

from sqlalchemy import event

from marketplace.accounts.service import set_password
from marketplace.extensions import db as _db
from marketplace.models import GroupMembership, OfficerArea, User
from tests.conftest import AuthActions


def _signed_in(app, email, remember=False):
    visitor = app.test_client()
    visitor.set_cookie("lang", "en")
    assert AuthActions(visitor).login(email, remember=remember).status_code in (302, 303)
    visitor.get("/account/reset")  # shows the welcome flash, so pages are cacheable again
    return visitor


def _header(visitor, path):
    html = visitor.get(path).get_data(as_text=True)
    start = html.index('<nav class="site-nav"')
    return html[start : html.index("</nav>", start)]


def _signed_in_header(header):
    return "Sign out" in header and "Sign in" not in header


def test_sign_out_shows_on_the_next_cached_page(app, make, make_user, db):
    product = make.product()
    make_user("buyer@example.org", name="Malee", locale="en")
    db.session.commit()
    path = f"/products/{product.slug}"
    buyer = _signed_in(app, "buyer@example.org")
    assert _signed_in_header(_header(buyer, path))
    assert AuthActions(buyer).logout().status_code in (302, 303)
    header = _header(buyer, path)
    assert "Sign in" in header and "Sign out" not in header and "Malee" not in header


def test_deactivation_shows_on_the_next_cached_page(app, make, make_user, db):
    product = make.product()
    user = make_user("buyer@example.org", name="Malee", locale="en")
    db.session.commit()
    path = f"/products/{product.slug}"
    buyer = _signed_in(app, "buyer@example.org", remember=True)
    assert _signed_in_header(_header(buyer, path))
    user.active = False
    db.session.commit()
    header = _header(buyer, path)
    assert "Sign in" in header and "Malee" not in header
    assert "Sign in" in _header(buyer, "/products")


def test_a_password_change_elsewhere_ends_this_session_on_a_cached_page(app, make, make_user, db):
    product = make.product()
    user = make_user("buyer@example.org", name="Malee", locale="en")
    db.session.commit()
    path = f"/products/{product.slug}"
    buyer = _signed_in(app, "buyer@example.org", remember=True)
    assert _signed_in_header(_header(buyer, path))
    set_password(user, "an entirely new password")
    db.session.commit()
    header = _header(buyer, path)
    assert "Sign in" in header and "Malee" not in header


def test_a_forged_or_unknown_user_id_is_nobody(app, make, make_user, db):
    product = make.product()
    make_user("buyer@example.org", name="Malee", locale="en")
    db.session.commit()
    path = f"/products/{product.slug}"
    buyer = _signed_in(app, "buyer@example.org")
    with buyer.session_transaction() as session:
        user_id, _, fingerprint = session["_user_id"].partition(".")
        session["_user_id"] = f"{int(user_id) + 1000}.{fingerprint}"
    assert "Sign in" in _header(buyer, path)
    with buyer.session_transaction() as session:
        session["_user_id"] = f"not-a-number.{fingerprint}"
    assert "Sign in" in _header(buyer, path)
    with buyer.session_transaction() as session:
        session["_user_id"] = f"{user_id}.{'0' * len(fingerprint)}"
    assert "Sign in" in _header(buyer, path)


def test_memberships_are_loaded_with_the_user(app, make, make_user, db):
    group = make.group()
    product = make.product(group=group)
    make_user("leader@example.org", name="Leader", locale="en", memberships=[(group, "leader")])
    db.session.commit()
    leader = _signed_in(app, "leader@example.org")
    header = _header(leader, f"/products/{product.slug}")
    assert re.search(r'href="/office[^"]*"', header) and "Back office" in header


def test_a_cached_page_checks_the_visitor_with_one_statement(app, make, make_user, db):
    product = make.product()
    make_user("buyer@example.org", name="Malee", locale="en")
    db.session.commit()
    buyer = _signed_in(app, "buyer@example.org")
    for path in (f"/products/{product.slug}", "/products"):
        buyer.get(path)  # into the cache
        seen = []

        def record(conn, cursor, statement, *args, seen=seen):
            seen.append(" ".join(statement.split()))

        loaded = []

        def on_load(target, context, loaded=loaded):
            loaded.append(target)

        event.listen(_db.engine, "before_cursor_execute", record)
        event.listen(User, "load", on_load)
        try:
            header = _header(buyer, path)
        finally:
            event.remove(_db.engine, "before_cursor_execute", record)
            event.remove(User, "load", on_load)
        assert _signed_in_header(header) and "Malee" not in header  # name: not in the links
        assert len(seen) == 1, seen
        assert "FROM user" in seen[0].replace('"', "") and "EXISTS" in seen[0]
        assert loaded == []  # no User object built


def test_pages_that_are_not_shared_still_get_the_account(app, make_user, db):
    make_user("buyer@example.org", name="Malee", locale="en")
    db.session.commit()
    buyer = _signed_in(app, "buyer@example.org")
    html = buyer.get("/account/profile").get_data(as_text=True)
    assert "buyer@example.org" in html


def test_a_new_membership_or_officer_area_shows_on_the_next_cached_page(app, make, make_user, db):
    group = make.group()
    product = make.product(group=group)
    user = make_user("buyer@example.org", name="Malee", locale="en")
    user.is_officer = True
    db.session.commit()
    path = f"/products/{product.slug}"
    buyer = _signed_in(app, "buyer@example.org")
    header = _header(buyer, path)
    assert "Back office" not in header and "Claim reviews" not in header
    db.session.add(GroupMembership(user=user, group=group, role="staff"))
    db.session.commit()
    header = _header(buyer, path)
    assert "Back office" in header and "Claim reviews" not in header
    db.session.add(OfficerArea(user=user, province_code="57", district_code=""))
    db.session.commit()
    header = _header(buyer, path)
    assert "Claim reviews" in header and "Income reports" in header
    db.session.delete(db.session.get(GroupMembership, user.memberships[0].id))
    db.session.commit()
    assert "Back office" not in _header(buyer, path)
