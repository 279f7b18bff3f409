"""Role × route matrix: every back-office route, every kind of visitor, the exact answer.

Two groups: A in Chiang Rai (57) and B in Mae Hong Son (58), each with a
product, variant, lot (with a household's contribution), photo, household
(with personal data) and a pending claim with a PDF on disk. The visitors:

- anonymous: sent to sign in everywhere;
- buyer: 403 everywhere;
- staff of A: A's catalog, lot, claim and household pages; 403 on leader-only ones;
- leader of A: everything of A (the control row: leader-only pages do open);
- leader of B: 403 on every page of A (the group check comes before any lookup);
- officer of another province (50): officer pages, but 404 for A's claim;
- officer of this province (57): officer pages and A's claim; no office;
- admin: admin and office pages, except adding or editing households (their
  personal data is for the group's own leader only); no officer pages.

`EXPECT` lists every admin, office and officer route; a new route fails
`test_every_back_office_route_is_in_the_matrix` until it is added there.
POSTs are sent with a valid CSRF token and an empty form, so they test the
access layer only: refused roles get their refusal, allowed roles get
anything but a refusal (the form's 400, a 303, a 200 page).

Then the tampering tests: the leader of B, on B's own pages, with A's ids in
the URL or in form fields, gets 404 or 400 and changes nothing.
"""

import importlib
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import func, select

from marketplace.catalog import service
from marketplace.extensions import db
from marketplace.models import Claim, HouseholdPersonal, Lot
from marketplace.models.accounts import GroupMembership

from . import factories
from .conftest import csrf_token
from .matrix_rows import (
    ADMIN_ONLY,
    ANY_MEMBER,
    ANY_OFFICER,
    AREA_OFFICER,
    BACK_OFFICE,
    GROUP_LEADER,
    GROUP_MEMBER,
    OFFICE,
    OWN_LEADER,
    ROLES,
    SIGN_IN,
    YES,
)
from .office.pictures import PDF, picture

EXPECT = {
    # -- admin ---------------------------------------------------------------------------
    ("admin.dashboard", "GET"): ("/admin/", ADMIN_ONLY),
    ("admin.users", "GET"): ("/admin/users", ADMIN_ONLY),
    ("admin.user", "GET"): ("/admin/users/{user}", ADMIN_ONLY),
    ("admin.set_admin", "POST"): ("/admin/users/{user}/admin", ADMIN_ONLY),
    ("admin.set_active", "POST"): ("/admin/users/{user}/active", ADMIN_ONLY),
    ("admin.set_officer", "POST"): ("/admin/users/{user}/officer", ADMIN_ONLY),
    ("admin.add_officer_area", "POST"): ("/admin/users/{officer}/areas", ADMIN_ONLY),
    ("admin.remove_officer_area", "POST"): (
        "/admin/users/{officer}/areas/{area}/delete",
        ADMIN_ONLY,
    ),
    ("admin.group_list", "GET"): ("/admin/groups", ADMIN_ONLY),
    ("admin.group_new", "GET"): ("/admin/groups/new", ADMIN_ONLY),
    ("admin.group_new", "POST"): ("/admin/groups/new", ADMIN_ONLY),
    ("admin.group", "GET"): ("/admin/groups/{group}", ADMIN_ONLY),
    ("admin.group_edit", "GET"): ("/admin/groups/{group}/edit", ADMIN_ONLY),
    ("admin.group_edit", "POST"): ("/admin/groups/{group}/edit", ADMIN_ONLY),
    ("admin.invite_member", "POST"): ("/admin/groups/{group}/invite", ADMIN_ONLY),
    ("admin.remove_member", "POST"): (
        "/admin/groups/{group}/members/{membership}/delete",
        ADMIN_ONLY,
    ),
    ("admin.audit_log", "GET"): ("/admin/audit", ADMIN_ONLY),
    # -- office: dashboard, group home, profile ---------------------------------------------
    ("office.dashboard", "GET"): ("/office/", ANY_MEMBER),
    ("office.group_home", "GET"): (OFFICE + "/", GROUP_MEMBER),
    ("office.profile", "GET"): (OFFICE + "/profile", GROUP_LEADER),
    ("office.profile", "POST"): (OFFICE + "/profile", GROUP_LEADER),
    # -- office: products, variants, photos ----------------------------------------------------
    ("office.products", "GET"): (OFFICE + "/products", GROUP_MEMBER),
    ("office.marketing", "GET"): (OFFICE + "/marketing", GROUP_MEMBER),
    ("office.product_new", "GET"): (OFFICE + "/products/new", GROUP_MEMBER),
    ("office.product_new", "POST"): (OFFICE + "/products/new", GROUP_MEMBER),
    ("office.product", "GET"): (OFFICE + "/products/{product}", GROUP_MEMBER),
    ("office.product_edit", "GET"): (OFFICE + "/products/{product}/edit", GROUP_MEMBER),
    ("office.product_edit", "POST"): (OFFICE + "/products/{product}/edit", GROUP_MEMBER),
    ("office.product_archive", "POST"): (OFFICE + "/products/{product}/archive", GROUP_MEMBER),
    ("office.product_unarchive", "POST"): (OFFICE + "/products/{product}/unarchive", GROUP_MEMBER),
    ("office.products_import", "GET"): (OFFICE + "/products/import", GROUP_LEADER),
    ("office.products_import", "POST"): (OFFICE + "/products/import", GROUP_LEADER),
    ("office.products_import_template", "GET"): (OFFICE + "/products/template.csv", GROUP_LEADER),
    ("office.variant_new", "GET"): (OFFICE + "/products/{product}/variants/new", GROUP_MEMBER),
    ("office.variant_new", "POST"): (OFFICE + "/products/{product}/variants/new", GROUP_MEMBER),
    ("office.variant_edit", "GET"): (OFFICE + "/variants/{variant}/edit", GROUP_MEMBER),
    ("office.variant_edit", "POST"): (OFFICE + "/variants/{variant}/edit", GROUP_MEMBER),
    ("office.photo_upload", "POST"): (OFFICE + "/products/{product}/photos", GROUP_MEMBER),
    ("office.photo_move", "POST"): (OFFICE + "/photos/{image}/move", GROUP_MEMBER),
    ("office.photo_delete", "POST"): (OFFICE + "/photos/{image}/delete", GROUP_MEMBER),
    # -- office: lots ------------------------------------------------------------------------------
    ("office.lots", "GET"): (OFFICE + "/lots", GROUP_MEMBER),
    ("office.lot_new", "GET"): (OFFICE + "/lots/new", GROUP_MEMBER),
    ("office.lot_new", "POST"): (OFFICE + "/lots/new", GROUP_MEMBER),
    ("office.lot", "GET"): (OFFICE + "/lots/{lot}", GROUP_MEMBER),
    ("office.lot_adjust", "POST"): (OFFICE + "/lots/{lot}/adjust", GROUP_MEMBER),
    ("office.lot_labels", "GET"): (OFFICE + "/lots/{lot}/labels", GROUP_MEMBER),
    ("office.lot_labels", "POST"): (OFFICE + "/lots/{lot}/labels", GROUP_MEMBER),
    ("office.feeds_page", "GET"): (OFFICE + "/feeds", GROUP_MEMBER),
    # -- office: claims and evidence ---------------------------------------------------------------
    ("office.claims", "GET"): (OFFICE + "/claims", GROUP_MEMBER),
    ("office.claim_new", "GET"): (OFFICE + "/claims/new", GROUP_LEADER),
    ("office.claim_new", "POST"): (OFFICE + "/claims/new", GROUP_LEADER),
    ("office.claim", "GET"): (OFFICE + "/claims/{claim}", GROUP_MEMBER),
    ("office.claim_add_evidence", "POST"): (OFFICE + "/claims/{claim}/evidence", GROUP_LEADER),
    ("office.claim_withdraw", "POST"): (OFFICE + "/claims/{claim}/withdraw", GROUP_LEADER),
    ("office.evidence_file", "GET"): (OFFICE + "/evidence/{evidence}", GROUP_MEMBER),
    # -- office: households ------------------------------------------------------------------------
    ("office.households", "GET"): (OFFICE + "/households", GROUP_MEMBER),
    ("office.household_new", "GET"): (OFFICE + "/households/new", OWN_LEADER),
    ("office.household_new", "POST"): (OFFICE + "/households/new", OWN_LEADER),
    ("office.household_edit", "GET"): (OFFICE + "/households/{household}/edit", OWN_LEADER),
    ("office.household_edit", "POST"): (OFFICE + "/households/{household}/edit", OWN_LEADER),
    ("office.household_link", "GET"): (OFFICE + "/households/link", OWN_LEADER),
    ("office.household_link", "POST"): (OFFICE + "/households/link", OWN_LEADER),
    ("office.households_import", "GET"): (OFFICE + "/households/import", OWN_LEADER),
    ("office.households_import", "POST"): (OFFICE + "/households/import", OWN_LEADER),
    ("office.households_template", "GET"): (OFFICE + "/households/template.csv", OWN_LEADER),
    # -- officer -----------------------------------------------------------------------------------
    ("officer.queue", "GET"): ("/officer/", ANY_OFFICER),
    ("officer.households", "GET"): ("/officer/households", ANY_OFFICER),
    ("officer.claim", "GET"): ("/officer/claims/{claim}", AREA_OFFICER),
    ("officer.verify", "POST"): ("/officer/claims/{claim}/verify", AREA_OFFICER),
    ("officer.reject", "POST"): ("/officer/claims/{claim}/reject", AREA_OFFICER),
    ("officer.revoke", "POST"): ("/officer/claims/{claim}/revoke", AREA_OFFICER),
    ("officer.evidence", "GET"): (
        "/officer/claims/{claim}/evidence/{evidence}",
        AREA_OFFICER,
    ),
}

# Run last, in this order: an allowed empty POST to these really deletes something
# another row of the matrix needs (the photo, the claim and its file, a membership, an area).
DESTRUCTIVE = (
    "office.photo_delete",
    "office.claim_withdraw",
    "admin.remove_member",
    "admin.remove_officer_area",
)

OBJECT_IDS = ["product", "variant", "lot", "image", "claim", "evidence", "household"]


def _parts():
    """The modules `tests/matrix_*.py`: other areas' rows of the matrix."""
    folder = Path(__file__).parent
    names = sorted(p.stem for p in folder.glob("matrix_*.py") if p.stem != "matrix_rows")
    return [importlib.import_module(f"{__package__}.{name}") for name in names]


PARTS = _parts()
for _part in PARTS:
    EXPECT.update(_part.EXPECT)
    OBJECT_IDS.extend(_part.OBJECT_IDS)
    DESTRUCTIVE += tuple(getattr(_part, "DESTRUCTIVE", ()))


def _methods(rule):
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def _back_office_keys(app):
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in BACK_OFFICE
        for method in _methods(rule)
    }


def _ordered(keys):
    """GETs, then POSTs, the destructive ones last."""

    def order(key):
        endpoint, method = key
        if endpoint in DESTRUCTIVE:
            return (2, DESTRUCTIVE.index(endpoint))
        return (0 if method == "GET" else 1, 0)

    return sorted(keys, key=order)


# -- the world -----------------------------------------------------------------------------


def _group_world(group, place):
    """A product, variant, lot with a household's contribution, photo and pending claim."""
    product = factories.make_product(group=group, stock=None)
    variant = product.variants[0]
    lot = factories.make_lot(variant, **place)
    household = factories.make_household(group=group, **place)
    db.session.add(HouseholdPersonal(household=household, head_name=f"Head of {group.slug}"))
    factories.make_contribution(lot, household)
    image = service.add_photo(group, product.id, picture())
    claim = service.create_claim(
        group, f"product:{product.id}", kind="chemical_free", files=[("lab.pdf", PDF)]
    )
    ids = {
        "slug": group.slug,
        "group": group.id,
        "product": product.id,
        "variant": variant.id,
        "lot": lot.id,
        "household": household.id,
        "household_code": household.code,
        "image": image.id,
        "claim": claim.id,
        "evidence": claim.evidence[0].id,
    }
    for part in PARTS:
        part.add_to_world(group, ids)
    return ids


@pytest.fixture
def world(db, client, auth):
    """Groups A (57) and B (58) with their objects, the eight visitors, and helpers."""
    group_a = factories.make_group(slug="group-a")
    group_b = factories.make_group(
        slug="group-b",
        province_code="58",
        district_code="5801",
        subdistrict_code="580101",
        postal_code="58000",
    )
    a = _group_world(
        group_a, dict(province_code="57", district_code="5705", subdistrict_code="570505")
    )
    b = _group_world(
        group_b, dict(province_code="58", district_code="5801", subdistrict_code="580101")
    )
    users = {
        "buyer": factories.make_user("buyer@example.com"),
        "staff_a": factories.make_user("staff-a@example.com", memberships=[(group_a, "staff")]),
        "leader_a": factories.make_user("leader-a@example.com", memberships=[(group_a, "leader")]),
        "leader_b": factories.make_user("leader-b@example.com", memberships=[(group_b, "leader")]),
        "officer_other": factories.make_user("officer-50@example.com", officer_areas=["50"]),
        "officer_here": factories.make_user("officer-57@example.com", officer_areas=["57"]),
        "admin": factories.make_user("admin@example.com", admin=True),
    }
    officer = users["officer_here"]
    staff = users["staff_a"]
    a.update(
        user=staff.id,
        officer=officer.id,
        area=officer.officer_areas[0].id,
        membership=staff.memberships[0].id,
    )
    db.session.commit()

    def login(role):
        if role != "anonymous":
            response = auth.login(users[role].email)
            assert response.status_code == 303, role

    return SimpleNamespace(a=a, b=b, users=users, login=login, client=client)


def _send(client, method, path, token, data=None):
    if method == "GET":
        response = client.get(path)
        # Read and closed here: a file sent from disk (an export) keeps its file open until then.
        response.get_data()
        response.close()
        return response
    response = client.post(path, data={"csrf_token": token, **(data or {})})
    # The answer must come from the access rules, never from a refused token.
    assert g.get("csrf_valid"), f"POST {path}: CSRF token refused"
    return response


def _is_sign_in(response):
    return response.status_code in (302, 303) and "/account/sign-in" in response.headers.get(
        "Location", ""
    )


def _matches(expected, method, response):
    status = response.status_code
    if expected == SIGN_IN:
        return status == 302 and _is_sign_in(response)
    if expected == YES:
        if method == "GET":
            return status == 200
        return status in (200, 303, 400) and not _is_sign_in(response)
    return status == expected


def _describe(response):
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} → {response.headers.get('Location')}"
    return str(response.status_code)


def _snapshot():
    """Every row of every table a back-office route may change (not the audit log)."""
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name in ("audit_log", "catalog_state"):
            continue
        columns = [c for c in table.columns if c.name not in ("last_login_at", "updated_at")]
        rows = db.session.execute(select(*columns)).all()
        state[table.name] = sorted(tuple(str(v) for v in row) for row in rows)
    db.session.rollback()
    return state


def _changes(before, after):
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


# -- the matrix ---------------------------------------------------------------------------------


def test_every_back_office_route_is_in_the_matrix(app):
    missing = sorted(_back_office_keys(app) - set(EXPECT))
    assert not missing, f"back-office routes missing from EXPECT: {missing}"
    stale = sorted(set(EXPECT) - _back_office_keys(app))
    assert not stale, f"EXPECT rows for routes that no longer exist: {stale}"


def test_every_matrix_path_reaches_its_endpoint(app):
    """Each URL template, filled in, is routed to the endpoint and method it stands for."""
    adapter = app.url_map.bind("localhost")
    ids = dict.fromkeys(("group", "user", "officer", "area", "membership", *OBJECT_IDS), 7)
    wrong = []
    for (endpoint, method), (template, answers) in EXPECT.items():
        assert set(answers) == set(ROLES), endpoint
        path = template.format(slug="some-group", **ids)
        found, _ = adapter.match(path, method=method)
        if found != endpoint:
            wrong.append((endpoint, method, path, found))
    assert not wrong


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_exactly_the_expected_answer_everywhere(app, world, role):
    world.login(role)
    token = csrf_token(world.client, "/account/reset")
    before = _snapshot()
    changing_allowed = False
    mismatches = []
    for endpoint, method in _ordered(EXPECT):
        template, answers = EXPECT[(endpoint, method)]
        expected = answers[role]
        changing_allowed |= method == "POST" and expected == YES
        path = template.format(**world.a)
        response = _send(world.client, method, path, token)
        if not _matches(expected, method, response):
            mismatches.append(
                f"{method} {path} ({endpoint}): expected {expected}, got " + _describe(response)
            )
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)
    if not changing_allowed:
        # Nothing refused changed anything.
        assert _changes(before, _snapshot()) == {}


# -- tampering: B's pages with A's ids -----------------------------------------------------------


def _object_routes():
    """Office routes that take an object id (product, lot, claim, …) in the URL."""
    return [
        (endpoint, method)
        for endpoint, method in _ordered(EXPECT)
        if endpoint.startswith("office.")
        and any("{" + name + "}" in EXPECT[(endpoint, method)][0] for name in OBJECT_IDS)
    ]


def test_there_are_object_routes_to_tamper_with():
    assert len(_object_routes()) >= 15


@pytest.mark.parametrize("role", ["leader_b", "admin"])
def test_another_groups_ids_under_ones_own_group_are_404(world, role):
    """B's slug (which the user may manage) with A's object ids: 404, nothing changes.

    Then, as the control, the same routes with B's own ids are not refused.
    """
    world.login(role)
    token = csrf_token(world.client, "/account/reset")
    before = _snapshot()
    mismatches = []
    for endpoint, method in _object_routes():
        template, answers = EXPECT[(endpoint, method)]
        # Where the role is refused on its own group anyway (an admin and households), 403.
        expected = 404 if answers["leader_a" if role == "leader_b" else role] == YES else 403
        path = template.format(**{**world.a, "slug": world.b["slug"]})
        response = _send(world.client, method, path, token, {"direction": "up"})
        if response.status_code != expected:
            mismatches.append(
                f"{method} {path} ({endpoint}): expected {expected}, got {_describe(response)}"
            )
    assert not mismatches, "\n".join(mismatches)
    assert _changes(before, _snapshot()) == {}

    refused = []
    for endpoint, method in _object_routes():
        if EXPECT[(endpoint, method)][1]["leader_a"] != YES:
            continue
        if role == "admin" and EXPECT[(endpoint, method)][1]["admin"] != YES:
            continue
        path = EXPECT[(endpoint, method)][0].format(**world.b)
        response = _send(world.client, method, path, token, {"direction": "up"})
        if not _matches(YES, method, response):
            refused.append(f"{method} {path} ({endpoint}): got {_describe(response)}")
    assert not refused, "\n".join(refused)


def test_an_officer_reaches_no_claim_outside_their_area(world):
    """The officer of 57 gets 404 for B's claim (58), and for B's file under A's claim."""
    world.login("officer_here")
    token = csrf_token(world.client, "/account/reset")
    before = _snapshot()
    paths = [
        ("GET", f"/officer/claims/{world.b['claim']}"),
        ("GET", f"/officer/claims/{world.b['claim']}/evidence/{world.b['evidence']}"),
        ("GET", f"/officer/claims/{world.a['claim']}/evidence/{world.b['evidence']}"),
        ("GET", f"/officer/claims/{world.b['claim']}/evidence/{world.a['evidence']}"),
        ("POST", f"/officer/claims/{world.b['claim']}/verify"),
        ("POST", f"/officer/claims/{world.b['claim']}/reject"),
        ("POST", f"/officer/claims/{world.b['claim']}/revoke"),
    ]
    answers = [
        (method, path, _send(world.client, method, path, token).status_code)
        for method, path in paths
    ]
    assert [a for a in answers if a[2] != 404] == []
    assert _changes(before, _snapshot()) == {}


def test_officer_lists_hold_only_the_officers_area(world):
    """The queue and the household list: nothing for province 50, only A's for 57."""
    a, b = world.a, world.b
    world.login("officer_other")
    queue = world.client.get("/officer/").get_data(as_text=True)
    households = world.client.get("/officer/households").get_data(as_text=True)
    assert f"/officer/claims/{a['claim']}" not in queue
    assert f"/officer/claims/{b['claim']}" not in queue
    assert a["household_code"] not in households and b["household_code"] not in households
    world.login("officer_here")
    queue = world.client.get("/officer/").get_data(as_text=True)
    households = world.client.get("/officer/households").get_data(as_text=True)
    assert f"/officer/claims/{a['claim']}" in queue
    assert f"/officer/claims/{b['claim']}" not in queue
    assert a["household_code"] in households and b["household_code"] not in households


# -- tampering: A's ids in B's form fields -------------------------------------------------------


def _lot_form(variant_id, **changes):
    data = {
        "variant_id": str(variant_id),
        "kind": "harvest",
        "produced_on": "2025-12-10",
        "quantity": "40",
        "code": "",
        "village": "",
        "moo": "",
        "province_code": "",
        "district_code": "",
        "subdistrict_code": "",
    }
    data.update(changes)
    return data


def _contribution(household_id):
    return {
        "contributions-0-household_id": str(household_id),
        "contributions-0-role": "grower",
        "contributions-0-quantity": "5",
        "contributions-0-unit": "kg",
    }


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_another_groups_ids_in_form_fields_are_refused(world):
    """B's leader on B's forms, with A's variant, household, product or lot: 400, nothing made."""
    world.login("leader_b")
    client, a, b = world.client, world.a, world.b
    token = csrf_token(client, "/account/reset")
    lots, claims = _count(Lot), _count(Claim)
    before = _snapshot()
    tampered = [
        ("/lots/new", _lot_form(a["variant"])),
        ("/lots/new", _lot_form(a["variant"], **_contribution(a["household"]))),
        ("/lots/new", _lot_form(b["variant"], **_contribution(a["household"]))),
        ("/claims/new", {"subject": f"product:{a['product']}", "kind": "chemical_free"}),
        ("/claims/new", {"subject": f"lot:{a['lot']}", "kind": "chemical_free"}),
    ]
    answers = []
    for page, data in tampered:
        response = _send(client, "POST", f"/office/{b['slug']}{page}", token, data)
        answers.append((page, data.get("variant_id") or data.get("subject"), response.status_code))
    assert [answer for answer in answers if answer[2] != 400] == []
    assert (_count(Lot), _count(Claim)) == (lots, claims)
    assert _changes(before, _snapshot()) == {}

    # The control: the same forms with B's own variant, household and product go through.
    lot_form = _lot_form(b["variant"], **_contribution(b["household"]))
    response = _send(client, "POST", f"/office/{b['slug']}/lots/new", token, lot_form)
    assert response.status_code == 303
    claim_form = {"subject": f"product:{b['product']}", "kind": "chemical_free"}
    response = _send(client, "POST", f"/office/{b['slug']}/claims/new", token, claim_form)
    assert response.status_code == 303
    assert (_count(Lot), _count(Claim)) == (lots + 1, claims + 1)


def test_an_admin_removes_no_member_through_another_groups_url(world):
    """A's membership id under B's group URL: refused, the membership stays."""
    world.login("admin")
    token = csrf_token(world.client, "/account/reset")
    path = f"/admin/groups/{world.b['group']}/members/{world.a['membership']}/delete"
    response = _send(world.client, "POST", path, token)
    assert response.status_code == 303
    assert db.session.get(GroupMembership, world.a["membership"]) is not None
    assert re.search(r"/admin/groups/\d+$", response.headers["Location"])
