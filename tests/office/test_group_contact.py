"""The group's public contact: only what the leader ticked, as LINE, tel:, mailto: and map links."""

from marketplace.catalog import group_contact

from .test_profile import _profile


def _public_page(office):
    office.client.get("/account/sign-out")
    return office.client.get(f"/groups/{office.a.slug}").get_data(as_text=True)


def test_nothing_shows_until_the_leader_chooses(office, db):
    office.login("leader")
    assert office.post(office.url("/profile"), _profile()).status_code == 303
    html = _public_page(office)
    # (The share bar's LINE button is at social-plugins.line.me; the contact is line.me/R/ti/p.)
    assert "line.me/R/ti/p" not in html and "tel:" not in html and "mailto:" not in html
    assert "053 000 000" not in html and "group@example.com" not in html


def test_chosen_contact_shows_as_links(office, db):
    office.login("leader")
    data = _profile(
        show_line_id="y",
        show_phone="y",
        show_email="y",
        show_map="y",
        latitude="19.56130",
        longitude="99.74120",
        phone="081-234-5678",
    )
    assert office.post(office.url("/profile"), data).status_code == 303
    html = _public_page(office)
    assert 'href="https://line.me/R/ti/p/@homphaendin"' in html
    assert 'href="tel:+66812345678"' in html
    assert 'href="mailto:group@example.com"' in html
    assert "https://www.openstreetmap.org/?mlat=19.56130&amp;mlon=99.74120" in html
    # Only the email, then: the others go away.
    office.login("leader")
    office.post(
        office.url("/profile"), _profile(show_email="y", latitude="19.5613", longitude="99.7412")
    )
    html = _public_page(office)
    assert "mailto:group@example.com" in html
    assert "line.me/R/ti/p" not in html and "tel:" not in html and "openstreetmap" not in html


def test_bad_coordinates_change_nothing(office, db):
    office.login("leader")
    for changes, message in (
        ({"latitude": "48.85", "longitude": "2.35"}, "Latitude is a number from 5 to 21"),
        ({"latitude": "19.5", "longitude": ""}, "Enter both latitude and longitude"),
        ({"latitude": "19.5", "longitude": "abc"}, "Longitude is a number from 97 to 106"),
    ):
        response = office.post(office.url("/profile"), _profile(show_map="y", **changes))
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        db.session.refresh(office.a)
        assert office.a.latitude is None and not office.a.show_map


def test_line_links_for_personal_and_official_ids():
    assert group_contact.line_url("@homphaendin") == "https://line.me/R/ti/p/@homphaendin"
    assert group_contact.line_url("somsri.j") == "https://line.me/R/ti/p/~somsri.j"
    assert group_contact.line_url("a b/c") == "https://line.me/R/ti/p/~a%20b%2Fc"
