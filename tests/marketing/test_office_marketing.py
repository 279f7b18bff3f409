"""The office Marketing page: who may open it and what its cards section offers."""

from marketplace.extensions import db


def test_leader_and_staff_see_cards_and_share_links_of_their_group(client, auth, world, make_user):
    leader = make_user(memberships=[(world.group, "leader")])
    staff = make_user(memberships=[(world.group, "staff")])
    db.session.commit()
    for user in (leader, staff):
        auth.login(user.email)
        response = client.get("/office/hom-phaendin/marketing")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'href="/cards/product/black-sticky-rice/1080x1920/th.jpg"' in html
        assert f'href="/cards/lot/{world.lot.code}/1080x1080/th.jpg"' in html
        assert 'href="/cards/group/hom-phaendin/1200x630/en.jpg"' in html
        assert "social-plugins.line.me/lineit/share?url=" in html
        assert "utm_source%3Dline" in html
        assert 'id="share-cards"' in html
        assert 'href="/office/hom-phaendin/marketing" aria-current="page"' in html
        auth.logout()


def test_other_groups_and_buyers_are_refused(client, auth, world, make, make_user):
    other = make.group(slug="other-group")
    outsider = make_user(memberships=[(other, "leader")])
    buyer = make_user()
    db.session.commit()
    assert client.get("/office/hom-phaendin/marketing").status_code in (302, 401)
    auth.login(buyer.email)
    assert client.get("/office/hom-phaendin/marketing").status_code == 403
    auth.logout()
    auth.login(outsider.email)
    assert client.get("/office/hom-phaendin/marketing").status_code in (403, 404)
    assert client.get("/office/other-group/marketing").status_code == 200


def test_a_paused_group_is_told_why_it_has_no_cards(client, auth, world, make_user):
    leader = make_user(memberships=[(world.group, "leader")], locale="en")
    world.group.is_active = False
    db.session.commit()
    auth.login(leader.email)
    html = client.get("/office/hom-phaendin/marketing").get_data(as_text=True)
    assert "/cards/" not in html
    assert "not listed in the market" in html


def test_the_page_links_label_sheets_per_lot_and_gives_the_feed_addresses(
    client, auth, world, make_user
):
    leader = make_user(memberships=[(world.group, "leader")], locale="en")
    db.session.commit()
    auth.login(leader.email)
    html = client.get("/office/hom-phaendin/marketing").get_data(as_text=True)
    assert f'href="/office/hom-phaendin/lots/{world.lot.id}/labels"' in html
    assert f"Lot {world.lot.code}" in html
    assert "/feeds/hom-phaendin/google-merchant.xml" in html
    assert "/feeds/hom-phaendin/meta-catalog.csv" in html
    assert "Google Merchant Center, step by step" in html
