"""Where your money goes: the product page's price split, by hand, and its privacy threshold."""

from datetime import UTC, datetime

from marketplace.catalog import queries
from marketplace.extensions import db
from marketplace.impact import ledger, price_split


def _splits(app, slug):
    with app.test_request_context():
        page = queries.product_page(slug)
        return price_split.offer_splits(page.offers)


def _rows(split):
    return {row.key: (row.satang, row.percent_text) for row in split.rows}


def test_split_by_hand_with_percent_fixed_and_fee(app, make, rule):
    """฿100: growers 60 % (฿60), packers ฿5 per unit, platform 3 % (฿3): the fund gets ฿32."""
    group = make.group()
    product = make.product(group=group, price_satang=10000)
    lot = product.variants[0].lots[0]
    for _ in range(4):
        make.contribution(lot, make.household(group), role="grower")
    make.contribution(lot, make.household(group), role="packer", quantity=1, unit="pieces")
    rule(group, product, {"grower": "60%", "packer": "5"}, fee="3")
    db.session.commit()
    (split,) = _splits(app, product.slug)
    assert _rows(split) == {
        "households": (6500, "65"),
        "group_fund": (3200, "32"),
        "platform": (300, "3"),
    }
    assert split.has_rule and split.lot.id == lot.id
    assert split.households == 5  # at the threshold: shown


def test_the_split_is_what_the_ledger_posts_for_one_unit(app, make, rule):
    group = make.group()
    product = make.product(group=group, price_satang=3333)
    lot = product.variants[0].lots[0]
    make.contribution(lot, make.household(group), role="grower")
    rule(group, product, {"grower": "47.5%", "weaver": "10%"}, fee="7.25")
    db.session.commit()
    (split,) = _splits(app, product.slug)
    posted = ledger.split_portion(
        3333,
        1,
        [ledger.Part("grower", "percent", 4750), ledger.Part("weaver", "percent", 1000)],
        725,
        roles_present={"grower"},
    )
    assert split.to_households == posted["grower"]  # no weaver in the lot: theirs to the fund
    assert sum(row.satang for row in split.rows) == 3333
    assert sum(row.permille for row in split.rows) == 1000


def test_fewer_households_than_the_threshold_are_not_counted(app, make, rule):
    group = make.group()
    product = make.product(group=group, price_satang=10000)
    lot = product.variants[0].lots[0]
    for _ in range(4):
        make.contribution(lot, make.household(group))
    rule(group, product, {"grower": "50%"})
    db.session.commit()
    (split,) = _splits(app, product.slug)
    assert split.households is None
    assert split.to_households == 5000


def test_no_rule_means_the_whole_price_to_the_group_fund(app, make):
    product = make.product(price_satang=4550)
    db.session.commit()
    (split,) = _splits(app, product.slug)
    assert not split.has_rule
    assert _rows(split) == {
        "households": (0, "0"),
        "group_fund": (4550, "100"),
        "platform": (0, "0"),
    }


def test_a_rule_saved_later_changes_the_cached_page(app, client, make, rule):
    """Saving a rule changes the catalog's version: the cached product page shows it at once."""
    group = make.group()
    product = make.product(group=group, price_satang=10000)
    lot = product.variants[0].lots[0]
    for _ in range(6):
        make.contribution(lot, make.household(group))
    db.session.commit()
    client.set_cookie("lang", "en")
    before = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert "Where your money goes" in before
    assert "has not set a share rule yet" in before
    rule(group, product, {"grower": "70%"}, now=datetime.now(UTC))
    db.session.commit()
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert "has not set a share rule yet" not in html
    assert "฿70" in html and "70%" in html
    assert "shared among the 6 households who made lot" in html
    assert "Shipping is added at checkout" in html


def test_the_page_in_thai_hides_a_small_lots_count(client, make, rule):
    group = make.group()
    product = make.product(group=group, price_satang=10000)
    lot = product.variants[0].lots[0]
    for _ in range(3):
        make.contribution(lot, make.household(group))
    rule(group, product, {"grower": "60%"})
    db.session.commit()
    client.set_cookie("lang", "th")
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert 'id="money-split-heading"' in html
    assert "3 ครัวเรือน" not in html.split('id="money-split-heading"')[1].split("</section>")[0]


def test_cart_split_by_hand_and_on_the_checkout_page(app, client, make, rule):
    """2 × ฿100 (growers 60 %, fee 3 %) and shipping: ฿120 / ฿74 / ฿6 of ฿200, then shipping."""
    from tests.shop.buying import add

    group = make.group(shipping_flat_satang=5000)
    product = make.product(group=group, price_satang=10000, stock=10)
    lot = product.variants[0].lots[0]
    for _ in range(5):
        make.contribution(lot, make.household(group))
    rule(group, product, {"grower": "60%"}, fee="3")
    db.session.commit()
    with app.test_request_context():
        rows = price_split.cart_split([(product.variants[0], lot, 2, 20000)], 5000)
    assert [(r.key, r.satang, r.percent_text) for r in rows] == [
        ("households", 12000, "60"),
        ("group_fund", 7400, "37"),
        ("platform", 600, "3"),
        ("shipping", 5000, "0"),
    ]
    client.set_cookie("lang", "en")
    add(client, product.variants[0], 2)
    page = client.get("/checkout").get_data(as_text=True)
    split = page.split('class="money-split cart-split"')[1].split("</details>")[0]
    assert "Where your money goes" in split
    assert "฿120" in split and "60%" in split and "฿74" in split
    assert "data-split-shipping" in split
