"""Who reaches which back-office page: anonymous, buyer, staff, another group's leader, admin."""

import pytest

from marketplace.catalog import service
from marketplace.extensions import db

from .pictures import PDF, picture

STAFF_PAGES = [
    "/",
    "/products",
    "/products/new",
    "/products/{product}",
    "/products/{product}/edit",
    "/products/{product}/variants/new",
    "/variants/{variant}/edit",
    "/lots",
    "/lots/new",
    "/lots/{lot}",
    "/claims",
    "/claims/{claim}",
    "/evidence/{evidence}",
]
LEADER_PAGES = ["/profile", "/claims/new"]
POST_ROUTES = [
    "/profile",
    "/products/new",
    "/products/{product}/edit",
    "/products/{product}/archive",
    "/products/{product}/unarchive",
    "/products/{product}/variants/new",
    "/variants/{variant}/edit",
    "/products/{product}/photos",
    "/photos/{image}/move",
    "/photos/{image}/delete",
    "/lots/new",
    "/lots/{lot}/adjust",
    "/claims/new",
    "/claims/{claim}/evidence",
    "/claims/{claim}/withdraw",
]


@pytest.fixture
def ids(office, make):
    """A product with a variant, lot, photo and a pending claim with a PDF, in group A."""
    product = make.product(group=office.a)
    variant = product.variants[0]
    image = service.add_photo(office.a, product.id, picture())
    claim = service.create_claim(office.a, "group", kind="chemical_free", files=[("lab.pdf", PDF)])
    db.session.commit()
    return {
        "product": product.id,
        "variant": variant.id,
        "lot": variant.lots[0].id,
        "image": image.id,
        "claim": claim.id,
        "evidence": claim.evidence[0].id,
    }


def _path(office, template, ids, group=None):
    return office.url(template.format(**ids), group or office.a)


@pytest.mark.parametrize("page", STAFF_PAGES + LEADER_PAGES)
def test_anonymous_goes_to_sign_in(office, ids, page):
    response = office.client.get(_path(office, page, ids))
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("page", STAFF_PAGES + LEADER_PAGES)
def test_buyer_is_refused(office, ids, page):
    office.login("buyer")
    assert office.client.get(_path(office, page, ids)).status_code == 403


@pytest.mark.parametrize("page", STAFF_PAGES + LEADER_PAGES)
def test_leader_of_another_group_is_refused(office, ids, page):
    office.login("other_leader")
    assert office.client.get(_path(office, page, ids)).status_code == 403


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_reach_the_catalog_pages(office, ids, page):
    office.login("staff")
    assert office.client.get(_path(office, page, ids)).status_code == 200


@pytest.mark.parametrize("page", LEADER_PAGES)
def test_staff_cannot_reach_leader_pages(office, ids, page):
    office.login("staff")
    assert office.client.get(_path(office, page, ids)).status_code == 403


@pytest.mark.parametrize("who", ["leader", "admin"])
@pytest.mark.parametrize("page", STAFF_PAGES + LEADER_PAGES)
def test_leader_and_admin_reach_everything(office, ids, page, who):
    office.login(who)
    assert office.client.get(_path(office, page, ids)).status_code == 200


def test_dashboard_lists_own_groups_and_admin_sees_all(office):
    assert office.client.get("/office/").status_code == 302
    office.login("buyer")
    assert office.client.get("/office/").status_code == 403
    office.login("other_leader")
    html = office.client.get("/office/").get_data(as_text=True)
    assert "/office/karen-chili/" in html and "/office/hom-phaendin/" not in html
    office.login("admin")
    html = office.client.get("/office/").get_data(as_text=True)
    assert "/office/karen-chili/" in html and "/office/hom-phaendin/" in html


def test_nav_links_to_the_back_office_for_members_only(office):
    office.login("buyer")
    assert "/office/" not in office.client.get("/account/profile").get_data(as_text=True)
    office.login("staff")
    assert 'href="/office/"' in office.client.get("/account/profile").get_data(as_text=True)


def test_unknown_group_is_404(office):
    office.login("admin")
    assert office.client.get("/office/no-such-group/products").status_code == 404


@pytest.mark.parametrize("route", POST_ROUTES)
def test_posts_without_csrf_token_are_refused(office, ids, route):
    office.login("leader")
    response = office.client.post(_path(office, route, ids), data={"direction": "up"})
    assert response.status_code == 400


@pytest.mark.parametrize("route", POST_ROUTES)
def test_posts_by_another_groups_leader_are_refused(office, ids, route):
    office.login("other_leader")
    assert office.post(_path(office, route, ids), {"direction": "up"}).status_code == 403


@pytest.mark.parametrize("route", POST_ROUTES)
def test_posts_by_anonymous_go_to_sign_in(office, ids, route):
    response = office.post(_path(office, route, ids), {"direction": "up"})
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    "route", ["/profile", "/claims/new", "/claims/{claim}/evidence", "/claims/{claim}/withdraw"]
)
def test_staff_cannot_post_leader_routes(office, ids, route):
    office.login("staff")
    assert office.post(_path(office, route, ids)).status_code == 403
