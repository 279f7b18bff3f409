"""Small creators for test data: each makes one valid row with sensible defaults."""

import itertools
from datetime import date

from marketplace.extensions import db
from marketplace.models import (
    Category,
    Claim,
    ClaimKind,
    ClaimStatus,
    ContributionRole,
    Household,
    Lot,
    LotContribution,
    ProducerGroup,
    Product,
    Variant,
)

_counter = itertools.count(1)


def _n():
    return next(_counter)


def make_group(**fields):
    """A producer group in Doi Ngam, Phan, Chiang Rai unless told otherwise."""
    n = _n()
    values = dict(
        slug=f"group-{n}",
        name_th=f"กลุ่มทดสอบ {n}",
        name_en=f"Test group {n}",
        story_th="เรื่องราวของกลุ่ม",
        story_en="The group's story",
        village="บ้านดอยงาม",
        moo=5,
        subdistrict_code="570505",
        district_code="5705",
        province_code="57",
        postal_code="57120",
    )
    values.update(fields)
    group = ProducerGroup(**values)
    db.session.add(group)
    db.session.flush()
    return group


def make_category(**fields):
    """A category."""
    n = _n()
    values = dict(slug=f"category-{n}", name_th=f"หมวด {n}", name_en=f"Category {n}")
    values.update(fields)
    category = Category(**values)
    db.session.add(category)
    db.session.flush()
    return category


def make_product(group=None, category=None, variants=1, price_satang=12000, stock=10, **fields):
    """An active product with `variants` variants, each with one lot of `stock` units."""
    n = _n()
    group = group or make_group()
    values = dict(
        slug=f"product-{n}",
        name_th=f"สินค้าทดสอบ {n}",
        name_en=f"Test product {n}",
        summary_th="สรุปสินค้า",
        summary_en="Product summary",
        description_th="รายละเอียดสินค้า",
        description_en="Product description",
        group=group,
        category=category,
    )
    values.update(fields)
    product = Product(**values)
    db.session.add(product)
    db.session.flush()
    for i in range(variants):
        variant = make_variant(product, price_satang=price_satang + i * 1000, position=i)
        if stock is not None:
            make_lot(variant, quantity=stock, available=stock)
    return product


def make_variant(product, **fields):
    """A variant of a product."""
    n = _n()
    values = dict(
        product=product,
        sku=f"SKU-{n}",
        label_th=f"{n} กก.",
        label_en=f"{n} kg",
        price_satang=12000,
        weight_grams=1000,
    )
    values.update(fields)
    variant = Variant(**values)
    db.session.add(variant)
    db.session.flush()
    return variant


def make_lot(variant, quantity=10, available=None, **fields):
    """A harvest lot of a variant, produced in Doi Ngam."""
    n = _n()
    values = dict(
        variant=variant,
        code=f"LOT-{n:05d}",
        produced_on=date(2025, 12, 1),
        quantity=quantity,
        available=quantity if available is None else available,
        village="บ้านดอยงาม",
        moo=5,
        subdistrict_code="570505",
        district_code="5705",
        province_code="57",
    )
    values.update(fields)
    lot = Lot(**values)
    db.session.add(lot)
    db.session.flush()
    return lot


def make_household(group=None, **fields):
    """A household with a pseudonymous code, supplying `group`."""
    n = _n()
    values = dict(
        code=f"HH-{n:05d}",
        village="บ้านดอยงาม",
        moo=5,
        subdistrict_code="570505",
        district_code="5705",
        province_code="57",
    )
    values.update(fields)
    household = Household(**values)
    if group is not None:
        household.groups.append(group)
    db.session.add(household)
    db.session.flush()
    return household


def make_contribution(lot, household, role=ContributionRole.GROWER, quantity=10, unit="kg"):
    """A household's contribution to a lot."""
    contribution = LotContribution(
        lot=lot, household=household, role=role, quantity=quantity, unit=unit
    )
    db.session.add(contribution)
    db.session.flush()
    return contribution


def make_claim(subject, kind=ClaimKind.CHEMICAL_FREE, status=ClaimStatus.VERIFIED, **fields):
    """A claim about a group, product or lot."""
    values = dict(
        kind=kind,
        status=status,
        issuer="สำนักงานเกษตรอำเภอพาน",
        certificate_no=f"CERT-{_n()}",
        valid_from=date(2025, 1, 1),
        valid_until=date(2030, 12, 31),
    )
    if isinstance(subject, ProducerGroup):
        values["group"] = subject
    elif isinstance(subject, Product):
        values["product"] = subject
    elif isinstance(subject, Lot):
        values["lot"] = subject
    else:
        raise TypeError(subject)
    values.update(fields)
    claim = Claim(**values)
    db.session.add(claim)
    db.session.flush()
    return claim


# -- accounts (added with the accounts issue) ----------------------------------------

DEFAULT_PASSWORD = "correct horse battery staple"


def make_user(
    email=None,
    password=DEFAULT_PASSWORD,
    *,
    name="",
    admin=False,
    officer_areas=(),
    memberships=(),
    active=True,
    locale="th",
):
    """A user with a real (test-strength) password hash and the roles asked for.

    `officer_areas`: ("57", "5705") pairs or bare province codes, making the user
    an officer. `memberships`: (group, "leader" | "staff") pairs. `password=None`
    gives an invited user with no usable password.
    """
    from marketplace.accounts.passwords import hash_password
    from marketplace.models.accounts import GroupMembership, OfficerArea, User

    n = _n()
    user = User(
        email=email or f"user{n}@example.com",
        name=name,
        password_hash=hash_password(password) if password else "",
        is_admin=admin,
        is_officer=bool(officer_areas),
        active=active,
        locale=locale,
    )
    db.session.add(user)
    for area in officer_areas:
        province, district = (area, "") if isinstance(area, str) else (area[0], area[1] or "")
        db.session.add(OfficerArea(user=user, province_code=province, district_code=district))
    for group, role in memberships:
        db.session.add(GroupMembership(user=user, group=group, role=role))
    db.session.flush()
    return user


BUYER_ADDRESS = dict(
    address_line="99 หมู่ 5 ถนนพหลโยธิน",
    province_code="57",
    district_code="5705",
    subdistrict_code="570505",
    postal_code="57120",
)


def make_order(items, payment_method="transfer", paid=False, user=None, delivery=None, **fields):
    """An order placed through the real checkout: `items` maps variants (or ids) to quantities.

    `paid=True` records a succeeded payment through `orders.service.mark_paid`.
    """
    from marketplace.orders import checkout, service

    values = dict(
        email="buyer@example.com",
        name="สมชาย ใจดี",
        phone="0812345678",
        address=dict(BUYER_ADDRESS),
        delivery=delivery or {},
        payment_method=payment_method,
        stripe_configured=True,
        user=user,
    )
    values.update(fields)
    cart = {getattr(v, "id", v): n for v, n in items.items()}
    order = checkout.place_order(cart, **values)
    if paid:
        payment = service.new_payment(order, payment_method)
        service.mark_paid(order, payment)
    return order
