"""Relevance: Thai and English queries over a fixed catalog find the products a buyer means.

The catalog mirrors real groups: Hom Phaendin (black sticky rice, Japanese rice,
hand-woven doormats) in Doi Ngam, Phan, Chiang Rai; a Karen-chili group in Mae
Hong Son; weavers in Nan; coffee in Mae Suai; honey and organic rice in Chiang
Mai; bamboo basketry in Phayao. Each query lists products that must appear in
the top 5 results.
"""

import pytest

from marketplace.catalog import search
from marketplace.extensions import db as _db
from marketplace.models import ClaimKind, ClaimStatus, Product, ProductStatus

from .. import factories
from ..conftest import _empty_all_tables

AREAS = {
    "phan": dict(province_code="57", district_code="5705", subdistrict_code="570505"),
    "mae_suai": dict(province_code="57", district_code="5710", subdistrict_code="571001"),
    "mae_hong_son": dict(province_code="58", district_code="5801", subdistrict_code="580101"),
    "nan": dict(province_code="55", district_code="5501", subdistrict_code="550101"),
    "chiang_mai": dict(province_code="50", district_code="5003", subdistrict_code="500301"),
    "phayao": dict(province_code="56", district_code="5603", subdistrict_code="560301"),
}

GROUPS = {
    "hom-phaendin": ("กลุ่มวิสาหกิจชุมชนหอมแผ่นดิน", "Hom Phaendin Community Enterprise", "phan"),
    "karen-chili": ("กลุ่มพริกกะเหรี่ยงบ้านห้วยเดื่อ", "Huai Duea Karen Chili Group", "mae_hong_son"),
    "nan-weavers": ("กลุ่มผ้าทอมือบ้านหนองบัว", "Ban Nong Bua Hand-weaving Group", "nan"),
    "doi-chang-coffee": ("กลุ่มกาแฟดอยช้าง", "Doi Chang Coffee Growers", "mae_suai"),
    "mae-chaem-organic": ("กลุ่มเกษตรอินทรีย์แม่แจ่ม", "Mae Chaem Organic Farmers", "chiang_mai"),
    "chiang-kham-bamboo": ("กลุ่มจักสานเชียงคำ", "Chiang Kham Basketry Group", "phayao"),
    "closed-group": ("กลุ่มที่ปิดแล้ว", "Closed group", "phan"),
}

CATEGORIES = {
    "rice": ("ข้าว", "Rice"),
    "chili": ("พริกและเครื่องเทศ", "Chili and spices"),
    "woven": ("ผ้าและงานทอ", "Textiles and weaving"),
    "coffee": ("กาแฟ", "Coffee"),
    "food": ("อาหารแปรรูป", "Processed food"),
    "crafts": ("งานจักสาน", "Basketry and crafts"),
}

# slug: (group, category, name_th, name_en, description_th, description_en, stock, extra)
PRODUCTS = {
    "black-sticky-rice": (
        "hom-phaendin", "rice", "ข้าวเหนียวดำ", "Black sticky rice",
        "ข้าวเหนียวดำปลูกแบบปลอดสารเคมี บ้านดอยงาม", "Black glutinous rice grown without chemicals.",
        40, {"featured": True},
    ),
    "japanese-rice": (
        "hom-phaendin", "rice", "ข้าวญี่ปุ่น", "Japanese rice",
        "ข้าวพันธุ์ญี่ปุ่นปลูกบนดอย", "Japanese short-grain rice grown in the hills.",
        25, {},
    ),
    "khiao-ngu-sticky-rice": (
        "hom-phaendin", "rice", "ข้าวเหนียวเขี้ยวงู", "Khiao Ngu sticky rice",
        "ข้าวเหนียวเมล็ดเรียวยาว หอมนุ่ม", "Long-grain fragrant glutinous rice.",
        30, {},
    ),
    "hom-mali-brown-rice": (
        "hom-phaendin", "rice", "ข้าวกล้องหอมมะลิ", "Hom Mali brown rice",
        "ข้าวกล้องหอมมะลิ สีมือ", "Hand-milled jasmine brown rice.",
        0, {},
    ),
    "doormat": (
        "hom-phaendin", "woven", "พรมเช็ดเท้าทอมือ", "Hand-woven doormat",
        "พรมเช็ดเท้าทอจากเศษผ้า ทอหลังฤดูเก็บเกี่ยว", "Doormat woven from fabric offcuts after harvest.",
        60, {"handmade": True},
    ),
    "floral-rug": (
        "hom-phaendin", "woven", "พรมทอมือลายดอกไม้", "Hand-woven floral rug",
        "พรมผืนใหญ่ลายดอกไม้", "A large rug with a flower pattern.",
        8, {},
    ),
    "dried-karen-chili": (
        "karen-chili", "chili", "พริกกะเหรี่ยงแห้ง", "Dried Karen chili",
        "พริกกะเหรี่ยงตากแดด เผ็ดหอม", "Sun-dried Karen chilies, hot and fragrant.",
        50, {"group_claim": ClaimKind.CHEMICAL_FREE},
    ),
    "ground-karen-chili": (
        "karen-chili", "chili", "พริกกะเหรี่ยงป่น", "Ground Karen chili flakes",
        "พริกป่นจากพริกกะเหรี่ยง", "Chili flakes ground from Karen chilies.",
        35, {},
    ),
    "karen-chili-paste": (
        "karen-chili", "food", "น้ำพริกกะเหรี่ยง", "Karen chili paste",
        "น้ำพริกสูตรกะเหรี่ยง", "A Karen-style chili dip.",
        20, {},
    ),
    "karen-upland-rice": (
        "karen-chili", "rice", "ข้าวไร่กะเหรี่ยง", "Karen upland rice",
        "ข้าวไร่ปลูกบนภูเขา แม่ฮ่องสอน", "Hill rice grown on Karen upland fields.",
        15, {},
    ),
    "perilla-seeds": (
        "karen-chili", "food", "งาขี้ม้อน", "Perilla seeds",
        "งาขี้ม้อนคั่ว โอเมก้าสาม", "Roasted perilla seeds, rich in omega-3.",
        12, {},
    ),
    "tin-chok-sarong": (
        "nan-weavers", "woven", "ผ้าซิ่นตีนจก", "Tin chok sarong",
        "ผ้าซิ่นทอมือลายตีนจก", "A hand-woven sarong with a tin chok hem.",
        4, {"handmade": True},
    ),
    "pha-khao-ma": (
        "nan-weavers", "woven", "ผ้าขาวม้าทอมือ", "Hand-woven pha khao ma cloth",
        "ผ้าขาวม้าฝ้ายทอมือ", "A cotton multi-purpose cloth, hand-woven.",
        18, {},
    ),
    "indigo-scarf": (
        "nan-weavers", "woven", "ผ้าพันคอย้อมคราม", "Indigo-dyed scarf",
        "ผ้าฝ้ายย้อมครามธรรมชาติ", "Cotton scarf dyed with natural indigo.",
        9, {"product_claim": ClaimKind.NATURAL_DYE},
    ),
    "arabica-beans": (
        "doi-chang-coffee", "coffee", "เมล็ดกาแฟอาราบิก้าคั่วกลาง", "Arabica coffee beans, medium roast",
        "กาแฟอาราบิก้าจากดอยช้าง เชียงราย", "Arabica from Doi Chang, Chiang Rai.",
        45, {},
    ),
    "drip-coffee": (
        "doi-chang-coffee", "coffee", "กาแฟดริปซอง", "Drip bag coffee",
        "กาแฟดริปพร้อมชง", "Ready-to-brew drip bags.",
        70, {},
    ),
    "longan-honey": (
        "mae-chaem-organic", "food", "น้ำผึ้งดอกลำไย", "Longan blossom honey",
        "น้ำผึ้งแท้จากสวนลำไย", "Pure honey from longan orchards.",
        22, {},
    ),
    "organic-jasmine-rice": (
        "mae-chaem-organic", "rice", "ข้าวหอมมะลิอินทรีย์", "Organic jasmine rice",
        "ข้าวหอมมะลิเกษตรอินทรีย์ ไม่ใช้สารเคมี", "Certified organic jasmine rice.",
        33, {"product_claim": ClaimKind.ORGANIC_THAILAND},
    ),
    "dried-mushrooms": (
        "mae-chaem-organic", "food", "เห็ดหอมอบแห้ง", "Dried shiitake mushrooms",
        "เห็ดหอมปลอดสารพิษ อบแห้ง", "Pesticide-free shiitake, dried.",
        14, {"product_claim": ClaimKind.CHEMICAL_FREE},
    ),
    "bamboo-basket": (
        "chiang-kham-bamboo", "crafts", "ตะกร้าสานไม้ไผ่", "Woven bamboo basket",
        "ตะกร้าไม้ไผ่สานมือ", "A basket woven by hand from bamboo.",
        16, {"handmade": True},
    ),
    "sticky-rice-basket": (
        "chiang-kham-bamboo", "crafts", "กระติบข้าวเหนียว", "Sticky rice basket",
        "กระติบใส่ข้าวเหนียวสานจากไม้ไผ่", "A lidded bamboo basket for sticky rice.",
        11, {},
    ),
    "rattan-tray": (
        "chiang-kham-bamboo", "crafts", "ถาดหวาย", "Rattan tray",
        "ถาดสานหวาย", "A woven rattan tray.",
        6, {},
    ),
    # Not for sale: must never appear.
    "draft-rice": (
        "hom-phaendin", "rice", "ข้าวเหนียวดำทดลอง", "Trial black sticky rice",
        "", "", 5, {"status": ProductStatus.DRAFT},
    ),
    "archived-chili": (
        "karen-chili", "chili", "พริกกะเหรี่ยงรุ่นเก่า", "Old Karen chili",
        "", "", 5, {"status": ProductStatus.ARCHIVED},
    ),
    "closed-group-rice": (
        "closed-group", "rice", "ข้าวเหนียวดำกลุ่มปิด", "Closed group black sticky rice",
        "", "", 5, {},
    ),
}  # fmt: skip

HIDDEN = {"draft-rice", "archived-chili", "closed-group-rice"}

# query: products that must all be in the top 5.
RELEVANCE = {
    "ข้าว": {"black-sticky-rice", "japanese-rice"},
    "ข้าวเหนียว": {"black-sticky-rice", "khiao-ngu-sticky-rice"},
    "เหนียวดำ": {"black-sticky-rice"},
    "ข้าวเหนียวดำ": {"black-sticky-rice"},
    "ข้าวญี่ปุ่น": {"japanese-rice"},
    "พริก": {"dried-karen-chili", "ground-karen-chili", "karen-chili-paste"},
    "กะเหรี่ยง": {"dried-karen-chili", "karen-upland-rice"},
    "พริกแห้ง": {"dried-karen-chili"},
    "พริกกะเหรี่ยง": {"dried-karen-chili", "ground-karen-chili"},
    "พรม": {"doormat", "floral-rug"},
    "พรมเช็ดเท้า": {"doormat"},
    "ทอมือ": {"doormat", "floral-rug", "pha-khao-ma"},
    "หอมแผ่นดิน": {"black-sticky-rice", "japanese-rice"},
    "เชียงราย": {"black-sticky-rice", "arabica-beans"},
    "แม่ฮ่องสอน": {"dried-karen-chili", "karen-upland-rice"},
    "ปลอดสาร": {"black-sticky-rice", "dried-mushrooms"},
    "อินทรีย์": {"organic-jasmine-rice"},
    "ข้าวหอมมะลิ": {"organic-jasmine-rice"},
    "กาแฟ": {"arabica-beans", "drip-coffee"},
    "อาราบิก้า": {"arabica-beans"},
    "น้ำผึ้ง": {"longan-honey"},
    "ผ้าซิ่น": {"tin-chok-sarong"},
    "ย้อมคราม": {"indigo-scarf"},
    "ไม้ไผ่": {"bamboo-basket", "sticky-rice-basket"},
    "ตะกร้า": {"bamboo-basket"},
    "พริกป่น": {"ground-karen-chili"},
    "rice": {"black-sticky-rice", "japanese-rice"},
    "sticky rice": {"black-sticky-rice", "khiao-ngu-sticky-rice"},
    "black sticky rice": {"black-sticky-rice"},
    "japanese rice": {"japanese-rice"},
    "chili": {"dried-karen-chili", "ground-karen-chili", "karen-chili-paste"},
    "chilli": {"dried-karen-chili", "ground-karen-chili", "karen-chili-paste"},
    "chillies": {"dried-karen-chili", "ground-karen-chili"},
    "Karen": {"dried-karen-chili", "karen-upland-rice"},
    "doormat": {"doormat"},
    "doormats": {"doormat"},
    "organic": {"organic-jasmine-rice"},
    "handmade": {"doormat", "bamboo-basket", "tin-chok-sarong"},
    "hand-woven": {"doormat", "pha-khao-ma"},
    "coffee": {"arabica-beans", "drip-coffee"},
    "honey": {"longan-honey"},
    "Chiang Rai": {"black-sticky-rice", "arabica-beans"},
    "Mae Hong Son": {"dried-karen-chili"},
    "bamboo basket": {"bamboo-basket", "sticky-rice-basket"},
    "RICE": {"black-sticky-rice"},
    # Misspelt: fuzzy matching still finds them.
    "doormatt": {"doormat"},
    "coffe": {"arabica-beans", "drip-coffee"},
    "japanes rise": {"japanese-rice"},
    "organik": {"organic-jasmine-rice"},
    "hony": {"longan-honey"},
    "kofee": {"arabica-beans", "drip-coffee"},
    "chilly": {"dried-karen-chili", "ground-karen-chili"},
    "bambo baskit": {"bamboo-basket"},
    "perila": {"perilla-seeds"},
    # Thai misspellings: a dropped, added or confused letter.
    "พริกกระเหรี่ยง": {"dried-karen-chili", "ground-karen-chili"},
    "ลำใย": {"longan-honey"},
    "น้ำผึ่ง": {"longan-honey"},
    "กาเเฟ": {"arabica-beans", "drip-coffee"},
    "ข้าวเหนยวดำ": {"black-sticky-rice"},
    "ผ้าซิน": {"tin-chok-sarong"},
    "ตะกร้า ไม้ใผ่": {"bamboo-basket"},
}

# Exact name matches come first.
FIRST = {
    "ข้าวเหนียวดำ": "black-sticky-rice",
    "ข้าวญี่ปุ่น": "japanese-rice",
    "พรมเช็ดเท้า": "doormat",
    "พรมเช็ดเท้าทอมือ": "doormat",
    "พริกกะเหรี่ยงแห้ง": "dried-karen-chili",
    "Japanese rice": "japanese-rice",
    "sticky rice basket": "sticky-rice-basket",
    "Black sticky rice": "black-sticky-rice",
}


def build_catalog():
    """Create the catalog with the factories, commit, and rebuild the index; {slug: id}."""
    groups = {}
    for slug, (name_th, name_en, area) in GROUPS.items():
        groups[slug] = factories.make_group(
            slug=slug,
            name_th=name_th,
            name_en=name_en,
            is_active=slug != "closed-group",
            **AREAS[area],
        )
    categories = {
        slug: factories.make_category(slug=slug, name_th=th, name_en=en)
        for slug, (th, en) in CATEGORIES.items()
    }
    factories.make_claim(groups["hom-phaendin"], kind=ClaimKind.CHEMICAL_FREE)
    ids = {}
    for slug, spec in PRODUCTS.items():
        group, category, name_th, name_en, desc_th, desc_en, stock, extra = spec
        product = factories.make_product(
            group=groups[group],
            category=categories[category],
            slug=slug,
            name_th=name_th,
            name_en=name_en,
            summary_th="",
            summary_en="",
            description_th=desc_th,
            description_en=desc_en,
            stock=stock,
            status=extra.get("status", ProductStatus.ACTIVE),
            is_featured=extra.get("featured", False),
        )
        if extra.get("handmade"):
            factories.make_claim(product, kind=ClaimKind.HANDMADE)
        if extra.get("product_claim"):
            factories.make_claim(product, kind=extra["product_claim"])
        if extra.get("group_claim"):
            factories.make_claim(groups[group], kind=extra["group_claim"])
        ids[slug] = product.id
    # A rejected claim earns nothing: no "organic" for the doormat.
    factories.make_claim(
        _db.session.get(Product, ids["doormat"]),
        kind=ClaimKind.ORGANIC_THAILAND,
        status=ClaimStatus.REJECTED,
    )
    _db.session.commit()
    search.rebuild()
    return ids


@pytest.fixture(scope="module")
def catalog(app, search_backend):
    """The fixed catalog, indexed once for the module: {slug: id} and {id: slug}.

    Its rows stay for the whole module (search reads stock from them at
    query time); the tables are emptied when the module is done.
    """
    with app.app_context():
        _db.session.rollback()
        ids = build_catalog()
    app.extensions.pop("search_popular", None)  # kept up to 30 s: not across catalogs
    yield ids, {v: k for k, v in ids.items()}
    with app.app_context():
        _empty_all_tables()
        _db.session.remove()


@pytest.fixture(autouse=True)
def db(app, catalog):
    """The conftest's `db`, minus emptying the tables: these tests only read the catalog."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()


def top(catalog, text, n=5, **filters):
    ids, slugs = catalog
    outcome = search.query(text, filters=filters, per_page=n)
    return [slugs.get(i, i) for i in outcome.product_ids]


@pytest.mark.parametrize("text", list(RELEVANCE))
def test_query_finds_the_products_a_buyer_means(catalog, text):
    found = top(catalog, text)
    missing = RELEVANCE[text] - set(found)
    assert not missing, f"{text!r}: {sorted(missing)} not in top 5 {found}"


def test_relevance_set_is_large_enough():
    thai = [q for q in RELEVANCE if any("\u0e00" <= ch <= "\u0e7f" for ch in q)]
    assert len(RELEVANCE) >= 40
    assert len(thai) >= 20 and len(RELEVANCE) - len(thai) >= 20
    required = [
        "ข้าว",
        "ข้าวเหนียว",
        "เหนียวดำ",
        "ข้าวญี่ปุ่น",
        "พริก",
        "กะเหรี่ยง",
        "พริกแห้ง",
        "พรม",
        "พรมเช็ดเท้า",
        "ทอมือ",
        "หอมแผ่นดิน",
        "เชียงราย",
        "แม่ฮ่องสอน",
        "ปลอดสาร",
        "อินทรีย์",
        "rice",
        "chili",
        "chilli",
        "doormat",
        "organic",
        "handmade",
    ] + ["sticky rice"]
    assert set(required) <= set(RELEVANCE)


@pytest.mark.parametrize("text", list(FIRST))
def test_exact_name_comes_first(catalog, text):
    found = top(catalog, text)
    assert found and found[0] == FIRST[text], f"{text!r}: {found}"


@pytest.mark.parametrize(
    ("text", "province"),
    [("เชียงราย", "57"), ("Chiang Rai", "57"), ("แม่ฮ่องสอน", "58"), ("น่าน", "55")],
)
def test_place_queries_find_that_province(catalog, text, province):
    in_province = set(top(catalog, "", n=100, province=province))
    found = top(catalog, text, n=100)
    assert found and set(found) == in_province


def test_hidden_products_never_appear(catalog):
    for text in ("ข้าวเหนียวดำ", "black sticky rice", "พริกกะเหรี่ยง", "chili", "ข้าว", ""):
        found = top(catalog, text, n=100)
        assert not HIDDEN & set(found), text


def test_a_group_name_finds_that_groups_products(catalog):
    hom_phaendin = {
        "black-sticky-rice",
        "japanese-rice",
        "khiao-ngu-sticky-rice",
        "hom-mali-brown-rice",
        "doormat",
        "floral-rug",
    }
    assert set(top(catalog, "หอมแผ่นดิน")) <= hom_phaendin
    assert set(top(catalog, "หอมแผ่นดิน", n=10)) == hom_phaendin


def test_out_of_stock_ranks_by_relevance_not_last(catalog):
    found = top(catalog, "ข้าว", n=50)
    # Named rice, though sold out, outranks a basket whose description says rice.
    assert found.index("hom-mali-brown-rice") < found.index("sticky-rice-basket")
    # Of equally named rice, the ones in stock come first.
    assert found.index("hom-mali-brown-rice") >= 4
    # Its own exact name finds it first (stock orders, never hides).
    assert top(catalog, "ข้าวกล้องหอมมะลิ")[0] == "hom-mali-brown-rice"
    assert top(catalog, "brown rice")[0] == "hom-mali-brown-rice"


def test_thai_word_matches_inside_compounds_not_everywhere(catalog):
    found = top(catalog, "เหนียวดำ", n=50)
    assert found[0] == "black-sticky-rice"
    assert "japanese-rice" not in found


def test_english_finds_english_names(catalog):
    assert top(catalog, "doormat")[0] == "doormat"
    assert top(catalog, "perilla")[0] == "perilla-seeds"


def test_rejected_claim_earns_nothing(catalog):
    assert "doormat" not in top(catalog, "organic", n=50)


def test_facets_count_and_filter(catalog):
    outcome = search.query("ข้าว", per_page=50)
    facets = {name: dict(values) for name, values in outcome.facets.items()}
    assert facets["category"]["rice"] >= 5
    assert facets["province"]["57"] >= 4
    assert facets["group"]["hom-phaendin"] >= 4
    assert facets["claim"]["chemical_free"] >= 1
    filtered = top(catalog, "ข้าว", n=50, province="58")
    assert filtered == ["karen-upland-rice"]
    verified = top(catalog, "", n=50, claim="organic_thailand")
    assert verified == ["organic-jasmine-rice"]
    by_group = set(top(catalog, "", n=50, group="karen-chili"))
    assert by_group == {
        "dried-karen-chili",
        "ground-karen-chili",
        "karen-chili-paste",
        "karen-upland-rice",
        "perilla-seeds",
    }


def test_no_results_bring_did_you_mean_and_popular_products(catalog):
    outcome = search.query("ข้าวเหนยวดำ zzqx")
    assert outcome.total == 0
    assert outcome.popular_ids
    assert catalog[0]["black-sticky-rice"] == outcome.popular_ids[0]  # featured first
    outcome = search.query("ข้าวเหนยวดำ")
    assert outcome.total == 0 or outcome.did_you_mean
    # Each word exists, but no product has both: no suggestion that finds nothing.
    outcome = search.query("honney bambo")
    assert outcome.total == 0 and outcome.did_you_mean == ""
    outcome = search.query("bambooo baskit")
    assert outcome.did_you_mean == "bamboo basket"


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("พริกกระเหรี่ยง", "พริกกะเหรี่ยง"),
        ("ลำใย", "ลำไย"),
        ("chilly", "chili"),
        ("kofee", "coffee"),
        ("hony", "honey"),
    ],
)
def test_a_misspelling_shows_what_its_correction_finds(catalog, text, meant):
    outcome = search.query(text)
    assert outcome.did_you_mean == meant
    assert outcome.fuzzy and outcome.product_ids
    assert outcome.product_ids == search.query(meant).product_ids


def test_did_you_mean_for_a_thai_typo(catalog):
    assert search.did_you_mean("ญี่ปุ้น") in ("ญี่ปุ่น", "")
    assert search.did_you_mean("coffey") == "coffee"


def test_suggestions_in_both_scripts(catalog):
    texts = [s["text"] for s in search.suggest("ข้าวเห")]
    assert "ข้าวเหนียวดำ" in texts
    texts = [s["text"] for s in search.suggest("เหนียว")]
    assert "ข้าวเหนียวดำ" in texts  # inside a word, from a syllable
    texts = [s["text"] for s in search.suggest("stick")]
    assert "Black sticky rice" in texts
    groups = [s["text"] for s in search.suggest("หอมแผ") if s["kind"] == "group"]
    assert groups == ["กลุ่มวิสาหกิจชุมชนหอมแผ่นดิน"] or "กลุ่มวิสาหกิจชุมชนหอมแผ่นดิน" in groups
    assert [s for s in search.suggest("hom ph") if s["kind"] == "group"]
    assert search.suggest("") == []
    assert search.suggest("x") == []
