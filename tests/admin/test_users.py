"""Admins find people, switch roles, assign officer areas and deactivate accounts."""

from datetime import UTC, datetime, timedelta

from marketplace.accounts.audit import AuditAction, audit
from marketplace.models.accounts import AuditLog, OfficerArea

from .. import factories
from ..accounts.helpers import audit_rows, details, post_form, signed_in_email


def _flag(client, user, flag, value):
    return post_form(
        client, f"/admin/users/{user.id}/{flag}", {"value": value}, page=f"/admin/users/{user.id}"
    )


def test_user_search(client, admin, make_user, db):
    make_user("malee@example.com", name="Malee Srisuk")
    make_user("somchai@example.com", name="Somchai")
    make_user("under_score@example.com")
    db.session.commit()
    html = client.get("/admin/users?q=MALEE").get_data(as_text=True)
    assert "malee@example.com" in html and "somchai@example.com" not in html
    html = client.get("/admin/users?q=srisuk").get_data(as_text=True)
    assert "malee@example.com" in html
    html = client.get("/admin/users?q=_").get_data(as_text=True)  # LIKE wildcards are literal
    assert "under_score@example.com" in html and "malee@example.com" not in html
    assert client.get("/admin/users?page=abc").status_code == 200
    assert client.get("/admin/users?page=999").status_code == 200


def test_deactivate_and_reactivate(app, client, admin, make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    browser = app.test_client()
    browser.set_cookie("lang", "en")
    from tests.conftest import AuthActions

    AuthActions(browser).login("buyer@example.com", remember=True)
    assert signed_in_email(browser) == "buyer@example.com"

    assert _flag(client, user, "active", "0").status_code == 303
    db.session.refresh(user)
    assert not user.active
    assert signed_in_email(browser) is None  # the running session stops working
    assert AuthActions(browser).login("buyer@example.com").status_code == 403

    assert _flag(client, user, "active", "1").status_code == 303
    db.session.refresh(user)
    assert user.active
    assert [r.action for r in audit_rows() if r.action.startswith("user.")] == [
        AuditAction.USER_DEACTIVATED,
        AuditAction.USER_REACTIVATED,
    ]


def test_an_admin_cannot_deactivate_or_demote_themselves(client, admin, db):
    response = _flag(client, admin, "active", "0")
    assert response.status_code == 303
    assert "You cannot deactivate your own account." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    response = _flag(client, admin, "admin", "0")
    db.session.refresh(admin)
    assert admin.active and admin.is_admin
    assert client.get("/admin/").status_code == 200


def test_grant_and_revoke_admin(client, admin, make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    _flag(client, user, "admin", "1")
    db.session.refresh(user)
    assert user.is_admin
    _flag(client, user, "admin", "0")
    db.session.refresh(user)
    assert not user.is_admin
    rows = [r for r in audit_rows() if r.action.startswith("admin.")]
    assert [(r.action, r.actor_id, r.subject_id) for r in rows] == [
        (AuditAction.ADMIN_GRANTED, admin.id, user.id),
        (AuditAction.ADMIN_REVOKED, admin.id, user.id),
    ]


def test_a_bad_flag_value_is_refused(client, admin, make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    assert _flag(client, user, "admin", "yes").status_code == 400
    db.session.refresh(user)
    assert not user.is_admin


def _add_area(client, user, province, district=""):
    return post_form(
        client,
        f"/admin/users/{user.id}/areas",
        {"province_code": province, "district_code": district},
        page=f"/admin/users/{user.id}",
    )


def test_assign_officer_areas(client, admin, make_user, db):
    user = make_user("officer@example.com")
    db.session.commit()
    assert _add_area(client, user, "57").status_code == 303
    assert _add_area(client, user, "58", "5801").status_code == 303
    db.session.refresh(user)
    assert user.is_officer
    assert [(a.province_code, a.district_code) for a in user.officer_areas] == [
        ("57", ""),
        ("58", "5801"),
    ]
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "whole province" in page
    actions = [r.action for r in audit_rows() if r.action.startswith("officer")]
    assert actions == [
        AuditAction.OFFICER_GRANTED,
        AuditAction.OFFICER_AREA_ADDED,
        AuditAction.OFFICER_AREA_ADDED,
    ]
    area = user.officer_areas[1]
    response = post_form(
        client,
        f"/admin/users/{user.id}/areas/{area.id}/delete",
        {},
        page=f"/admin/users/{user.id}",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert [a.province_code for a in user.officer_areas] == ["57"]
    assert details(audit_rows(AuditAction.OFFICER_AREA_REMOVED)[0]) == {
        "district_code": "5801",
        "province_code": "58",
    }
    _flag(client, user, "officer", "0")
    db.session.refresh(user)
    assert not user.is_officer


def test_bad_officer_areas_change_nothing(client, admin, make_user, db):
    user = make_user("officer@example.com", officer_areas=["57"])
    db.session.commit()
    for province, district, message in [
        ("58", "5705", "This district is not in the chosen province."),
        ("99", "", "Choose a province."),
        ("57", "5705", "This area is already covered."),
        ("57", "", "This area is already covered."),
    ]:
        response = _add_area(client, user, province, district)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert db.session.query(OfficerArea).count() == 1


def test_show_districts_lists_the_province_districts(client, admin, make_user, db):
    user = make_user("officer@example.com")
    db.session.commit()
    response = post_form(
        client,
        f"/admin/users/{user.id}/areas",
        {"province_code": "57", "update_areas": "y"},
        page=f"/admin/users/{user.id}",
    )
    assert response.status_code == 200
    assert '<option value="5705">' in response.get_data(as_text=True)
    assert db.session.query(OfficerArea).count() == 0


# -- the audit log page --------------------------------------------------------------


def test_audit_page_filters_by_action_actor_and_dates(client, admin, make_user, db):
    other = make_user("other@example.com")
    old = audit(AuditAction.ADMIN_GRANTED, other, actor=admin)
    old.at = datetime(2025, 1, 10, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok
    late = audit(AuditAction.ADMIN_GRANTED, other, actor=other)
    late.at = datetime(2025, 1, 10, 18, 0, tzinfo=UTC)  # already 11 Jan in Bangkok
    db.session.commit()

    def shown(query):
        html = client.get("/admin/audit?" + query).get_data(as_text=True)
        return html.count('<td class="audit-what">Given admin rights')

    assert shown("action=admin.granted") == 2
    assert shown("action=admin.granted&actor=admin%40example.com") == 1
    assert shown("action=admin.granted&actor=OTHER%40example.com") == 1
    assert shown("action=admin.granted&date_from=2025-01-10&date_to=2025-01-10") == 1
    assert shown("action=admin.granted&date_from=2025-01-11") == 1
    assert shown("action=sign_out") == 0
    assert client.get("/admin/audit?date_from=nonsense").status_code == 200


def test_audit_page_paginates(client, admin, db):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(35):
        row = audit("test.event", actor=admin, n=n)
        row.at = start + timedelta(minutes=n)
    db.session.commit()
    first = client.get("/admin/audit?action=test.event").get_data(as_text=True)
    assert first.count("<code>test.event</code>") == 30
    assert "page=2" in first and "action=test.event" in first
    second = client.get("/admin/audit?action=test.event&page=2").get_data(as_text=True)
    assert second.count("<code>test.event</code>") == 5
    assert db.session.query(AuditLog).filter_by(action="test.event").count() == 35


def test_audit_entries_read_as_sentences_in_either_language(client, admin, make_user, db):
    """Issue 11: the log showed `ledger.entry_recorded` and raw JSON; now a sentence each."""
    group = factories.make_group(slug="hom-phaendin", name_th="กลุ่มหอมแผ่นดิน", name_en="Hom Phaendin")
    other = make_user("leader@example.com")
    audit(
        AuditAction.LEDGER_ENTRY_RECORDED,
        other,
        kind="wage",
        household="57-00012",
        group=group.slug,
        amount=30000,
    )
    audit(AuditAction.INVITATION_SENT, other, group_id=group.id, role="leader", sent=False)
    audit(AuditAction.SLIP_REJECTED, other, order="HP-1234", reason="No money arrived")
    db.session.commit()

    english = client.get("/admin/audit").get_data(as_text=True)
    assert "Recorded for household 57-00012: Wage for work done, ฿300" in english
    assert "Invited to Hom Phaendin as leader; the mail could not be sent" in english
    assert "Transfer slip of order HP-1234 rejected" in english
    assert "<dt>Reason</dt><dd>No money arrived</dd>" in english
    # What a row is about is named, not "user 7": the account's email, linked.
    about = f'<a href="/admin/users/{other.id}">leader@example.com</a>'
    assert f'<span class="muted">About:</span> {about}' in english
    assert "เกี่ยวกับ" not in english
    assert f"user {other.id}" not in english
    assert "ledger.entry_recorded" not in english.split("<tbody>")[1]
    assert '{"' not in english and "&#34;" not in english

    admin.locale = "th"
    db.session.commit()
    thai = client.get("/admin/audit").get_data(as_text=True)
    assert "บันทึกให้ครัวเรือน 57-00012: ค่าแรงจากการทำงาน ฿300" in thai
    assert "เชิญเข้าร่วม กลุ่มหอมแผ่นดิน ในฐานะหัวหน้ากลุ่ม แต่ส่งอีเมลไม่สำเร็จ" in thai
    assert "<dt>เหตุผล</dt><dd>No money arrived</dd>" in thai
    assert '<span class="muted">เกี่ยวกับ:</span>' in thai
    # The filter names actions in words too.
    assert '<option value="ledger.entry_recorded">บันทึกรายการในบัญชีรายได้ครัวเรือน</option>' in thai


def test_unknown_or_odd_audit_rows_fall_back_gracefully(client, admin, db):
    """A code without a sentence shows the code; details missing a key show the label."""
    audit("mail.bounced", None, actor=admin, to_count=2, ok=False)
    audit(AuditAction.PRICE_CHANGED, None, actor=admin, sku="BSR-1KG")  # no old/new
    db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "<code>mail.bounced</code>" in html
    assert "<dt>to_count</dt><dd>2</dd>" in html and "<dt>ok</dt><dd>No</dd>" in html
    assert '<td class="audit-what">Price changed' in html
