"""Share rules: validation, versions, the rule in force, the preview, and the office pages."""

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from marketplace.catalog import service as catalog
from marketplace.extensions import db
from marketplace.impact import share_rules
from marketplace.models import AuditLog, ShareRule

from ..conftest import csrf_token

NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)  # noon in Bangkok


def _fields(*parts, fee="", effective_on="", note=""):
    return {
        "parts": [{"role": r, "basis": b, "value": v} for r, b, v in parts],
        "platform_fee": fee,
        "effective_on": effective_on,
        "note": note,
    }


def test_check_values_reads_percent_and_baht():
    values = share_rules.check_values(
        _fields(
            ("grower", "percent", "60"), ("packer", "per_unit", "5"), ("dyer", "", ""), fee="3"
        ),
        prices=[12000],
        now=NOW,
    )
    assert [(p.role, p.basis, p.value) for p in values.parts] == [
        ("grower", "percent", 6000),
        ("packer", "per_unit", 500),
    ]
    assert values.platform_fee_bp == 300
    assert values.effective_from == NOW


@pytest.mark.parametrize(
    ("fields", "prices", "field", "words"),
    [
        (_fields(), [], None, "at least one role"),
        (_fields(("grower", "", "")), [], None, "at least one role"),
        (_fields(("baker", "percent", "10")), [], "parts-0-role", "role"),
        (
            _fields(("grower", "percent", "10"), ("grower", "percent", "5")),
            [],
            "parts-1-role",
            "only one",
        ),
        (_fields(("grower", "sometimes", "10")), [], "parts-0-basis", "how"),
        (_fields(("grower", "percent", "ten")), [], "parts-0-value", "percentage"),
        (_fields(("grower", "percent", "101")), [], "parts-0-value", "0 to 100"),
        (_fields(("grower", "percent", "-1")), [], "parts-0-value", "0 to 100"),
        (_fields(("grower", "percent", "10.125")), [], "parts-0-value", "two decimals"),
        (_fields(("grower", "percent", "0")), [], "parts-0-value", "more than zero"),
        (_fields(("grower", "percent", "NaN")), [], "parts-0-value", "percentage"),
        (_fields(("grower", "per_unit", "-5")), [], "parts-0-value", "negative"),
        (_fields(("grower", "per_unit", "1.005")), [], "parts-0-value", "two decimals"),
        (_fields(("grower", "percent", "70"), ("dyer", "percent", "31")), [], None, "101"),
        (_fields(("grower", "percent", "70"), fee="30.5"), [], None, "100.5"),
        (
            _fields(("grower", "percent", "50"), ("packer", "per_unit", "60.01")),
            [12000],
            None,
            "fixed",
        ),
        (
            _fields(("grower", "percent", "10"), effective_on="2026-05-31"),
            [],
            "effective_on",
            "already",
        ),
        (
            _fields(("grower", "percent", "10"), effective_on="31/12/2026"),
            [],
            "effective_on",
            "YYYY",
        ),
        (_fields(("grower", "percent", "10"), note="x" * 301), [], "note", "long"),
    ],
)
def test_bad_rules_are_refused_with_a_message_and_the_field(fields, prices, field, words):
    with force_locale("en"), pytest.raises(share_rules.ShareRuleError) as error:
        share_rules.check_values(fields, prices=prices, now=NOW)
    assert error.value.field == field
    with force_locale("en"):
        assert words in str(error.value.message)


def test_a_rule_may_take_exactly_the_whole_price():
    values = share_rules.check_values(
        _fields(("grower", "percent", "50"), ("packer", "per_unit", "60")), prices=[12000], now=NOW
    )
    assert sum(r.satang for r in share_rules.preview(values.parts, 0, 12000)) == 12000


def test_effective_dates_today_means_now_and_later_days_start_at_midnight_in_bangkok():
    today = share_rules.check_values(
        _fields(("grower", "percent", "10"), effective_on="2026-06-01"), now=NOW
    )
    assert today.effective_from == NOW
    later = share_rules.check_values(
        _fields(("grower", "percent", "10"), effective_on="2569-07-01"), now=NOW
    )
    assert later.effective_from == datetime(2026, 6, 30, 17, 0, tzinfo=UTC)


def test_saving_makes_versions_and_an_audit_row(make):
    group = make.group()
    product = make.product(group=group, variants=2)
    first = share_rules.save_rule(group, product.id, _fields(("grower", "percent", "50")), now=NOW)
    second = share_rules.save_rule(
        group, product.id, _fields(("grower", "percent", "55")), now=NOW + timedelta(days=1)
    )
    own = share_rules.save_rule(
        group,
        product.id,
        _fields(("weaver", "percent", "80")),
        variant_id=product.variants[1].id,
        now=NOW,
    )
    assert (first.version, second.version, own.version) == (1, 2, 1)
    assert [r.version for r in share_rules.rule_versions(product)] == [2, 1]
    actions = db.session.scalars(select(AuditLog.action)).all()
    assert actions.count("share_rule.saved") == 3


def test_the_rule_in_force_is_the_newest_started_and_a_variants_own_rule_wins(make):
    group = make.group()
    product = make.product(group=group, variants=2)
    plain, special = product.variants
    assert share_rules.rule_in_force(plain, NOW) is None
    v1 = share_rules.save_rule(group, product.id, _fields(("grower", "percent", "50")), now=NOW)
    v2 = share_rules.save_rule(
        group,
        product.id,
        _fields(("grower", "percent", "55"), effective_on="2026-07-01"),
        now=NOW,
    )
    assert share_rules.rule_in_force(plain, NOW + timedelta(days=1)) == v1
    assert share_rules.rule_in_force(plain, datetime(2026, 7, 1, tzinfo=UTC)) == v2
    assert share_rules.rule_in_force(plain, NOW - timedelta(seconds=1)) is None
    own = share_rules.save_rule(
        group, product.id, _fields(("grower", "percent", "90")), variant_id=special.id, now=NOW
    )
    assert share_rules.rule_in_force(special, datetime(2026, 8, 1, tzinfo=UTC)) == own
    assert share_rules.rule_in_force(plain, datetime(2026, 8, 1, tzinfo=UTC)) == v2
    assert share_rules.covered_variants(product) == [plain]


def test_another_groups_product_or_variant_is_not_found(make):
    mine, other = make.group(), make.group()
    theirs = make.product(group=other)
    mine_product = make.product(group=mine)
    with pytest.raises(catalog.NotFound):
        share_rules.save_rule(mine, theirs.id, _fields(("grower", "percent", "50")), now=NOW)
    with pytest.raises(catalog.NotFound):
        share_rules.save_rule(
            mine,
            mine_product.id,
            _fields(("grower", "percent", "50")),
            variant_id=theirs.variants[0].id,
            now=NOW,
        )
    assert db.session.scalar(select(func.count()).select_from(ShareRule)) == 0


def test_preview_per_unit_at_the_current_price():
    values = share_rules.check_values(
        _fields(("grower", "percent", "60"), ("packer", "per_unit", "5"), fee="3"), now=NOW
    )
    rows = share_rules.preview(values.parts, values.platform_fee_bp, 12000)
    assert [(r.key, r.satang) for r in rows] == [
        ("grower", 7200),
        ("packer", 500),
        ("_group_fund", 3940),
        ("_platform", 360),
    ]


# -- the office pages --------------------------------------------------------------------------


@pytest.fixture
def office(make, make_user, auth, client):
    group = make.group()
    product = make.product(group=group, price_satang=12000, variants=2)
    leader = make_user("leader@example.com", memberships=[(group, "leader")])
    staff = make_user("staff@example.com", memberships=[(group, "staff")])
    db.session.commit()
    return dict(group=group, product=product, leader=leader, staff=staff, auth=auth, client=client)


def _form(token, **changes):
    data = {
        "csrf_token": token,
        "parts-0-role": "grower",
        "parts-0-basis": "percent",
        "parts-0-value": "60",
        "parts-1-role": "packer",
        "parts-1-basis": "per_unit",
        "parts-1-value": "5",
        "parts-2-role": "dyer",
        "parts-2-basis": "",
        "parts-2-value": "",
        "platform_fee": "3",
        "effective_on": "",
        "note": "ตกลงในที่ประชุมกลุ่ม",
    }
    data.update(changes)
    return data


def test_the_leader_previews_then_saves_a_rule(office):
    client, group, product = office["client"], office["group"], office["product"]
    office["auth"].login("leader@example.com")
    path = f"/office/{group.slug}/products/{product.id}/share-rule"
    page = client.get(path)
    assert page.status_code == 200
    token = csrf_token(client, path)
    preview = client.post(path, data=_form(token, preview="y"))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "฿72" in html and "฿5" in html and "฿39.40" in html and "฿3.60" in html
    assert db.session.scalar(select(func.count()).select_from(ShareRule)) == 0

    saved = client.post(path, data=_form(token))
    assert saved.status_code == 303
    rule = db.session.scalar(select(ShareRule))
    assert rule.version == 1 and rule.platform_fee_bp == 300 and len(rule.parts) == 2
    listing = client.get(f"/office/{group.slug}/share-rules").get_data(as_text=True)
    assert "60%" in listing and "฿5" in listing


def test_a_bad_rule_answers_400_with_the_message_and_saves_nothing(office):
    client, group, product = office["client"], office["group"], office["product"]
    office["auth"].login("leader@example.com")
    path = f"/office/{group.slug}/variants/{product.variants[0].id}/share-rule"
    token = csrf_token(client, path)
    response = client.post(path, data=_form(token, **{"parts-0-value": "99"}))
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ShareRule)) == 0
    response = client.post(path, data=_form(token, **{"parts-0-value": "1.001"}))
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_staff_see_the_rules_but_cannot_save_them(office):
    client, group, product = office["client"], office["group"], office["product"]
    office["auth"].login("staff@example.com")
    assert client.get(f"/office/{group.slug}/share-rules").status_code == 200
    path = f"/office/{group.slug}/products/{product.id}/share-rule"
    assert client.get(path).status_code == 403
    token = csrf_token(client, f"/office/{group.slug}/share-rules")
    assert client.post(path, data=_form(token)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ShareRule)) == 0


def test_a_version_saved_at_the_same_moment_is_refused_with_a_message(make, monkeypatch):
    """Two leaders saving at once both read version 1 as the newest: the second is refused."""
    group = make.group()
    product = make.product(group=group)
    share_rules.save_rule(group, product.id, _fields(("grower", "percent", "50")), now=NOW)
    real_scalar = db.session.scalar

    def stale_latest(statement, *args, **kwargs):
        value = real_scalar(statement, *args, **kwargs)
        return value - 1 if "max(share_rule.version)" in str(statement) else value

    monkeypatch.setattr(db.session, "scalar", stale_latest)
    with force_locale("en"), pytest.raises(share_rules.ShareRuleError, match="same moment"):
        share_rules.save_rule(group, product.id, _fields(("grower", "percent", "60")), now=NOW)
    monkeypatch.undo()
    assert [r.version for r in share_rules.rule_versions(product)] == [1]
