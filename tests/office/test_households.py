"""Member households in the group back office: who sees what, CSV import, audit rows."""

import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from marketplace.accounts.audit import AuditAction
from marketplace.extensions import db as _db
from marketplace.impact.households import registry_hash
from marketplace.models import (
    AuditLog,
    Household,
    HouseholdAssessment,
    HouseholdPersonal,
    PovertyClass,
)

from .. import factories


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def setup(db, make):
    """Group A with a leader, staff and a named household; group B with its own leader."""
    group_a = make.group(slug="group-a")
    group_b = make.group(slug="group-b")
    leader = factories.make_user(
        "leader@example.com", locale="en", memberships=[(group_a, "leader")]
    )
    staff = factories.make_user("staff@example.com", locale="en", memberships=[(group_a, "staff")])
    other = factories.make_user("other@example.com", locale="en", memberships=[(group_b, "leader")])
    household = make.household(group_a, code="57-00001")
    household.personal = HouseholdPersonal(
        head_name="Somsri Jaidee", phone="0812345678", consent_on=date(2025, 1, 15)
    )
    foreign = make.household(group_b, code="57-00002")
    foreign.personal = HouseholdPersonal(head_name="Malee B", consent_on=date(2025, 1, 15))
    product = make.product(group=group_a)
    lot = product.variants[0].lots[0]
    make.contribution(lot, household, quantity=40)
    _db.session.add(
        HouseholdAssessment(
            household=household,
            assessed_on=date(2025, 2, 1),
            members=4,
            annual_income_satang=9_191_900,
            poverty_class=PovertyClass.STRUGGLING,
        )
    )
    db.session.commit()
    return dict(
        a=group_a,
        b=group_b,
        leader=leader,
        staff=staff,
        other=other,
        household=household,
        foreign=foreign,
        lot=lot,
    )


def token(client, path):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def audits(action=AuditAction.HOUSEHOLD_PERSONAL_VIEWED):
    return _db.session.scalars(select(AuditLog).where(AuditLog.action == action)).all()


def test_leader_sees_names_and_contributions_and_views_are_audited(client, auth, setup):
    auth.login("leader@example.com")
    response = client.get("/office/group-a/households")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Somsri Jaidee" in html and "57-00001" in html
    assert f"{setup['lot'].code}: 40 kg" in html
    assert "Malee B" not in html and "57-00002" not in html
    rows = audits()
    assert [(r.subject_type, r.subject_id) for r in rows] == [("household", setup["household"].id)]
    assert rows[0].actor_id == setup["leader"].id
    assert "Somsri" not in rows[0].details


def test_no_poverty_data_in_office_pages(client, auth, setup):
    auth.login("leader@example.com")
    for path in (
        "/office/group-a/households",
        f"/office/group-a/households/{setup['household'].id}/edit",
    ):
        html = client.get(path).get_data(as_text=True)
        for word in ("struggling", "91,919", "91919", "Poverty", "poverty"):
            assert word not in html, (path, word)


def test_staff_see_codes_only_and_no_audit(client, auth, setup):
    auth.login("staff@example.com")
    html = client.get("/office/group-a/households").get_data(as_text=True)
    assert "57-00001" in html and "Somsri" not in html and "0812345678" not in html
    assert audits() == []
    assert client.get("/office/group-a/households/new").status_code == 403
    assert client.get(f"/office/group-a/households/{setup['household'].id}/edit").status_code == 403
    assert client.get("/office/group-a/households/import").status_code == 403
    assert client.get("/office/group-a/households/template.csv").status_code == 403


def test_leader_of_other_group_is_refused(client, auth, setup):
    auth.login("other@example.com")
    assert client.get("/office/group-a/households").status_code == 403
    assert client.get(f"/office/group-a/households/{setup['household'].id}/edit").status_code == 403


def test_cross_group_id_is_404(client, auth, setup):
    auth.login("other@example.com")
    assert client.get(f"/office/group-b/households/{setup['household'].id}/edit").status_code == 404
    assert client.get("/office/group-b/households/99999999999/edit").status_code == 404
    auth.login("leader@example.com")
    url = f"/office/group-a/households/{setup['foreign'].id}/edit"
    assert client.get(url).status_code == 404
    data = {"csrf_token": token(client, "/office/group-a/households/new"), "head_name": "X"}
    assert client.post(url, data=data).status_code == 404
    assert setup["foreign"].personal.head_name == "Malee B"


def test_edit_page_is_audited(client, auth, setup):
    auth.login("leader@example.com")
    html = client.get(f"/office/group-a/households/{setup['household'].id}/edit").get_data(
        as_text=True
    )
    assert "Somsri Jaidee" in html
    assert len(audits()) == 1


def new_household_data(client, **changes):
    data = {
        "csrf_token": token(client, "/office/group-a/households/new"),
        "head_name": "Boonmee Srisuk",
        "phone": "081-234-5678",
        "village": "Ban Doi Ngam",
        "moo": "5",
        "province_code": "57",
        "district_code": "5705",
        "subdistrict_code": "570505",
        "registry_ref": "5701-0123-4567",
        "consent_on": "2568-01-15",
        "consent_note": "signed form",
    }
    data.update(changes)
    return data


def test_leader_adds_household_with_generated_code_and_hashed_registry(client, auth, setup):
    auth.login("leader@example.com")
    response = client.post("/office/group-a/households/new", data=new_household_data(client))
    assert response.status_code == 303
    household = _db.session.scalar(select(Household).where(Household.village == "Ban Doi Ngam"))
    assert household.code == "57-00003"
    assert household.groups == [setup["a"]]
    assert (household.district_code, household.province_code) == ("5705", "57")
    personal = household.personal
    assert personal.head_name == "Boonmee Srisuk" and personal.phone == "0812345678"
    assert personal.consent_on == date(2025, 1, 15)
    assert personal.registry_ref_hash == registry_hash("570101234567")
    assert (
        "570101234567" not in personal.registry_ref_hash and len(personal.registry_ref_hash) == 64
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"consent_on": ""}, "This field is required."),
        ({"consent_on": "15/01/2568"}, "YYYY-MM-DD"),
        ({"consent_on": "2030-01-01"}, "future"),
        ({"subdistrict_code": "999999"}, "Choose a subdistrict"),
        ({"head_name": ""}, "This field is required."),
        ({"code": "57-00001"}, "already used"),
        ({"code": "3-5701-00123-45-6"}, "ID card"),
        ({"code": "0812345678"}, "ID card"),
        ({"phone": "call me"}, "phone number"),
    ],
)
def test_bad_input_changes_nothing(client, auth, setup, changes, message):
    auth.login("leader@example.com")
    response = client.post(
        "/office/group-a/households/new", data=new_household_data(client, **changes)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _db.session.scalar(select(Household).where(Household.village == "Ban Doi Ngam")) is None


def test_a_registry_reference_is_recorded_for_one_household_only(client, auth, setup):
    auth.login("leader@example.com")
    first = new_household_data(client, village="Ban Doi Ngam")
    assert client.post("/office/group-a/households/new", data=first).status_code == 303
    again = new_household_data(client, village="Ban Pa Ko", registry_ref="570101234567")
    response = client.post("/office/group-a/households/new", data=again)
    assert response.status_code == 400
    assert "already recorded for another household" in response.get_data(as_text=True)
    assert _db.session.scalar(select(Household).where(Household.village == "Ban Pa Ko")) is None
    # Nor may another household be edited to hold it; its own stays editable.
    url = f"/office/group-a/households/{setup['household'].id}/edit"
    response = client.post(url, data=new_household_data(client, registry_ref="5701-0123-4567"))
    assert response.status_code == 400
    mine = _db.session.scalar(select(Household).where(Household.village == "Ban Doi Ngam"))
    response = client.post(
        f"/office/group-a/households/{mine.id}/edit",
        data=new_household_data(client, head_name="Boonmee S."),
    )
    assert response.status_code == 303
    text = HEADER.replace("\r\n", ",registry_ref\r\n") + "".join(
        [
            ",ก,บ้านดอยงาม,5,570505,,2568-01-15,,5701-0123-4567\r\n",  # line 2: taken
            ",ข,บ้านดอยงาม,5,570505,,2568-01-15,,5701-9999-0001\r\n",  # line 3: fine
            ",ค,บ้านดอยงาม,5,570505,,2568-01-15,,570199990001\r\n",  # line 4: as line 3
        ]
    )
    html = upload(client, text.encode()).get_data(as_text=True)
    assert "Line 2:" in html and "already recorded" in html
    assert "Line 3:" not in html and "also on line 3" in html


def test_a_household_of_another_group_is_added_by_its_registry_number(client, auth, setup):
    setup["household"].personal.registry_ref_hash = registry_hash("570101234567")
    _db.session.commit()
    auth.login("other@example.com")  # group B's leader, who cannot list group A's households
    url = "/office/group-b/households/link"
    form = {"csrf_token": token(client, url), "consent_on": "2568-03-01"}
    for ref, message in (
        ("", "This field is required."),
        ("5701-9999-9999", "No household is registered with this number"),
        ("57-01", "6 to 20 letters or digits"),
    ):
        response = client.post(url, data={**form, "registry_ref": ref})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    response = client.post(url, data={**form, "registry_ref": "5701-0123-4567", "consent_on": "x"})
    assert response.status_code == 400
    _db.session.expire_all()
    assert setup["b"] not in setup["household"].groups
    response = client.post(url, data={**form, "registry_ref": "5701-0123-4567"})
    assert response.status_code == 303
    _db.session.expire_all()
    assert set(setup["household"].groups) == {setup["a"], setup["b"]}
    (linked,) = _db.session.scalars(
        select(AuditLog).where(AuditLog.action == AuditAction.HOUSEHOLD_LINKED)
    ).all()
    assert linked.subject_id == setup["household"].id and "2025-03-01" in linked.details
    again = client.post(url, data={**form, "registry_ref": "570101234567"})
    assert again.status_code == 400 and "already" in again.get_data(as_text=True)
    # Staff of a group may not; the page is the leader's.
    auth.login("staff@example.com")
    assert client.get("/office/group-a/households/link").status_code == 403


def test_registry_numbers_cannot_be_tried_one_by_one(app, client, auth, setup, monkeypatch):
    monkeypatch.setitem(app.config, "HOUSEHOLD_LINK_LIMIT_PER_ACCOUNT", "3 per hour")
    auth.login("other@example.com")
    url = "/office/group-b/households/link"
    form = {"csrf_token": token(client, url), "consent_on": "2568-03-01"}
    statuses = [
        client.post(url, data={**form, "registry_ref": f"5701-0000-000{n}"}).status_code
        for n in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


def test_leader_edits_household(client, auth, setup):
    auth.login("leader@example.com")
    url = f"/office/group-a/households/{setup['household'].id}/edit"
    data = new_household_data(client, head_name="Somsri Changed", registry_ref="")
    assert client.post(url, data=data).status_code == 303
    _db.session.expire_all()
    household = _db.session.get(Household, setup["household"].id)
    assert household.code == "57-00001"
    assert household.personal.head_name == "Somsri Changed"
    assert household.personal.registry_ref_hash == ""


def test_csrf_is_required_on_every_post(client, auth, setup):
    auth.login("leader@example.com")
    for url in (
        "/office/group-a/households/new",
        f"/office/group-a/households/{setup['household'].id}/edit",
        "/office/group-a/households/import",
    ):
        assert client.post(url, data={"head_name": "X"}).status_code == 400
    assert len(_db.session.scalars(select(Household)).all()) == 2


# -- CSV import ------------------------------------------------------------------------------


def upload(client, content, name="households.csv"):
    data = {
        "csrf_token": token(client, "/office/group-a/households/import"),
        "file": (io.BytesIO(content), name),
    }
    return client.post(
        "/office/group-a/households/import", data=data, content_type="multipart/form-data"
    )


HEADER = "code,head_name,village,moo,subdistrict_code,phone,consent_date,consent_note\r\n"


def test_template_is_utf8_with_bom(client, auth, setup):
    auth.login("leader@example.com")
    response = client.get("/office/group-a/households/template.csv")
    assert response.status_code == 200
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.decode("utf-8-sig").startswith("code,head_name,village")


def test_template_imports_as_is(client, auth, setup):
    auth.login("leader@example.com")
    template = client.get("/office/group-a/households/template.csv").data
    assert upload(client, template).status_code == 303


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_import_with_or_without_bom_and_crlf(client, auth, setup, bom, newline):
    auth.login("leader@example.com")
    text = HEADER + "".join(
        [
            ",นางสมพร ใจงาม,บ้านดอยงาม,5,570505,0811111111,2568-01-15,ยินยอม\r\n",
            "X-7,นายมา ดี,บ้านดอยงาม,,570505,,2025-02-01,\r\n",
            ",นางแก้ว,บ้านดอยงาม,3,570505,,2567-12-31,\r\n",
        ]
    )
    response = upload(client, bom + text.replace("\r\n", newline).encode())
    assert response.status_code == 303
    households = _db.session.scalars(
        select(Household)
        .where(Household.code.notin_(["57-00001", "57-00002"]))
        .order_by(Household.id)
    ).all()
    assert [h.code for h in households] == ["57-00003", "X-7", "57-00004"]
    assert [h.personal.consent_on for h in households] == [
        date(2025, 1, 15),
        date(2025, 2, 1),
        date(2024, 12, 31),
    ]
    assert households[0].personal.head_name == "นางสมพร ใจงาม"
    assert all(h.groups == [setup["a"]] for h in households)


def test_bad_rows_are_listed_and_nothing_is_imported(client, auth, setup):
    auth.login("leader@example.com")
    text = HEADER + "".join(
        [
            ",ดี,บ้านดอยงาม,5,570505,,2568-01-15,\r\n",  # line 2: fine
            ",,บ้านดอยงาม,5,570505,,2568-01-15,\r\n",  # line 3: no name
            ",ก,บ้านดอยงาม,5,123456,,2568-01-15,\r\n",  # line 4: bad subdistrict
            ",ข,บ้านดอยงาม,5,570505,,15/1/2568,\r\n",  # line 5: bad date
            "57-00001,ค,บ้านดอยงาม,5,570505,,2568-01-15,\r\n",  # line 6: code taken
            "Z-1,ง,บ้านดอยงาม,5,570505,,2568-01-15,\r\n",  # line 7: fine
            "Z-1,จ,บ้านดอยงาม,5,570505,,2568-01-15,\r\n",  # line 8: code twice in file
            ",ฉ,บ้านดอยงาม,5,570505,,,\r\n",  # line 9: no consent
        ]
    )
    response = upload(client, text.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in html
    for line in (3, 4, 5, 6, 8, 9):
        assert f"Line {line}:" in html
    assert "Line 2:" not in html and "Line 7:" not in html
    assert "also on line 7" in html
    assert len(_db.session.scalars(select(Household)).all()) == 2


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (
            "head_name,village\r\nก,ข\r\n".encode(),
            "Missing columns: subdistrict_code, consent_date",
        ),
        (
            (HEADER.replace("phone", "telephone") + ",ก,ข,,570505,,2568-01-15,\r\n").encode(),
            "Unknown columns: telephone",
        ),
        ((HEADER + ",ก,ข,,570505,,2568-01-15,\r\n").encode("utf-16"), "not UTF-8"),
        ((HEADER + ",ก,ข,,570505,,2568-01-15,\r\n" * 2001).encode(), "more than 2000 rows"),
    ],
)
def test_bad_files_are_refused_clearly(client, auth, setup, content, fragment):
    auth.login("leader@example.com")
    response = upload(client, content)
    assert response.status_code == 400
    assert fragment in response.get_data(as_text=True)
    assert len(_db.session.scalars(select(Household)).all()) == 2


def test_too_large_file_is_refused(client, auth, setup, monkeypatch):
    # A smaller limit keeps the upload in memory (the test client spools big bodies to disk).
    from marketplace.impact import households

    monkeypatch.setattr(households, "IMPORT_MAX_BYTES", 20_000)
    auth.login("leader@example.com")
    response = upload(client, HEADER.encode() + b",a,b,,570505,,2568-01-15," + b"x" * 30_000)
    assert response.status_code == 400
    assert "too large: at most 19 KB" in response.get_data(as_text=True)
    assert len(_db.session.scalars(select(Household)).all()) == 2


def test_import_without_file_is_a_clear_message(client, auth, setup):
    auth.login("leader@example.com")
    data = {"csrf_token": token(client, "/office/group-a/households/import")}
    response = client.post("/office/group-a/households/import", data=data)
    assert response.status_code == 400
    assert "Choose a CSV file." in response.get_data(as_text=True)


def test_audit_details_carry_no_names(client, auth, setup):
    auth.login("leader@example.com")
    client.get("/office/group-a/households")
    details = json.loads(audits()[0].details)
    assert details == {"code": "57-00001", "reason": "office.households"}


def test_registry_hash_is_keyed(app, monkeypatch):
    import hashlib

    with app.test_request_context():
        derived = registry_hash("570101234567")
        assert derived != hashlib.sha256(b"570101234567").hexdigest()
        monkeypatch.setitem(app.config, "HOUSEHOLD_HASH_KEY", "another key")
        assert registry_hash("570101234567") not in ("", derived)
        assert registry_hash("") == ""
