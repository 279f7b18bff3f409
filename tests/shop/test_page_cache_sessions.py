"""Cached storefront pages load the visitor afresh on each request: no sign-in outlives its end.

The page body is shared, but the user behind the session is loaded from the
database for each request (accounts.load_user): sign-out, deactivation, a
password change elsewhere and a new role all show on the very next cached page.
"""

import re

from marketplace.accounts.service import set_password
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
