# ruff: noqa: E501  (prose and tables read better unwrapped)
"""The demo catalogue: categories, producer groups, products, variants, lots and claims.

Places use real DOPA codes from GeoThai (checked when the demo loads); villages,
people and certificate numbers are invented. Prices are integer satang, weights
grams. A lot row is (batch index, quantity, available); a batch is one harvest
or production run of the product: (date, index into the group's villages,
Thai note, English note).

Claim validity: a `timedelta` is counted from the day the demo is loaded, so
"current" certificates stay current and "yesterday" always lies just behind;
fixed dates are for certificates that ended long ago.
"""

from datetime import UTC, date, datetime, timedelta

from ..models import ClaimKind as K
from ..models import ClaimStatus as S
from ..models import ContributionRole as R
from ..models import GroupKind, LotKind

YESTERDAY = "yesterday"


def at(year, month, day, hour=10):
    """A fixed verification time (Bangkok mid-morning, stored in UTC)."""
    return datetime(year, month, day, hour - 7, 0, tzinfo=UTC)


CATEGORIES = [
    ("rice-grains", "ข้าวและธัญพืช", "Rice and grains"),
    ("chili-spices", "พริกและเครื่องแกง", "Chili and spices"),
    ("textiles", "ผ้าทอและของใช้ทอมือ", "Woven goods and textiles"),
    ("coffee-tea", "กาแฟและชา", "Coffee and tea"),
    ("honey-herbal", "น้ำผึ้งและสมุนไพร", "Honey and herbal"),
    ("crafts", "จักสานและหัตถกรรม", "Basketry and crafts"),
]

# Pools of invented names for household heads. Karen families in Mae Hong Son
# often carry Karen given names with Thai surnames.
NAMES_NORTH = {
    "given": [
        "นางบัวคำ",
        "นายสมศักดิ์",
        "นางจันทร์ฟอง",
        "นายอินสม",
        "นางแสงเดือน",
        "นายบุญมา",
        "นางคำแปง",
        "นายประเสริฐ",
        "นางศรีนวล",
        "นายทองดี",
        "นางดวงจันทร์",
        "นายสุวิทย์",
        "นางบัวผัน",
        "นายอ้าย",
        "นางเกี๋ยงคำ",
        "นายจันทร์ตา",
        "นางพิมพ์ใจ",
        "นายมานพ",
        "นางอำพร",
        "นายสมบูรณ์",
        "นางจำปี",
        "นายเสาร์แก้ว",
        "นางสุพรรณ",
        "นายคำมูล",
    ],
    "family": [
        "ใจคำ",
        "ปัญญาดี",
        "อินทร์แก้ว",
        "ธรรมวงศ์",
        "สุยะ",
        "กันทะวงศ์",
        "ชัยมงคล",
        "ยาวิชัย",
        "แก้วมูล",
        "ศรีวิชัย",
        "คำปัน",
        "ไชยวงศ์",
        "อุ่นเรือน",
        "ปัญโญ",
        "วงศ์ใหญ่",
        "จันทร์ทิพย์",
    ],
}
NAMES_KAREN = {
    "given": [
        "นางหน่อแฮ",
        "นายพะโด",
        "นางมึเกอ",
        "นายจอซิ",
        "นางหน่อเปาะ",
        "นายทิพอ",
        "นางพอลา",
        "นายดิปุ๊",
        "นางมึดา",
        "นายซอทู",
        "นางหน่อบือ",
        "นายพาตี่",
    ],
    "family": ["พนาลัย", "ศรีคีรี", "ไพรวัลย์", "คีรีธาร", "ดอยเด่น", "ห้วยใส", "ผาสุข"],
}

# (baseline class, follow-up class or None): some households improve, some
# stay, a few have only a baseline so far. Cycled per household.
TRAJECTORIES = [
    ("struggling", "difficult"),
    ("difficult", "getting_by"),
    ("getting_by", "getting_by"),
    ("struggling", "struggling"),
    ("difficult", "difficult"),
    ("getting_by", "well_off"),
    ("well_off", "well_off"),
    ("struggling", None),
    ("difficult", "getting_by"),
    ("getting_by", None),
    ("struggling", "getting_by"),
]

VALID = timedelta(days=420)  # a current certificate, about fourteen months left
VALID_LONG = timedelta(days=900)


GROUPS = [
    # ------------------------------------------------------------------ Chiang Rai
    {
        "slug": "hom-phaendin",
        "code": "HP",
        "household_prefix": "CR",
        "households": 10,
        "names": NAMES_NORTH,
        "name_th": "วิสาหกิจชุมชนกลุ่มหอมแผ่นดิน",
        "name_en": "Hom Phaendin Community Enterprise",
        "kind": GroupKind.COMMUNITY_ENTERPRISE,
        "registration_no": "5-57-05-05/1-0042",
        "villages": [("บ้านดอยงาม", 5), ("บ้านป่าเหมือด", 3), ("บ้านสันติสุข", 8), ("บ้านหนองบัว", 2)],
        "subdistrict_code": "570505",
        "postal_code": "57120",
        "line_id": "@homphaendin",
        # Payee details are made up: no real account or PromptPay id.
        "phone": "0990000001",
        "promptpay_id": "0993505000428",
        "payout_account_no": "020100000042",
        "email": "homphaendin@example.org",
        "founded_year": 2016,
        "featured": True,
        "story_th": (
            "หอมแผ่นดินเริ่มจากแม่บ้านแปดครอบครัวที่บ้านดอยงาม อำเภอพาน ซึ่งอยากปลูกข้าวไว้กินเอง"
            "โดยไม่ใช้สารเคมี วันนี้สมาชิกกว่าสี่สิบครัวเรือนปลูกข้าวเหนียวดำและข้าวญี่ปุ่นในนาที่รับน้ำจากลำห้วยบนดอย "
            "สีข้าวที่โรงสีของชุมชนเองทีละน้อยเพื่อให้ได้ข้าวใหม่หอมทุกถุง "
            "ช่วงว่างจากนา แม่ ๆ ในกลุ่มนำเศษผ้าจากโรงงานในเมืองมาทอเป็นพรมเช็ดเท้า เป็นรายได้เสริมที่ทำได้ที่ใต้ถุนบ้าน"
        ),
        "story_en": (
            "Hom Phaendin began with eight families in Ban Doi Ngam, Phan district, who wanted to grow "
            "rice for their own table without farm chemicals. Today more than forty households grow black "
            "sticky rice and Japanese rice in paddies fed by a stream from the hills, and mill it in small "
            "batches at the village mill so every bag is freshly milled. Between seasons the women weave "
            "doormats from offcut fabric under their stilt houses, an extra income they can earn at home."
        ),
        "claims": [
            {
                "kind": K.CHEMICAL_FREE,
                "status": S.VERIFIED,
                "issuer": "สำนักงานเกษตรอำเภอพาน",
                "certificate_no": "พน.กษ 0045/2568",
                "valid_from": date(2025, 6, 1),
                "valid_until": VALID,
                "verified_at": at(2025, 6, 12),
                "details_th": "ตรวจแปลงนาสมาชิกทั้งกลุ่ม 38 แปลง ไม่พบการใช้สารเคมีกำจัดศัตรูพืช",
                "details_en": "Inspection of all 38 member paddies found no chemical pesticide use.",
            },
        ],
        "products": [
            {
                "slug": "black-sticky-rice-doi-ngam",
                "code": "BSR",
                "category": "rice-grains",
                "featured": True,
                "kind": LotKind.HARVEST,
                "role": R.GROWER,
                "unit": "kg",
                "extra_role": R.PACKER,
                "name_th": "ข้าวเหนียวดำดอยงาม",
                "name_en": "Doi Ngam black sticky rice",
                "summary_th": "ข้าวเหนียวดำเมล็ดเงาสีม่วงเข้ม หอมมัน นุ่มเหนียว ปลูกแบบปลอดสารที่บ้านดอยงาม สีใหม่ทุกล็อต",
                "summary_en": "Glossy deep-purple black sticky rice, nutty and soft, grown chemical-free in Doi Ngam and milled fresh for every lot.",
                "description_th": (
                    "ข้าวเหนียวดำพันธุ์พื้นเมืองที่แม่ ๆ บ้านดอยงามเก็บเมล็ดพันธุ์ไว้ปลูกต่อกันมาหลายรุ่น "
                    "ปลูกในนาขั้นบันไดที่รับน้ำจากห้วยบนดอย ไม่ใช้ยาฆ่าหญ้าหรือปุ๋ยเคมี เกี่ยวด้วยมือแล้วตากบนลาน "
                    "ซ้อมแบบข้าวกล้องจึงยังมีเยื่อหุ้มสีม่วงเข้มครบ\n\n"
                    "แช่น้ำสัก 4–6 ชั่วโมงแล้วนึ่ง จะได้ข้าวเหนียวนุ่ม หอมกลิ่นข้าวใหม่ "
                    "อร่อยที่สุดเมื่อทำข้าวเหนียวดำเปียกราดกะทิ ข้าวเหนียวมูนกับมะม่วง หรือหุงผสมข้าวขาวสักหนึ่งส่วนก็ได้สีสวยน่ากิน"
                ),
                "description_en": (
                    "A local black sticky rice whose seed the women of Ban Doi Ngam have saved and replanted for "
                    "generations. It grows on terraced paddies fed by a hill stream, with no herbicide or chemical "
                    "fertiliser, is cut by hand, sun-dried and only lightly milled, so the deep purple bran stays on.\n\n"
                    "Soak for 4–6 hours, then steam for soft, fragrant sticky rice. Best in black sticky rice "
                    "pudding with coconut cream, with mango, or a handful cooked with white rice for a lovely colour."
                ),
                "batches": [
                    (
                        date(2025, 12, 8),
                        0,
                        "ข้าวนาปี 2568 เกี่ยวต้นเดือนธันวาคม สีที่โรงสีชุมชนบ้านดอยงาม",
                        "Main-season 2025 crop, cut in early December, milled at the Ban Doi Ngam community mill.",
                    ),
                    (
                        date(2026, 3, 15),
                        1,
                        "ข้าวนาปี 2568 จากยุ้งฉาง สีเพิ่มเดือนมีนาคม",
                        "Main-season 2025 crop from the granary, milled again in March.",
                    ),
                    (
                        date(2026, 11, 12),
                        0,
                        "ข้าวใหม่ปี 2569 เกี่ยวกลางเดือนพฤศจิกายน",
                        "New 2026 crop, cut in mid-November.",
                    ),
                ],
                "variants": [
                    ("500G", "ถุง 500 กรัม", "500 g bag", 6500, 500, [(0, 200, 0), (2, 180, 164)]),
                    (
                        "1KG",
                        "ถุง 1 กิโลกรัม",
                        "1 kg bag",
                        12000,
                        1000,
                        [(0, 400, 0), (1, 150, 23), (2, 300, 291)],
                    ),
                    ("5KG", "ถุง 5 กิโลกรัม", "5 kg bag", 55000, 5000, [(1, 40, 6), (2, 60, 60)]),
                ],
                "photos": [
                    (
                        "grains",
                        {"kind": "black"},
                        "ข้าวเหนียวดำดอยงามในชามกระเบื้องบนโต๊ะไม้",
                        "Doi Ngam black sticky rice in a bowl on a wooden table",
                    ),
                    (
                        "grains",
                        {"kind": "black", "closeup": True},
                        "เมล็ดข้าวเหนียวดำสีม่วงเข้มระยะใกล้",
                        "Close-up of deep-purple black rice grains",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.PGS,
                        "status": S.VERIFIED,
                        "issuer": "เครือข่ายเกษตรอินทรีย์ PGS เชียงราย",
                        "certificate_no": "PGS-CR-2567-118",
                        "valid_from": date(2024, 11, 20),
                        "valid_until": YESTERDAY,
                        "verified_at": at(2024, 11, 28),
                        "details_th": "รับรองแบบมีส่วนร่วม รอบปี 2567–2569 รอการตรวจแปลงรอบใหม่",
                        "details_en": "Participatory guarantee for 2024–2026; the next farm visit is due.",
                    },
                ],
                "lot_claims": [
                    (
                        "1KG",
                        0,
                        {
                            "kind": K.CHEMICAL_FREE,
                            "status": S.VERIFIED,
                            "issuer": "กรมวิชาการเกษตร (สำนักวิจัยและพัฒนาการเกษตรเขตที่ 1)",
                            "certificate_no": "สวพ.1 ตส 68-2291",
                            "valid_from": date(2025, 12, 20),
                            "valid_until": date(2026, 12, 19),
                            "verified_at": at(2025, 12, 24),
                            "details_th": "ผลตรวจสารพิษตกค้าง 0 จาก 92 รายการ ตัวอย่างจากล็อตนี้",
                            "details_en": "Residue test: none of 92 substances found in a sample of this lot.",
                        },
                    ),
                    (
                        "1KG",
                        2,
                        {
                            "kind": K.PGS,
                            "status": S.PENDING,
                            "issuer": "เครือข่ายเกษตรอินทรีย์ PGS เชียงราย",
                            "certificate_no": "",
                            "valid_from": None,
                            "valid_until": None,
                            "details_th": "ยื่นขอตรวจแปลงรอบปี 2569 แล้ว รอคณะกรรมการลงพื้นที่",
                            "details_en": "Applied for the 2026 farm visit; waiting for the committee.",
                        },
                    ),
                ],
            },
            {
                "slug": "japanese-rice-phan",
                "code": "JPR",
                "category": "rice-grains",
                "featured": True,
                "kind": LotKind.HARVEST,
                "role": R.GROWER,
                "unit": "kg",
                "name_th": "ข้าวญี่ปุ่นพานปลอดสาร",
                "name_en": "Phan chemical-free Japanese rice",
                "summary_th": "ข้าวญี่ปุ่นเมล็ดสั้นกลม หุงแล้วเงาใส นุ่ม เหนียวหนึบ ปั้นซูชิหรือทำข้าวปั้นได้ดี",
                "summary_en": "Short, round Japanese rice that cooks glossy, soft and slightly sticky: good for sushi and rice balls.",
                "description_th": (
                    "ข้าวญี่ปุ่นพันธุ์ที่ปลูกได้ดีในอากาศเย็นของอำเภอพาน สมาชิกปลูกในฤดูนาปรังด้วยน้ำจากอ่างเก็บน้ำ "
                    "ดูแลด้วยปุ๋ยหมักจากมูลวัวในหมู่บ้าน สีเป็นข้าวขาวทีละน้อยเพื่อให้เมล็ดไม่หักและยังหอม\n\n"
                    "ซาวข้าวเบา ๆ 2–3 น้ำ แช่ 30 นาที ใช้น้ำ 1.1 เท่าของข้าว ได้ข้าวสวยเม็ดสวย "
                    "ใช้ทำซูชิ โอนิกิริ ข้าวหน้าไข่ หรือหุงกินกับกับข้าวไทยก็อร่อย"
                ),
                "description_en": (
                    "A Japanese variety that thrives in Phan's cool nights. Members grow it in the dry season with "
                    "water from the village reservoir and compost from their own cattle, then mill it gently in "
                    "small batches so the grains stay whole and fragrant.\n\n"
                    "Rinse lightly two or three times, soak 30 minutes, cook with 1.1 parts water. Use it for "
                    "sushi, onigiri, donburi, or simply with Thai dishes."
                ),
                "batches": [
                    (
                        date(2025, 11, 20),
                        2,
                        "ข้าวนาปี 2568 จากแปลงบ้านสันติสุข",
                        "Main-season 2025 crop from the Ban Santi Suk paddies.",
                    ),
                    (
                        date(2026, 5, 10),
                        0,
                        "ข้าวนาปรัง 2569 เกี่ยวต้นเดือนพฤษภาคม",
                        "Dry-season 2026 crop, cut in early May.",
                    ),
                ],
                "variants": [
                    (
                        "1KG",
                        "ถุง 1 กิโลกรัม (แพ็กสุญญากาศ)",
                        "1 kg vacuum pack",
                        9500,
                        1000,
                        [(0, 300, 0), (1, 350, 212)],
                    ),
                    ("5KG", "ถุง 5 กิโลกรัม", "5 kg bag", 45000, 5000, [(1, 60, 38)]),
                ],
                "photos": [
                    (
                        "grains",
                        {"kind": "white", "background": "bamboo"},
                        "ข้าวญี่ปุ่นเมล็ดกลมสีขาวนวลในชาม",
                        "Pearly round Japanese rice in a bowl",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.GAP,
                        "status": S.VERIFIED,
                        "issuer": "กรมการข้าว (ศูนย์เมล็ดพันธุ์ข้าวเชียงราย)",
                        "certificate_no": "GAP ข้าว 57-05-0318",
                        "valid_from": date(2025, 3, 1),
                        "valid_until": VALID_LONG,
                        "verified_at": at(2025, 3, 9),
                        "details_th": "แปลงนาสมาชิก 12 แปลงผ่านการตรวจมาตรฐานการปฏิบัติทางการเกษตรที่ดีสำหรับข้าว",
                        "details_en": "Twelve member paddies passed the Good Agricultural Practice audit for rice.",
                    },
                ],
            },
            {
                "slug": "japanese-brown-rice-phan",
                "code": "JBR",
                "category": "rice-grains",
                "kind": LotKind.HARVEST,
                "role": R.GROWER,
                "unit": "kg",
                "name_th": "ข้าวกล้องญี่ปุ่น",
                "name_en": "Japanese brown rice",
                "summary_th": "ข้าวกล้องญี่ปุ่นเมล็ดอวบ เคี้ยวหนึบ หอมจมูกข้าว หุงง่ายกว่าข้าวกล้องทั่วไป",
                "summary_en": "Plump Japanese brown rice, chewy with a toasty germ aroma, and easier to cook than most brown rice.",
                "description_th": (
                    "ข้าวญี่ปุ่นจากนาเดียวกันกับข้าวขาว แต่สีเพียงเอาเปลือกออก จึงเก็บจมูกข้าวและรำไว้ครบ "
                    "รสชาติหวานละมุน เนื้อหนึบกว่าข้าวขาวเล็กน้อย\n\n"
                    "แช่น้ำ 2 ชั่วโมงแล้วหุงด้วยน้ำ 1.5 เท่า หรือหุงผสมข้าวขาวครึ่งต่อครึ่งสำหรับคนเริ่มกินข้าวกล้อง"
                ),
                "description_en": (
                    "The same Japanese rice, only husked, so the germ and bran stay on. Mildly sweet, a little "
                    "chewier than white rice.\n\nSoak for two hours and cook with 1.5 parts water, or mix half "
                    "and half with white rice if you are new to brown rice."
                ),
                "batches": [
                    (
                        date(2026, 5, 18),
                        0,
                        "ข้าวนาปรัง 2569 สีเป็นข้าวกล้อง",
                        "Dry-season 2026 crop, husked only.",
                    ),
                ],
                "variants": [
                    ("1KG", "ถุง 1 กิโลกรัม", "1 kg bag", 10500, 1000, [(0, 200, 147)]),
                ],
                "photos": [
                    (
                        "grains",
                        {"kind": "brown"},
                        "ข้าวกล้องญี่ปุ่นสีน้ำตาลอ่อนในชาม",
                        "Light-brown Japanese brown rice in a bowl",
                    ),
                ],
            },
            {
                "slug": "handwoven-doormat-stripes",
                "code": "MAT",
                "category": "textiles",
                "featured": True,
                "kind": LotKind.PRODUCTION,
                "role": R.WEAVER,
                "unit": "pieces",
                "name_th": "พรมเช็ดเท้าทอมือ ลายริ้วหลากสี",
                "name_en": "Hand-woven rag doormat, rainbow stripes",
                "summary_th": "พรมเช็ดเท้าทอมือจากเศษผ้าฝ้ายเนื้อหนา ซับน้ำดี สีสดใส ซักเครื่องได้ ทุกผืนลายไม่ซ้ำ",
                "summary_en": "Thick hand-woven doormat from cotton offcuts: absorbent, bright, machine washable, and no two alike.",
                "description_th": (
                    "แม่ ๆ กลุ่มหอมแผ่นดินทอพรมผืนนี้บนกี่ไม้ใต้ถุนบ้าน ใช้เศษผ้าฝ้ายและผ้ายืดที่ตัดเหลือจากโรงงานเสื้อผ้า "
                    "ฉีกเป็นเส้นแล้วทอแน่นสองชั้น ผืนหนานุ่มเท้า ซับน้ำได้ดี ขอบเย็บกันหลุดลุ่ย\n\n"
                    "วางหน้าห้องน้ำ หน้าประตู หรือในครัว ซักด้วยมือหรือเครื่องโหมดถนอมผ้า ตากในร่ม "
                    "เพราะทำจากเศษผ้าจริง สีและลายในแต่ละผืนจึงไม่เหมือนกัน"
                ),
                "description_en": (
                    "Woven on wooden looms under the stilt houses of Hom Phaendin members from cotton and jersey "
                    "offcuts of a garment factory, torn into strips and woven tight in two layers: thick, soft "
                    "underfoot and absorbent, with stitched edges that will not fray.\n\n"
                    "For the bathroom, front door or kitchen. Hand or gentle machine wash, dry in the shade. "
                    "Because it is made from real offcuts, each mat's colours differ."
                ),
                "batches": [
                    (
                        date(2026, 6, 20),
                        0,
                        "ทอช่วงรอปักดำ มิถุนายน 2569",
                        "Woven while waiting to transplant rice, June 2026.",
                    ),
                    (
                        date(2026, 9, 25),
                        3,
                        "ทอที่บ้านหนองบัว กันยายน 2569",
                        "Woven at Ban Nong Bua, September 2026.",
                    ),
                    (date(2026, 10, 30), 0, "ล็อตล่าสุด ตุลาคม 2569", "Latest lot, October 2026."),
                ],
                "variants": [
                    (
                        "S",
                        "ขนาดเล็ก 40 × 60 ซม.",
                        "Small 40 × 60 cm",
                        8900,
                        380,
                        [(0, 60, 0), (2, 40, 33)],
                    ),
                    (
                        "M",
                        "ขนาดกลาง 50 × 70 ซม.",
                        "Medium 50 × 70 cm",
                        12900,
                        520,
                        [(0, 50, 2), (1, 40, 40)],
                    ),
                    ("L", "ขนาดใหญ่ 60 × 90 ซม.", "Large 60 × 90 cm", 18900, 800, [(1, 30, 11)]),
                    (
                        "XL",
                        "พรมยาวหน้าครัว 45 × 120 ซม.",
                        "Kitchen runner 45 × 120 cm",
                        22500,
                        900,
                        [(2, 20, 17)],
                    ),
                ],
                "photos": [
                    (
                        "mat",
                        {
                            "palette": [
                                (206, 58, 52),
                                (44, 96, 168),
                                (236, 196, 62),
                                (58, 142, 96),
                                (240, 236, 226),
                            ]
                        },
                        "พรมเช็ดเท้าทอมือลายริ้วหลากสีบนพื้นไม้",
                        "Rainbow-striped rag doormat on a wooden floor",
                    ),
                    (
                        "mat",
                        {"palette": [(40, 60, 110), (236, 234, 226), (120, 160, 200)]},
                        "พรมเช็ดเท้าโทนน้ำเงินขาว",
                        "Blue and white doormat",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.HANDMADE,
                        "status": S.SELF_DECLARED,
                        "issuer": "วิสาหกิจชุมชนกลุ่มหอมแผ่นดิน",
                        "details_th": "ทอด้วยมือบนกี่ไม้ทุกผืน โดยสมาชิกกลุ่ม",
                        "details_en": "Every mat is woven by hand on a wooden loom by a member.",
                    },
                    {
                        "kind": K.OTOP,
                        "status": S.VERIFIED,
                        "issuer": "สำนักงานพัฒนาชุมชนจังหวัดเชียงราย (คัดสรร OTOP)",
                        "certificate_no": "OTOP 4 ดาว 570505-2566-017",
                        "valid_from": date(2025, 1, 1),
                        "valid_until": VALID,
                        "verified_at": at(2025, 1, 20),
                        "details_th": "ผลิตภัณฑ์ OTOP ระดับ 4 ดาว ประเภทของใช้",
                        "details_en": "OTOP four-star product, household goods.",
                    },
                ],
            },
            {
                "slug": "handwoven-doormat-round",
                "code": "RMT",
                "category": "textiles",
                "kind": LotKind.PRODUCTION,
                "role": R.WEAVER,
                "unit": "pieces",
                "name_th": "พรมเช็ดเท้าทอมือ ทรงกลม",
                "name_en": "Round hand-woven doormat",
                "summary_th": "พรมกลมขดเป็นวงจากเส้นผ้าถัก นุ่มหนา วางหน้าโซฟาหรือข้างเตียงก็น่ารัก",
                "summary_en": "A round mat coiled from braided fabric strips: soft and thick, lovely by a sofa or bed.",
                "description_th": (
                    "ถักเศษผ้าเป็นเปียแล้วขดเป็นวง เย็บติดกันด้วยมือทีละรอบ ใช้เวลาเกือบวันต่อผืน "
                    "แต่ละผืนจับคู่สีโดยแม่ ๆ ผู้ทอเอง ใช้เป็นพรมเช็ดเท้า พรมรองนั่ง หรือพรมแต่งห้องเล็ก ๆ"
                ),
                "description_en": (
                    "Fabric strips are braided, coiled and hand-stitched round by round, nearly a day's work per "
                    "mat, with colours matched by each weaver. Use it as a doormat, seat rug or a small accent rug."
                ),
                "batches": [
                    (
                        date(2026, 8, 14),
                        2,
                        "ขดและเย็บที่บ้านสันติสุข",
                        "Coiled and stitched at Ban Santi Suk.",
                    ),
                ],
                "variants": [
                    ("60", "เส้นผ่านศูนย์กลาง 60 ซม.", "60 cm across", 25000, 700, [(0, 24, 0)]),
                    ("80", "เส้นผ่านศูนย์กลาง 80 ซม.", "80 cm across", 39000, 1100, [(0, 12, 0)]),
                ],
                "photos": [
                    (
                        "mat",
                        {
                            "palette": [
                                (120, 80, 160),
                                (236, 232, 226),
                                (60, 60, 70),
                                (200, 120, 160),
                            ],
                            "round_mat": True,
                        },
                        "พรมกลมทอมือโทนม่วงขาว",
                        "Round purple and white hand-made mat",
                    ),
                ],
            },
        ],
    },
    # ------------------------------------------------------------------ Mae Hong Son
    {
        "slug": "karen-chili-huai-phueng",
        "code": "KC",
        "household_prefix": "MH",
        "households": 8,
        "names": NAMES_KAREN,
        "name_th": "วิสาหกิจชุมชนพริกกะเหรี่ยงบ้านห้วยผึ้ง",
        "name_en": "Ban Huai Phueng Karen Chili Community Enterprise",
        "kind": GroupKind.COMMUNITY_ENTERPRISE,
        "registration_no": "5-58-05-03/1-0007",
        "villages": [("บ้านห้วยผึ้ง", 6), ("บ้านแม่ลาคี", 9), ("บ้านดอยแดง", 3)],
        "subdistrict_code": "580503",
        "postal_code": "58120",
        "line_id": "@karenchili-mln",
        # Payee details are made up: no real account or PromptPay id.
        "phone": "0990000002",
        "promptpay_id": "0993505030009",
        "payout_account_no": "020100000071",
        "email": "karenchili@example.org",
        "founded_year": 2019,
        "featured": True,
        "story_th": (
            "ชาวปกาเกอะญอบ้านห้วยผึ้ง อำเภอแม่ลาน้อย ปลูกพริกกะเหรี่ยงแซมในไร่หมุนเวียนร่วมกับข้าวไร่ เผือก และงา "
            "ตามวิถีที่สืบทอดมาแต่บรรพบุรุษ ไม่ใช้สารเคมีเพราะไร่อยู่ต้นน้ำที่ทุกบ้านใช้ดื่มกิน "
            "พริกเม็ดเล็กแต่เผ็ดจัดและหอมเป็นเอกลักษณ์ กลุ่มรวมกันตากแห้ง คั่ว ตำน้ำพริก และบรรจุขายเอง "
            "เพื่อให้ราคาดีกว่าขายพริกสดให้พ่อค้าคนกลาง"
        ),
        "story_en": (
            "The Pgaz K'Nyau (Karen) families of Ban Huai Phueng, Mae La Noi, grow Karen chili among hill "
            "rice, taro and sesame in their rotational fields, as their ancestors did. No chemicals are used: "
            "the fields sit above the stream every household drinks from. The pods are small, fiercely hot "
            "and uniquely fragrant; the group dries, roasts, pounds and packs them itself, earning far more "
            "than selling fresh chili to middlemen."
        ),
        "claims": [
            {
                "kind": K.ORGANIC_THAILAND,
                "status": S.PENDING,
                "issuer": "กรมวิชาการเกษตร",
                "certificate_no": "",
                "details_th": "ยื่นขอรับรองเกษตรอินทรีย์ประเทศไทย (Organic Thailand) ทั้งกลุ่ม 14 ไร่ รอผู้ตรวจประเมิน",
                "details_en": "Applied for Organic Thailand certification of 14 rai of group fields; awaiting the inspector.",
            },
        ],
        "products": [
            {
                "slug": "dried-karen-chili",
                "code": "DKC",
                "category": "chili-spices",
                "featured": True,
                "kind": LotKind.HARVEST,
                "role": R.GROWER,
                "unit": "kg",
                "yield": 4,
                "name_th": "พริกกะเหรี่ยงแห้ง",
                "name_en": "Dried Karen chili",
                "summary_th": "พริกกะเหรี่ยงเม็ดเล็ก เผ็ดจัด หอมควันอ่อน ๆ ตากแดดบนกระด้งไม้ไผ่ ไม่ใส่สารกันรา",
                "summary_en": "Tiny, fiery Karen chilies with a faint smoky aroma, sun-dried on bamboo trays, no preservatives.",
                "description_th": (
                    "พริกกะเหรี่ยงจากไร่หมุนเวียนบนดอยแม่ลาน้อย เก็บเมื่อสุกแดงทั้งต้น ตากบนกระด้งสามถึงห้าแดด "
                    "แล้วผิงไฟอ่อน ๆ ให้แห้งสนิท พริกจึงหอมควันนิด ๆ เก็บได้นานเป็นปี\n\n"
                    "คั่วให้หอมแล้วตำทำน้ำพริก ใส่ต้มยำ แกงป่า ลาบ หรือตำเป็นพริกป่นโรยก๋วยเตี๋ยว "
                    "ความเผ็ดสูงกว่าพริกขี้หนูทั่วไป ใช้น้อยกว่าที่เคยใช้สักครึ่งหนึ่งก่อน"
                ),
                "description_en": (
                    "Karen chili from rotational fields in the Mae La Noi hills, picked when the whole plant has "
                    "turned red, dried on bamboo trays for three to five days of sun, then finished over a low "
                    "fire, which gives a faint smoky note. Keeps for a year.\n\n"
                    "Toast and pound for chili dips, add to tom yum, jungle curry or larb, or grind over noodles. "
                    "Hotter than ordinary bird's eye chili: start with half of what you usually use."
                ),
                "batches": [
                    (
                        date(2026, 1, 15),
                        0,
                        "เก็บปลายฤดู มกราคม 2569 ตากแดด 4 แดด",
                        "Late-season pick, January 2026, four days of sun.",
                    ),
                    (
                        date(2026, 3, 2),
                        1,
                        "รุ่นสุดท้ายของปี จากบ้านแม่ลาคี",
                        "The year's last pick, from Ban Mae La Khi.",
                    ),
                    (date(2026, 10, 28), 0, "พริกรุ่นแรกฤดูใหม่ 2569", "First pick of the 2026 season."),
                ],
                "variants": [
                    (
                        "100G",
                        "ถุงซิป 100 กรัม",
                        "100 g zip bag",
                        8900,
                        100,
                        [(0, 300, 0), (2, 250, 236)],
                    ),
                    (
                        "250G",
                        "ถุงซิป 250 กรัม",
                        "250 g zip bag",
                        19900,
                        250,
                        [(1, 120, 41), (2, 100, 100)],
                    ),
                    (
                        "500G",
                        "ถุง 500 กรัม (สำหรับร้านอาหาร)",
                        "500 g bag (for restaurants)",
                        37500,
                        500,
                        [(1, 40, 0)],
                    ),
                ],
                "photos": [
                    (
                        "chilies",
                        {"dried": True},
                        "พริกกะเหรี่ยงแห้งบนกระด้งไม้ไผ่",
                        "Dried Karen chilies on a round bamboo tray",
                    ),
                    (
                        "chilies",
                        {"dried": True, "closeup": True},
                        "พริกกะเหรี่ยงแห้งสีแดงเข้มระยะใกล้",
                        "Close-up of deep-red dried Karen chilies",
                    ),
                    (
                        "chilies",
                        {"dried": False, "closeup": True},
                        "พริกกะเหรี่ยงสดในไร่ก่อนตาก",
                        "Fresh Karen chilies before drying",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.CHEMICAL_FREE,
                        "status": S.VERIFIED,
                        "issuer": "สำนักงานเกษตรอำเภอแม่ลาน้อย",
                        "certificate_no": "มลน.กษ 012/2569",
                        "valid_from": date(2026, 1, 5),
                        "valid_until": VALID,
                        "verified_at": at(2026, 1, 9),
                        "details_th": "ตรวจไร่ 9 แปลงและตรวจสารตกค้างด้วยชุดทดสอบ GT ไม่พบสารกลุ่มออร์กาโนฟอสเฟตและคาร์บาเมต",
                        "details_en": "Nine fields inspected; GT test kits found no organophosphate or carbamate residues.",
                    },
                ],
                "lot_claims": [
                    (
                        "250G",
                        1,
                        {
                            "kind": K.CHEMICAL_FREE,
                            "status": S.REJECTED,
                            "issuer": "สำนักงานเกษตรอำเภอแม่ลาน้อย",
                            "certificate_no": "",
                            "details_th": "ส่งผลตรวจห้องปฏิบัติการประกอบการขอรับรองล็อต",
                            "details_en": "Lab report submitted for lot-level certification.",
                            "decision_reason": "ใบรายงานผลไม่ระบุรหัสล็อตและวันที่เก็บตัวอย่าง กรุณาส่งตัวอย่างใหม่ / The lab report names neither the lot nor the sampling date; please resubmit.",
                        },
                    ),
                ],
            },
            {
                "slug": "karen-chili-powder",
                "code": "KCP",
                "category": "chili-spices",
                "kind": LotKind.PRODUCTION,
                "role": R.PROCESSOR,
                "unit": "kg",
                "yield": 4,
                "name_th": "พริกป่นพริกกะเหรี่ยงคั่ว",
                "name_en": "Roasted Karen chili powder",
                "summary_th": "พริกกะเหรี่ยงคั่วกระทะดินจนหอมแล้วป่นหยาบ เผ็ดร้อน หอมกรุ่น โรยก๋วยเตี๋ยว ส้มตำ ลาบ",
                "summary_en": "Karen chili toasted in a clay pan and coarsely ground: hot, aromatic, for noodles, som tam and larb.",
                "description_th": (
                    "คั่วพริกกะเหรี่ยงแห้งในกระทะดินด้วยไฟฟืนจนผิวพริกเริ่มเป็นสีน้ำตาลเข้ม ส่งกลิ่นหอมไปทั้งหมู่บ้าน "
                    "แล้วป่นหยาบด้วยครกกระเดื่อง ได้พริกป่นสีแดงอมน้ำตาล หอมกว่าพริกป่นจากโรงงานชัดเจน\n\n"
                    "ใส่ขวดแก้วปิดสนิท เก็บในที่แห้ง หอมนานหลายเดือน"
                ),
                "description_en": (
                    "Dried Karen chilies are toasted in a clay pan over a wood fire until they darken and the "
                    "whole village smells of them, then coarsely pounded in a foot-operated mortar. Far more "
                    "fragrant than factory chili flakes.\n\nKeep in a sealed jar in a dry place; it stays fragrant for months."
                ),
                "batches": [
                    (
                        date(2026, 4, 10),
                        0,
                        "คั่วและป่นที่โรงเรือนกลุ่ม เมษายน 2569",
                        "Roasted and ground at the group workshop, April 2026.",
                    ),
                    (date(2026, 11, 5), 0, "ล็อตใหม่ พฤศจิกายน 2569", "New lot, November 2026."),
                ],
                "variants": [
                    (
                        "50G",
                        "ขวดแก้ว 50 กรัม",
                        "50 g glass jar",
                        5900,
                        140,
                        [(0, 200, 12), (1, 150, 150)],
                    ),
                    (
                        "100G",
                        "ถุงซิป 100 กรัม",
                        "100 g zip bag",
                        12550,
                        100,
                        [(0, 120, 0), (1, 100, 94)],
                    ),
                ],
                "photos": [
                    (
                        "powder",
                        {},
                        "พริกป่นพริกกะเหรี่ยงคั่วในชามไม้",
                        "Roasted Karen chili powder in a wooden bowl",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.CHEMICAL_FREE,
                        "status": S.SELF_DECLARED,
                        "issuer": "วิสาหกิจชุมชนพริกกะเหรี่ยงบ้านห้วยผึ้ง",
                        "details_th": "ใช้พริกจากไร่สมาชิกที่ไม่ใช้สารเคมีเท่านั้น ไม่แต่งสี ไม่ใส่สารกันเสีย",
                        "details_en": "Only chilies from members' chemical-free fields; no colouring, no preservatives.",
                    },
                ],
            },
            {
                "slug": "karen-chili-paste",
                "code": "KNP",
                "category": "chili-spices",
                "featured": True,
                "kind": LotKind.PRODUCTION,
                "role": R.PROCESSOR,
                "unit": "kg",
                "name_th": "น้ำพริกพริกกะเหรี่ยงคั่วงา",
                "name_en": "Karen chili paste with toasted sesame",
                "summary_th": "น้ำพริกแห้งสูตรบ้านห้วยผึ้ง พริกกะเหรี่ยงคั่ว กระเทียม หอมแดง งาขาว เผ็ด หอม กินกับข้าวสวยร้อน ๆ ก็อร่อย",
                "summary_en": "A dry chili relish from Huai Phueng: roasted Karen chili, garlic, shallot and white sesame. Great on hot rice.",
                "description_th": (
                    "สูตรของแม่หน่อแฮ ผู้นำกลุ่ม ใช้พริกกะเหรี่ยงคั่ว กระเทียมและหอมแดงเจียวกรอบ งาขาวจากไร่ เกลือ "
                    "และน้ำตาลอ้อยนิดหน่อย ตำเข้ากันจนร่วน รสเผ็ดนำ เค็มปลาย หอมงา\n\n"
                    "คลุกข้าวสวยร้อน ๆ กินกับไข่ต้ม ผักลวก หมูทอด หรือพกไปเดินป่า "
                    "ไม่มีผงชูรส ไม่ใส่สารกันเสีย เปิดแล้วเก็บในตู้เย็นได้ 2 เดือน"
                ),
                "description_en": (
                    "Group leader Nor Hae's recipe: roasted Karen chili, crisp-fried garlic and shallot, white "
                    "sesame from the fields, salt and a little cane sugar, pounded until crumbly. Hot first, "
                    "salty after, with a sesame finish.\n\n"
                    "Toss with hot rice, eat with boiled eggs, blanched vegetables or fried pork, or take it "
                    "trekking. No MSG, no preservatives; keeps two months in the fridge once opened."
                ),
                "batches": [
                    (
                        date(2026, 9, 10),
                        0,
                        "ตำที่โรงเรือนกลุ่ม กันยายน 2569",
                        "Pounded at the group workshop, September 2026.",
                    ),
                    (date(2026, 11, 2), 0, "ล็อตใหม่ พฤศจิกายน 2569", "New lot, November 2026."),
                ],
                "variants": [
                    (
                        "120G",
                        "กระปุก 120 กรัม",
                        "120 g jar",
                        6900,
                        230,
                        [(0, 240, 57), (1, 200, 200)],
                    ),
                    ("200G", "กระปุก 200 กรัม", "200 g jar", 10900, 340, [(0, 120, 0), (1, 100, 88)]),
                    (
                        "SET3",
                        "ชุดของฝาก 3 กระปุก (120 กรัม)",
                        "Gift set, three 120 g jars",
                        19500,
                        750,
                        [(1, 30, 21)],
                    ),
                ],
                "photos": [
                    (
                        "jars",
                        {
                            "content": (120, 34, 22),
                            "lid": (170, 40, 40),
                            "speckle": [(196, 60, 30), (238, 220, 170), (90, 30, 20)],
                        },
                        "น้ำพริกพริกกะเหรี่ยงในกระปุกแก้ว ผูกผ้าแดง",
                        "Karen chili paste in glass jars with red cloth covers",
                    ),
                    (
                        "chilies",
                        {"dried": True, "background": "dark_wood"},
                        "พริกกะเหรี่ยงแห้งที่ใช้ตำน้ำพริก",
                        "The dried Karen chilies that go into the paste",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.GAP,
                        "status": S.EXPIRED,
                        "issuer": "สำนักงานเกษตรจังหวัดแม่ฮ่องสอน",
                        "certificate_no": "GAP พืช 58-05-0021",
                        "valid_from": date(2023, 1, 1),
                        "valid_until": date(2025, 12, 31),
                        "verified_at": at(2023, 1, 16),
                        "details_th": "ใบรับรอง GAP ของไร่พริกที่ใช้ทำน้ำพริก หมดอายุแล้ว กำลังต่ออายุ",
                        "details_en": "GAP certificate for the chili fields behind the paste; expired, renewal under way.",
                    },
                ],
            },
            {
                "slug": "karen-hill-rice",
                "code": "HRC",
                "category": "rice-grains",
                "kind": LotKind.HARVEST,
                "role": R.GROWER,
                "unit": "kg",
                "name_th": "ข้าวไร่ปกาเกอะญอ ข้าวกล้องแดง",
                "name_en": "Karen hill rice, red brown rice",
                "summary_th": "ข้าวไร่พันธุ์พื้นเมืองจากไร่หมุนเวียน เมล็ดสีแดงอมน้ำตาล หอมมัน เคี้ยวเพลิน ปลูกด้วยน้ำฝนล้วน ๆ",
                "summary_en": "A native hill rice from rotational fields: red-brown grains, nutty and chewy, grown on rain alone.",
                "description_th": (
                    "ข้าวไร่ที่ชาวปกาเกอะญอบ้านห้วยผึ้งปลูกบนดอยปีละครั้ง หยอดเมล็ดด้วยไม้หลุม อาศัยน้ำฝนอย่างเดียว "
                    "ไม่ใช้สารเคมีใด ๆ เกี่ยวด้วยเคียวแล้วนวดด้วยมือ ซ้อมเป็นข้าวกล้องเก็บรำสีแดงไว้\n\n"
                    "แช่น้ำ 3 ชั่วโมง หุงด้วยน้ำ 1.7 เท่า ได้ข้าวนุ่มหนึบ หอมแบบข้าวไร่ กินกับน้ำพริกพริกกะเหรี่ยงเข้ากันที่สุด"
                ),
                "description_en": (
                    "Hill rice the Karen families of Huai Phueng plant once a year, dibbling seed into the slope and "
                    "relying on rain alone, with no chemicals at all. It is cut with sickles, threshed by hand and "
                    "only husked, keeping its red bran.\n\n"
                    "Soak three hours and cook with 1.7 parts water for soft, chewy rice with a hill-rice aroma; "
                    "best with Karen chili paste."
                ),
                "batches": [
                    (
                        date(2025, 11, 25),
                        1,
                        "ข้าวไร่ปี 2568 จากไร่หมุนเวียนบ้านแม่ลาคี",
                        "2025 hill rice from the Ban Mae La Khi fields.",
                    ),
                    (date(2026, 11, 8), 0, "ข้าวไร่ใหม่ปี 2569", "New 2026 hill rice."),
                ],
                "variants": [
                    ("1KG", "ถุง 1 กิโลกรัม", "1 kg bag", 9000, 1000, [(0, 150, 0), (1, 200, 188)]),
                    ("3KG", "ถุงผ้า 3 กิโลกรัม", "3 kg cloth bag", 25500, 3000, [(1, 40, 40)]),
                ],
                "photos": [
                    (
                        "grains",
                        {"kind": "brown", "background": "bamboo"},
                        "ข้าวไร่กล้องแดงในชามบนเสื่อไม้ไผ่",
                        "Red-brown hill rice in a bowl on a bamboo mat",
                    ),
                ],
            },
            {
                "slug": "karen-chili-salt",
                "code": "KCS",
                "category": "chili-spices",
                "kind": LotKind.PRODUCTION,
                "role": R.PROCESSOR,
                "unit": "kg",
                "name_th": "พริกเกลือพริกกะเหรี่ยง",
                "name_en": "Karen chili salt",
                "summary_th": "เกลือป่นผสมพริกกะเหรี่ยงคั่วและน้ำตาลอ้อย จิ้มมะม่วงเปรี้ยว ฝรั่ง มะยม แซ่บจนหยุดไม่ได้",
                "summary_en": "Salt with roasted Karen chili and cane sugar, for dipping sour mango, guava or star gooseberry.",
                "description_th": (
                    "พริกเกลือแบบที่เด็ก ๆ ในหมู่บ้านพกไปกินกับผลไม้ ใช้เกลือสมุทร พริกกะเหรี่ยงคั่ว และน้ำตาลอ้อย "
                    "ป่นให้เข้ากัน เค็ม เผ็ด หวานนิด ๆ ใส่ขวดฝาโรยพร้อมใช้"
                ),
                "description_en": (
                    "The chili salt village children carry for fruit: sea salt, roasted Karen chili and cane "
                    "sugar ground together, salty, hot and a little sweet, in a ready-to-sprinkle bottle."
                ),
                "batches": [
                    (
                        date(2026, 7, 22),
                        2,
                        "ผสมและบรรจุที่บ้านดอยแดง",
                        "Mixed and bottled at Ban Doi Daeng.",
                    ),
                ],
                "variants": [
                    ("80G", "ขวดฝาโรย 80 กรัม", "80 g shaker bottle", 4500, 150, [(0, 180, 77)]),
                ],
                "photos": [
                    (
                        "jars",
                        {
                            "content": (214, 150, 140),
                            "lid": (200, 60, 50),
                            "speckle": [(180, 30, 20), (250, 240, 235)],
                        },
                        "พริกเกลือในขวดแก้ว",
                        "Chili salt in glass bottles",
                    ),
                ],
            },
        ],
    },
    # ------------------------------------------------------------------ Nan
    {
        "slug": "tai-lue-weavers-pa-kha",
        "code": "TL",
        "household_prefix": "NN",
        "households": 7,
        "names": NAMES_NORTH,
        "name_th": "กลุ่มทอผ้าไทลื้อบ้านหนองบัว",
        "name_en": "Ban Nong Bua Tai Lue Weavers",
        "kind": GroupKind.OCCUPATIONAL,
        "registration_no": "",
        "villages": [("บ้านหนองบัว", 3), ("บ้านดอนมูล", 7)],
        "subdistrict_code": "550602",
        "postal_code": "55140",
        "line_id": "@tailue-nongbua",
        # Payee details are made up: no real account or PromptPay id.
        "phone": "0990000003",
        "promptpay_id": "0990000003",
        "payout_account_no": "020100000093",
        "email": "tailue.nongbua@example.org",
        "founded_year": 2008,
        "featured": True,
        "story_th": (
            "ผู้หญิงไทลื้อบ้านหนองบัว อำเภอท่าวังผา ทอผ้าลายน้ำไหลและลายเกาะมาตั้งแต่รุ่นยาย "
            "กลุ่มปลูกฝ้ายเอง ปั่นด้ายเอง และย้อมด้วยสีจากธรรมชาติในหมู่บ้าน เช่น ครั่ง ขมิ้น เปลือกประดู่ และใบมะม่วง "
            "ผ้าแต่ละผืนใช้เวลาทอหลายวัน รายได้จากผ้าช่วยให้แม่ ๆ ไม่ต้องไปรับจ้างไกลบ้าน"
        ),
        "story_en": (
            "The Tai Lue women of Ban Nong Bua, Tha Wang Pha, have woven the 'flowing water' and island "
            "patterns since their grandmothers' time. The group grows its own cotton, spins it, and dyes with "
            "what grows nearby: lac, turmeric, padauk bark and mango leaves. Each cloth takes days on the loom, "
            "and the income lets mothers stay home instead of taking labouring work far away."
        ),
        "claims": [
            {
                "kind": K.OTOP,
                "status": S.VERIFIED,
                "issuer": "สำนักงานพัฒนาชุมชนจังหวัดน่าน (คัดสรร OTOP)",
                "certificate_no": "OTOP 5 ดาว 550602-2566-003",
                "valid_from": date(2024, 1, 1),
                "valid_until": VALID,
                "verified_at": at(2024, 2, 1),
                "details_th": "ผ้าทอไทลื้อลายน้ำไหล ได้ระดับ 5 ดาว",
                "details_en": "Tai Lue flowing-water cloth, rated five stars.",
            },
            {
                "kind": K.HANDMADE,
                "status": S.SELF_DECLARED,
                "issuer": "กลุ่มทอผ้าไทลื้อบ้านหนองบัว",
                "details_th": "ทอด้วยกี่พื้นบ้านทุกผืน",
                "details_en": "Every piece is woven on a traditional floor loom.",
            },
        ],
        "products": [
            {
                "slug": "tai-lue-sarong-nam-lai",
                "code": "SRG",
                "category": "textiles",
                "featured": True,
                "kind": LotKind.PRODUCTION,
                "role": R.WEAVER,
                "extra_role": R.DYER,
                "unit": "pieces",
                "name_th": "ผ้าซิ่นไทลื้อลายน้ำไหล",
                "name_en": "Tai Lue tube skirt, flowing-water pattern",
                "summary_th": "ผ้าซิ่นฝ้ายทอมือลายน้ำไหล สีครั่งแดง ขมิ้นเหลือง และเขียวใบมะม่วง ผืนยาวพร้อมตัดเย็บ",
                "summary_en": "Hand-woven cotton skirt cloth in the flowing-water pattern, in lac red, turmeric yellow and mango-leaf green.",
                "description_th": (
                    "ลายน้ำไหลเป็นลายเอกลักษณ์ของผ้าไทลื้อเมืองน่าน ทอด้วยเทคนิคล้วงทีละเส้น เส้นคลื่นจึงพลิ้วเหมือนสายน้ำ "
                    "ใช้ฝ้ายเข็นมือย้อมสีธรรมชาติ เนื้อผ้าหนานุ่ม ใส่สบาย ยิ่งซักยิ่งนิ่ม\n\n"
                    "ผืนยาวประมาณ 1 × 2 เมตร นำไปตัดเย็บเป็นผ้าซิ่นหรือใช้เป็นผ้าคลุมโต๊ะ ผ้าแต่งผนังก็สวย "
                    "ซักมือด้วยน้ำเย็นและสบู่อ่อน ตากในร่ม"
                ),
                "description_en": (
                    "The flowing-water pattern is the signature of Nan's Tai Lue cloth: the weft is inlaid thread "
                    "by thread so the waves ripple like a stream. Hand-spun cotton with natural dyes gives a thick, "
                    "soft cloth that softens further with every wash.\n\n"
                    "About 1 × 2 m, ready to sew into a skirt or use as a table runner or wall hanging. Hand wash "
                    "cold with mild soap, dry in the shade."
                ),
                "batches": [
                    (
                        date(2026, 3, 28),
                        0,
                        "ทอหลังฤดูเก็บเกี่ยว มีนาคม 2569",
                        "Woven after harvest, March 2026.",
                    ),
                    (
                        date(2026, 7, 18),
                        1,
                        "ทอที่บ้านดอนมูล กรกฎาคม 2569",
                        "Woven at Ban Don Mun, July 2026.",
                    ),
                    (date(2026, 10, 22), 0, "ล็อตล่าสุด ตุลาคม 2569", "Latest lot, October 2026."),
                ],
                "variants": [
                    (
                        "STD",
                        "ผืน 100 × 200 ซม.",
                        "Cloth 100 × 200 cm",
                        145000,
                        450,
                        [(0, 12, 0), (1, 10, 3), (2, 8, 8)],
                    ),
                    (
                        "SEWN",
                        "ตัดเย็บเป็นผ้าซิ่นสำเร็จ (เอว 26–32 นิ้ว)",
                        "Sewn skirt (waist 26–32 in)",
                        189000,
                        500,
                        [(1, 6, 1), (2, 5, 5)],
                    ),
                ],
                "photos": [
                    (
                        "cloth",
                        {
                            "pattern": "nam_lai",
                            "palette": [(44, 30, 30), (176, 38, 48), (222, 170, 56), (44, 104, 88)],
                        },
                        "ผ้าซิ่นไทลื้อลายน้ำไหลพับซ้อนกัน",
                        "Folded Tai Lue flowing-water cloths",
                    ),
                    (
                        "drape",
                        {
                            "pattern": "nam_lai",
                            "palette": [(44, 30, 30), (176, 38, 48), (222, 170, 56), (44, 104, 88)],
                        },
                        "ลายน้ำไหลบนผืนผ้าระยะใกล้",
                        "Close-up of the flowing-water pattern",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.NATURAL_DYE,
                        "status": S.VERIFIED,
                        "issuer": "สำนักงานพัฒนาชุมชนอำเภอท่าวังผา",
                        "certificate_no": "พช.ทวผ 2568/044",
                        "valid_from": date(2025, 8, 1),
                        "valid_until": VALID,
                        "verified_at": at(2025, 8, 15),
                        "details_th": "ตรวจกระบวนการย้อมที่บ้านสมาชิก ใช้ครั่ง ขมิ้น และใบมะม่วง ไม่มีสีเคมี",
                        "details_en": "Dyeing checked at members' homes: lac, turmeric and mango leaves, no synthetic dye.",
                    },
                ],
            },
            {
                "slug": "natural-dye-cotton-scarf",
                "code": "SCF",
                "category": "textiles",
                "kind": LotKind.PRODUCTION,
                "role": R.WEAVER,
                "extra_role": R.DYER,
                "unit": "pieces",
                "name_th": "ผ้าพันคอฝ้ายย้อมสีธรรมชาติ",
                "name_en": "Natural-dye cotton scarf",
                "summary_th": "ผ้าพันคอฝ้ายทอมือเนื้อเบา ไล่สีอ่อนจากเปลือกประดู่และใบมะม่วง ใส่ได้ทุกฤดู",
                "summary_en": "A light hand-woven cotton scarf with soft gradients from padauk bark and mango leaves, for every season.",
                "description_th": (
                    "ทอด้วยฝ้ายเส้นเล็กเนื้อโปร่ง ระบายอากาศดี หน้าหนาวพันคออุ่น หน้าร้อนคลุมไหล่กันแดด "
                    "สีน้ำตาลอมส้มได้จากเปลือกประดู่ สีเขียวอ่อนจากใบมะม่วง ย้อมทีละผืนสีจึงต่างกันเล็กน้อย"
                ),
                "description_en": (
                    "Woven from fine, airy cotton: warm round the neck in the cool season, a sun wrap in the hot "
                    "one. The orange-brown comes from padauk bark, the soft green from mango leaves; each scarf "
                    "is dyed on its own, so shades vary a little."
                ),
                "batches": [
                    (
                        date(2026, 6, 5),
                        0,
                        "ย้อมช่วงต้นฤดูฝน มิถุนายน 2569",
                        "Dyed at the start of the rains, June 2026.",
                    ),
                    (date(2026, 10, 10), 1, "ล็อตตุลาคม 2569", "October 2026 lot."),
                ],
                "variants": [
                    (
                        "STD",
                        "ขนาด 45 × 180 ซม.",
                        "45 × 180 cm",
                        35000,
                        120,
                        [(0, 40, 9), (1, 30, 30)],
                    ),
                ],
                "photos": [
                    (
                        "cloth",
                        {
                            "pattern": "gradient",
                            "palette": [
                                (120, 88, 60),
                                (172, 104, 58),
                                (196, 152, 92),
                                (110, 128, 74),
                            ],
                        },
                        "ผ้าพันคอย้อมสีธรรมชาติพับวางบนโต๊ะไม้",
                        "Natural-dye scarves folded on a wooden table",
                    ),
                    (
                        "drape",
                        {
                            "pattern": "gradient",
                            "palette": [
                                (120, 88, 60),
                                (172, 104, 58),
                                (196, 152, 92),
                                (110, 128, 74),
                            ],
                        },
                        "เนื้อผ้าพันคอไล่สีระยะใกล้",
                        "Close-up of the scarf's colour gradient",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.NATURAL_DYE,
                        "status": S.PENDING,
                        "issuer": "สำนักงานพัฒนาชุมชนอำเภอท่าวังผา",
                        "certificate_no": "",
                        "details_th": "ส่งตัวอย่างผ้าและบันทึกการย้อมแล้ว รอนัดตรวจ",
                        "details_en": "Cloth samples and dye records submitted; inspection to be scheduled.",
                    },
                ],
            },
            {
                "slug": "tai-lue-tote-bag",
                "code": "BAG",
                "category": "textiles",
                "kind": LotKind.PRODUCTION,
                "role": R.WEAVER,
                "unit": "pieces",
                "name_th": "กระเป๋าผ้าทอไทลื้อ",
                "name_en": "Tai Lue woven tote bag",
                "summary_th": "กระเป๋าสะพายผ้าทอมือลายริ้ว บุซับใน มีกระเป๋าเล็กด้านใน ใส่โน้ตบุ๊ก 13 นิ้วได้",
                "summary_en": "A striped hand-woven shoulder tote, lined, with an inner pocket; fits a 13-inch laptop.",
                "description_th": (
                    "ตัดเย็บจากผ้าทอมือเศษเหลือจากการทอซิ่น สลับริ้วสีธรรมชาติ หูกระเป๋าทอแยกให้แข็งแรง "
                    "ซับในผ้าฝ้ายดิบ มีกระเป๋าเล็กด้านในสำหรับโทรศัพท์และกุญแจ"
                ),
                "description_en": (
                    "Sewn from hand-woven cloth left over from skirt weaving, in natural-dye stripes, with "
                    "separately woven straps for strength, a raw-cotton lining and an inner pocket for phone and keys."
                ),
                "batches": [
                    (date(2026, 8, 2), 0, "ตัดเย็บสิงหาคม 2569", "Sewn August 2026."),
                ],
                "variants": [
                    ("STD", "ขนาด 35 × 40 ซม.", "35 × 40 cm", 29000, 300, [(0, 25, 14)]),
                ],
                "photos": [
                    (
                        "bag",
                        {
                            "pattern": "stripes",
                            "palette": [
                                (120, 62, 42),
                                (202, 152, 84),
                                (84, 104, 62),
                                (176, 44, 50),
                            ],
                        },
                        "กระเป๋าผ้าทอไทลื้อลายริ้ว",
                        "Striped Tai Lue tote bag",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.NATURAL_DYE,
                        "status": S.REVOKED,
                        "issuer": "สำนักงานพัฒนาชุมชนอำเภอท่าวังผา",
                        "certificate_no": "พช.ทวผ 2567/019",
                        "valid_from": date(2024, 9, 1),
                        "valid_until": date(2027, 8, 31),
                        "verified_at": at(2024, 9, 10),
                        "details_th": "เคยรับรองว่าย้อมสีธรรมชาติทั้งใบ",
                        "details_en": "Once certified as dyed with natural dyes throughout.",
                        "decision_reason": "เพิกถอน: ตรวจพบว่าหูกระเป๋าบางล็อตใช้ด้ายย้อมสีเคมี กลุ่มแจ้งเองและเปลี่ยนวัสดุแล้ว / Revoked: some straps used chemically dyed thread; the group reported it and changed supplier.",
                    },
                ],
            },
        ],
    },
    # ------------------------------------------------------------------ Phrae
    {
        "slug": "mo-hom-thung-hong",
        "code": "MO",
        "household_prefix": "PR",
        "households": 6,
        "names": NAMES_NORTH,
        "name_th": "วิสาหกิจชุมชนผ้าหม้อห้อมย้อมครามทุ่งโฮ้ง",
        "name_en": "Thung Hong Mo Hom Indigo Community Enterprise",
        "kind": GroupKind.COMMUNITY_ENTERPRISE,
        "registration_no": "5-54-01-05/1-0031",
        "villages": [("บ้านทุ่งโฮ้งเหนือ", 2), ("บ้านทุ่งโฮ้งใต้", 4)],
        "subdistrict_code": "540105",
        "postal_code": "54000",
        "line_id": "@mohom-thunghong",
        # Payee details are made up: no real account or PromptPay id.
        "phone": "0990000004",
        "promptpay_id": "0993505400108",
        "payout_account_no": "020100000144",
        "email": "mohom@example.org",
        "founded_year": 2012,
        "featured": False,
        "story_th": (
            "ทุ่งโฮ้ง เมืองแพร่ คือบ้านเกิดของเสื้อหม้อห้อม สีน้ำเงินเข้มได้จากการหมักต้นห้อมในหม้อดินจนเกิดน้ำย้อม "
            "สมาชิกกลุ่มยังย้อมแบบดั้งเดิม จุ่มแล้วผึ่งลมซ้ำหลายสิบรอบจนได้สีที่ต้องการ "
            "ช่างเย็บในหมู่บ้านตัดเย็บเป็นเสื้อ ผ้าพันคอ และของใช้ที่ใส่ได้ทุกวัน"
        ),
        "story_en": (
            "Thung Hong in Phrae is the home of the mo hom shirt. The deep blue comes from fermenting the "
            "hom (indigo) plant in clay pots until the dye bath is alive. Members still dye the old way, "
            "dipping and airing the cloth dozens of times until the shade is right, and village tailors sew "
            "it into shirts, scarves and everyday things."
        ),
        "claims": [
            {
                "kind": K.NATURAL_DYE,
                "status": S.VERIFIED,
                "issuer": "สำนักงานพัฒนาชุมชนจังหวัดแพร่",
                "certificate_no": "พช.พร 2568/NI-07",
                "valid_from": date(2025, 5, 1),
                "valid_until": VALID_LONG,
                "verified_at": at(2025, 5, 20),
                "details_th": "ย้อมด้วยห้อมหมักในหม้อดินของกลุ่ม ตรวจบ่อหมักและบันทึกการย้อม",
                "details_en": "Dyed with fermented indigo in the group's clay pots; vats and dye records inspected.",
            },
        ],
        "products": [
            {
                "slug": "mo-hom-shirt",
                "code": "SHT",
                "category": "textiles",
                "featured": True,
                "kind": LotKind.PRODUCTION,
                "role": R.DYER,
                "extra_role": R.PROCESSOR,
                "unit": "pieces",
                "name_th": "เสื้อหม้อห้อมคอจีน ย้อมครามธรรมชาติ",
                "name_en": "Mo hom shirt, natural indigo",
                "summary_th": "เสื้อผ้าฝ้ายย้อมห้อมแท้ สีน้ำเงินเข้ม คอจีน กระดุมกะลา ใส่ทำงานหรือเที่ยวก็เท่",
                "summary_en": "A cotton shirt dyed in real hom indigo: deep blue, mandarin collar, coconut-shell buttons.",
                "description_th": (
                    "ผ้าฝ้ายเนื้อนุ่มย้อมห้อมหมักแบบดั้งเดิมกว่า 20 รอบจนได้สีน้ำเงินเกือบดำ "
                    "ตัดเย็บทรงหลวมใส่สบาย คอจีน กระเป๋าหน้าอก กระดุมจากกะลามะพร้าว\n\n"
                    "ซักแยกสี 2–3 ครั้งแรก ใช้น้ำเย็น ไม่ต้องแช่ ตากในร่ม สีจะค่อย ๆ ซีดอย่างสวยงามตามการใช้งาน"
                ),
                "description_en": (
                    "Soft cotton dipped in fermented indigo more than twenty times until it is nearly black-blue, "
                    "cut loose and comfortable with a mandarin collar, breast pocket and coconut-shell buttons.\n\n"
                    "Wash separately the first few times, cold, without soaking; dry in the shade. The colour "
                    "fades beautifully with wear."
                ),
                "batches": [
                    (date(2026, 5, 12), 0, "ย้อมและตัดเย็บพฤษภาคม 2569", "Dyed and sewn May 2026."),
                    (date(2026, 8, 20), 1, "ล็อตสิงหาคม 2569", "August 2026 lot."),
                    (date(2026, 10, 15), 0, "ล็อตตุลาคม 2569", "October 2026 lot."),
                ],
                "variants": [
                    (
                        "M",
                        "ไซซ์ M (อก 40 นิ้ว)",
                        "Size M (chest 40 in)",
                        39000,
                        250,
                        [(0, 30, 0), (2, 25, 19)],
                    ),
                    (
                        "L",
                        "ไซซ์ L (อก 44 นิ้ว)",
                        "Size L (chest 44 in)",
                        39000,
                        270,
                        [(0, 30, 4), (1, 20, 20)],
                    ),
                    ("XL", "ไซซ์ XL (อก 48 นิ้ว)", "Size XL (chest 48 in)", 42000, 290, [(1, 15, 7)]),
                ],
                "photos": [
                    (
                        "shirt",
                        {},
                        "เสื้อหม้อห้อมสีน้ำเงินเข้มวางบนผ้าลินิน",
                        "Deep-blue mo hom shirt laid on linen",
                    ),
                    (
                        "drape",
                        {
                            "pattern": "stripes",
                            "palette": [(26, 38, 86), (32, 46, 98), (22, 30, 70)],
                        },
                        "เนื้อผ้าฝ้ายย้อมห้อมระยะใกล้",
                        "Close-up of the indigo-dyed cotton",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.HANDMADE,
                        "status": S.SELF_DECLARED,
                        "issuer": "วิสาหกิจชุมชนผ้าหม้อห้อมย้อมครามทุ่งโฮ้ง",
                        "details_th": "ย้อมมือและตัดเย็บโดยช่างในหมู่บ้าน",
                        "details_en": "Hand-dyed and sewn by village tailors.",
                    },
                ],
            },
            {
                "slug": "indigo-shibori-scarf",
                "code": "SHB",
                "category": "textiles",
                "kind": LotKind.PRODUCTION,
                "role": R.DYER,
                "unit": "pieces",
                "name_th": "ผ้าคลุมไหล่มัดย้อมห้อม ลายวงน้ำ",
                "name_en": "Indigo tie-dye shawl, ripple circles",
                "summary_th": "ผ้าคลุมไหล่ฝ้ายมัดย้อมห้อม ลายวงกลมซ้อนเหมือนหยดน้ำ ไม่มีผืนไหนเหมือนกัน",
                "summary_en": "A cotton shawl tie-dyed in indigo with rings like ripples; no two are the same.",
                "description_th": (
                    "มัดผ้าด้วยเชือกและเมล็ดมะกล่ำก่อนจุ่มห้อม เมื่อแกะออกจะได้วงกลมสีขาวซ้อนบนพื้นคราม "
                    "ลายจึงเกิดจากมือของช่างแต่ละคน ใช้คลุมไหล่ พันคอ หรือเป็นผ้าปูโต๊ะเล็กก็ได้"
                ),
                "description_en": (
                    "The cloth is bound with string around seeds before dipping; unwrapped, it shows white rings "
                    "on indigo, so every pattern is the dyer's own. Wear it as a shawl or scarf, or use it as a small tablecloth."
                ),
                "batches": [
                    (date(2026, 4, 18), 1, "ย้อมเมษายน 2569", "Dyed April 2026."),
                    (date(2026, 9, 30), 0, "ย้อมกันยายน 2569", "Dyed September 2026."),
                ],
                "variants": [
                    (
                        "STD",
                        "ขนาด 60 × 180 ซม.",
                        "60 × 180 cm",
                        45000,
                        180,
                        [(0, 20, 0), (1, 18, 13)],
                    ),
                ],
                "photos": [
                    (
                        "drape",
                        {"pattern": "shibori", "palette": [(24, 38, 88), (206, 214, 232)]},
                        "ผ้ามัดย้อมห้อมลายวงน้ำ",
                        "Indigo tie-dye with ripple circles",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.NATURAL_DYE,
                        "status": S.VERIFIED,
                        "issuer": "ศูนย์ส่งเสริมอุตสาหกรรมภาคที่ 1 (ทดสอบสีย้อม)",
                        "certificate_no": "DIP1-NT-2568-0392",
                        "valid_from": date(2025, 10, 1),
                        "valid_until": date(2026, 9, 30),
                        "verified_at": at(2025, 10, 8),
                        "details_th": "ผลทดสอบไม่พบสีย้อมสังเคราะห์กลุ่มเอโซ ใบรับรองครบกำหนดแล้ว",
                        "details_en": "No azo synthetic dyes found; the certificate has run out.",
                    },
                ],
            },
            {
                "slug": "indigo-table-runner",
                "code": "RUN",
                "category": "textiles",
                "kind": LotKind.PRODUCTION,
                "role": R.DYER,
                "unit": "pieces",
                "name_th": "ผ้ารองจานและผ้าปูโต๊ะหม้อห้อม ลายตาราง",
                "name_en": "Indigo checked placemats and table runner",
                "summary_th": "ผ้าฝ้ายย้อมห้อมลายตารางขาวน้ำเงิน แต่งโต๊ะอาหารให้ดูอบอุ่นแบบบ้านเหนือ",
                "summary_en": "Indigo and white checked cotton to give your table a warm northern-home feel.",
                "description_th": (
                    "ทอลายตารางก่อนนำไปย้อมห้อม ได้ลายขาวตัดน้ำเงินชัดเจน ชุดผ้ารองจาน 4 ผืน หรือผ้าปูโต๊ะยาว "
                    "ซักเครื่องได้ในถุงซักผ้า"
                ),
                "description_en": (
                    "Woven in checks, then dyed in indigo for crisp white and blue. A set of four placemats or a "
                    "long runner; machine washable in a laundry bag."
                ),
                "batches": [
                    (date(2026, 7, 8), 0, "ย้อมกรกฎาคม 2569", "Dyed July 2026."),
                ],
                "variants": [
                    (
                        "SET4",
                        "ผ้ารองจาน 4 ผืน (30 × 45 ซม.)",
                        "Four placemats (30 × 45 cm)",
                        32000,
                        260,
                        [(0, 20, 15)],
                    ),
                    (
                        "RUN",
                        "ผ้าปูโต๊ะยาว 35 × 180 ซม.",
                        "Table runner 35 × 180 cm",
                        38000,
                        300,
                        [(0, 15, 12)],
                    ),
                ],
                "photos": [
                    (
                        "drape",
                        {"pattern": "grid", "palette": [(28, 42, 92), (222, 226, 236)]},
                        "ผ้าหม้อห้อมลายตารางขาวน้ำเงิน",
                        "Indigo and white checked cloth",
                    ),
                ],
            },
        ],
    },
    # ------------------------------------------------------------------ Chiang Mai
    {
        "slug": "huai-kaeo-highland-coffee",
        "code": "HK",
        "household_prefix": "CM",
        "households": 7,
        "names": NAMES_NORTH,
        "name_th": "วิสาหกิจชุมชนกาแฟและชาเมี่ยงห้วยแก้ว",
        "name_en": "Huai Kaeo Highland Coffee and Miang Community Enterprise",
        "kind": GroupKind.COMMUNITY_ENTERPRISE,
        "registration_no": "5-50-23-04/1-0019",
        "villages": [("บ้านแม่กำปองใน", 3), ("บ้านห้วยแก้วบน", 1), ("บ้านปางแม่ขะ", 8)],
        "subdistrict_code": "502304",
        "postal_code": "50130",
        "line_id": "@huaikaeo-coffee",
        # Payee details are made up: no real account or PromptPay id.
        "phone": "0990000005",
        "promptpay_id": "0993505700209",
        "payout_account_no": "020100000155",
        "email": "huaikaeo.coffee@example.org",
        "founded_year": 2014,
        "featured": True,
        "story_th": (
            "บนดอยสูงกว่า 1,200 เมตรของตำบลห้วยแก้ว อำเภอแม่ออน ชาวบ้านเก็บใบชาป่ามาหมักเป็นเมี่ยงมาเป็นร้อยปี "
            "เมื่อราคาเมี่ยงตก สมาชิกจึงปลูกกาแฟอาราบิก้าใต้ร่มไม้ป่าเดิมโดยไม่ตัดต้นไม้ "
            "เก็บเชอร์รีสุกด้วยมือ ตากบนแคร่ยกพื้น และคั่วเองที่โรงคั่วของกลุ่ม ป่ายังอยู่ ลูกหลานก็ได้กลับมาทำงานบ้านเกิด"
        ),
        "story_en": (
            "Above 1,200 metres in Huai Kaeo, Mae On, villagers have fermented wild tea leaves into miang "
            "for a century. When miang prices fell, members planted Arabica coffee under the existing forest "
            "canopy without felling a tree. Ripe cherries are picked by hand, dried on raised beds and roasted "
            "at the group's own roastery: the forest stays, and the young have come home to work."
        ),
        "claims": [
            {
                "kind": K.ORGANIC_THAILAND,
                "status": S.VERIFIED,
                "issuer": "กรมวิชาการเกษตร",
                "certificate_no": "กษ 0916 OT-CM-2568-0457",
                "valid_from": date(2025, 7, 1),
                "valid_until": VALID_LONG,
                "verified_at": at(2025, 7, 14),
                "details_th": "รับรองเกษตรอินทรีย์ประเทศไทย สวนกาแฟสมาชิก 21 ไร่",
                "details_en": "Organic Thailand certification of 21 rai of members' coffee gardens.",
            },
        ],
        "products": [
            {
                "slug": "huai-kaeo-arabica-medium-roast",
                "code": "ARB",
                "category": "coffee-tea",
                "featured": True,
                "kind": LotKind.PRODUCTION,
                "role": R.GROWER,
                "extra_role": R.PROCESSOR,
                "unit": "kg",
                "yield": 1,
                "name_th": "กาแฟอาราบิก้าห้วยแก้ว คั่วกลาง",
                "name_en": "Huai Kaeo Arabica, medium roast",
                "summary_th": "อาราบิก้าปลูกใต้ร่มป่าที่ความสูง 1,200 เมตร คั่วกลาง หอมคาราเมล ถั่วอบ เปรี้ยวผลไม้อ่อน ๆ",
                "summary_en": "Shade-grown Arabica from 1,200 m, medium roast: caramel, toasted nuts and a gentle fruity acidity.",
                "description_th": (
                    "กาแฟจากสวนใต้ร่มไม้ป่าของสมาชิก เก็บเฉพาะเชอร์รีสุกแดง ผ่านกระบวนการแบบเปียก ตากบนแคร่ยกพื้น 3 สัปดาห์ "
                    "คั่วเป็นล็อตเล็กที่โรงคั่วของกลุ่มเมื่อมีคำสั่งซื้อ จึงสดทุกถุง\n\n"
                    "เหมาะกับดริป มอคค่าพอท หรือเฟรนช์เพรส ดื่มดำก็หวานชุ่มคอ ใส่นมก็เข้ากัน "
                    "เลือกได้ทั้งแบบเมล็ดและบดสำหรับดริป"
                ),
                "description_en": (
                    "From members' gardens under native forest. Only ripe red cherries are picked, washed-processed "
                    "and dried on raised beds for three weeks, then roasted in small batches at the group roastery "
                    "as orders come in, so every bag is fresh.\n\n"
                    "Good for pour-over, moka pot or French press: sweet when black, lovely with milk. Whole bean "
                    "or ground for drip."
                ),
                "batches": [
                    (
                        date(2026, 3, 20),
                        0,
                        "สารกาแฟฤดู 2568/69 คั่วมีนาคม 2569",
                        "2025/26 crop, roasted March 2026.",
                    ),
                    (date(2026, 9, 15), 0, "คั่วกันยายน 2569", "Roasted September 2026."),
                    (
                        date(2026, 11, 10),
                        1,
                        "คั่วพฤศจิกายน 2569 จากสวนบ้านห้วยแก้วบน",
                        "Roasted November 2026, from Ban Huai Kaeo Bon gardens.",
                    ),
                ],
                "variants": [
                    (
                        "250B",
                        "เมล็ด 250 กรัม",
                        "Whole bean 250 g",
                        22000,
                        260,
                        [(0, 120, 0), (1, 100, 31), (2, 80, 80)],
                    ),
                    (
                        "250G",
                        "บดสำหรับดริป 250 กรัม",
                        "Ground for drip 250 g",
                        22000,
                        260,
                        [(1, 60, 22), (2, 50, 50)],
                    ),
                    (
                        "500B",
                        "เมล็ด 500 กรัม",
                        "Whole bean 500 g",
                        42000,
                        510,
                        [(1, 40, 0), (2, 40, 36)],
                    ),
                ],
                "photos": [
                    (
                        "grains",
                        {"kind": "coffee", "background": "dark_wood"},
                        "เมล็ดกาแฟคั่วกลางในชาม",
                        "Medium-roast coffee beans in a bowl",
                    ),
                    (
                        "cup",
                        {},
                        "กาแฟดำหนึ่งถ้วยล้อมด้วยเมล็ดกาแฟ",
                        "A cup of black coffee surrounded by beans",
                    ),
                    (
                        "grains",
                        {"kind": "coffee", "closeup": True},
                        "เมล็ดกาแฟคั่วระยะใกล้",
                        "Close-up of roasted coffee beans",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.Q_MARK,
                        "status": S.VERIFIED,
                        "issuer": "สำนักงานมาตรฐานสินค้าเกษตรและอาหารแห่งชาติ (มกอช.)",
                        "certificate_no": "Q 0202-0501-0088",
                        "valid_from": date(2025, 9, 1),
                        "valid_until": VALID,
                        "verified_at": at(2025, 9, 18),
                        "details_th": "เครื่องหมาย Q สินค้าเกษตรคุณภาพ สำหรับโรงคั่วของกลุ่ม",
                        "details_en": "Q mark for quality agricultural products, covering the group roastery.",
                    },
                ],
                "lot_claims": [
                    (
                        "250B",
                        2,
                        {
                            "kind": K.PGS,
                            "status": S.PENDING,
                            "issuer": "เครือข่ายเกษตรอินทรีย์ PGS แม่ออน",
                            "certificate_no": "",
                            "details_th": "ขอตรวจรับรองล็อตกาแฟฤดูใหม่",
                            "details_en": "Inspection requested for the new-season lot.",
                        },
                    ),
                ],
            },
            {
                "slug": "coffee-drip-bags",
                "code": "DRP",
                "category": "coffee-tea",
                "kind": LotKind.PRODUCTION,
                "role": R.PROCESSOR,
                "unit": "kg",
                "name_th": "กาแฟดริปแบก ห้วยแก้ว",
                "name_en": "Huai Kaeo drip bags",
                "summary_th": "กาแฟบดพร้อมดริปในซองแขวนแก้ว แค่ฉีกซอง เทน้ำร้อน ได้กาแฟสดหอม ๆ ที่ออฟฟิศหรือระหว่างเดินทาง",
                "summary_en": "Ground coffee in hang-on-cup filters: tear, pour hot water, and you have fresh coffee anywhere.",
                "description_th": (
                    "ใช้เมล็ดอาราบิก้าคั่วกลางของกลุ่ม บดสดแล้วบรรจุซองละ 12 กรัมในซองไนโตรเจนกันหืน "
                    "ชงกับน้ำร้อน 150–180 มล. ค่อย ๆ รินเป็นวง 3 รอบ"
                ),
                "description_en": (
                    "The group's medium-roast Arabica, ground fresh and packed 12 g per filter in nitrogen-flushed "
                    "sachets. Brew with 150–180 ml hot water, poured slowly in three rounds."
                ),
                "batches": [
                    (date(2026, 10, 2), 0, "บรรจุตุลาคม 2569", "Packed October 2026."),
                ],
                "variants": [
                    ("10", "กล่อง 10 ซอง", "Box of 10", 15000, 180, [(0, 150, 102)]),
                    ("30", "กล่อง 30 ซอง", "Box of 30", 39900, 480, [(0, 50, 41)]),
                ],
                "photos": [
                    (
                        "cup",
                        {"background": "wood"},
                        "กาแฟดริปในถ้วยกระเบื้องบนโต๊ะไม้",
                        "Drip coffee in a cup on a wooden table",
                    ),
                ],
            },
            {
                "slug": "miang-tea-leaves",
                "code": "MIA",
                "category": "coffee-tea",
                "kind": LotKind.HARVEST,
                "role": R.GROWER,
                "unit": "kg",
                "yield": 5,
                "name_th": "ชาเมี่ยงใบอบแห้ง",
                "name_en": "Dried wild miang tea leaves",
                "summary_th": "ใบชาป่าพันธุ์อัสสัมจากดงเมี่ยงอายุร้อยปี นึ่งแล้วคั่วมือ ชงได้สีทองอำพัน หอมหวาน ไม่ฝาด",
                "summary_en": "Leaves from century-old wild Assam tea trees, steamed and hand-roasted: amber, sweet, not bitter.",
                "description_th": (
                    "เก็บยอดชาจากต้นชาป่าที่ขึ้นใต้ร่มไม้ในป่าชุมชน นึ่งและคั่วมือในกระทะเหล็ก "
                    "ชงด้วยน้ำร้อน 90 องศา 3 นาที ได้น้ำชาสีทองอำพัน กลิ่นหอมแบบดอกไม้ป่า ชงซ้ำได้ 3–4 รอบ"
                ),
                "description_en": (
                    "Shoots picked from wild tea trees growing under the community forest canopy, steamed and "
                    "hand-roasted in an iron wok. Steep in 90 °C water for three minutes for an amber, floral cup; "
                    "re-steep three or four times."
                ),
                "batches": [
                    (
                        date(2026, 6, 12),
                        2,
                        "เก็บยอดชาต้นฤดูฝน มิถุนายน 2569",
                        "Early-rains pick, June 2026.",
                    ),
                ],
                "variants": [
                    ("50G", "ถุงคราฟต์ 50 กรัม", "50 g kraft bag", 12000, 60, [(0, 120, 64)]),
                    ("100G", "กระป๋อง 100 กรัม", "100 g tin", 26000, 180, [(0, 40, 29)]),
                ],
                "photos": [
                    ("leaves", {}, "ใบชาเมี่ยงบนกระด้งไม้ไผ่", "Miang tea leaves on a bamboo tray"),
                ],
                "claims": [
                    {
                        "kind": K.CHEMICAL_FREE,
                        "status": S.SELF_DECLARED,
                        "issuer": "วิสาหกิจชุมชนกาแฟและชาเมี่ยงห้วยแก้ว",
                        "details_th": "ต้นชาป่าในป่าชุมชน ไม่มีการใส่ปุ๋ยหรือฉีดยา",
                        "details_en": "Wild tea trees in community forest, never fertilised or sprayed.",
                    },
                ],
            },
        ],
    },
    # ------------------------------------------------------------------ Lampang
    {
        "slug": "thung-phueng-honey-herbs",
        "code": "TP",
        "household_prefix": "LP",
        "households": 6,
        "names": NAMES_NORTH,
        "name_th": "กลุ่มน้ำผึ้งและสมุนไพรบ้านทุ่งผึ้ง",
        "name_en": "Thung Phueng Honey and Herbal Group",
        "kind": GroupKind.OCCUPATIONAL,
        "registration_no": "",
        "villages": [("บ้านทุ่งผึ้ง", 1), ("บ้านแม่ฮ่าง", 6)],
        "subdistrict_code": "520606",
        "postal_code": "52120",
        "line_id": "@thungphueng",
        # Payee details are made up: no real account or PromptPay id.
        "phone": "0990000006",
        "promptpay_id": "0993506000308",
        "payout_account_no": "020100000166",
        "email": "thungphueng@example.org",
        "founded_year": 2017,
        "featured": False,
        "story_th": (
            "ตำบลทุ่งผึ้ง อำเภอแจ้ห่ม ได้ชื่อจากผึ้งป่าที่ทำรังอยู่เต็มทุ่งในอดีต "
            "สมาชิกเลี้ยงผึ้งโพรงในกล่องไม้ใกล้สวนลำไยและป่าชุมชน และทำยาหม่องกับลูกประคบจากสมุนไพรที่ปลูกรอบบ้าน "
            "ตามตำราหมอเมืองของพ่ออุ้ยในหมู่บ้าน"
        ),
        "story_en": (
            "Thung Phueng, 'the field of bees', in Chae Hom is named for the wild bees that once nested all "
            "over its fields. Members keep native cavity bees in wooden boxes beside longan orchards and "
            "community forest, and make balms and herbal compresses from herbs grown round their houses, "
            "following the village elder's northern folk-medicine notes."
        ),
        "claims": [
            {
                "kind": K.CHEMICAL_FREE,
                "status": S.REJECTED,
                "issuer": "สำนักงานเกษตรอำเภอแจ้ห่ม",
                "certificate_no": "",
                "details_th": "ยื่นขอรับรองปลอดสารเคมีทั้งกลุ่ม",
                "details_en": "Applied for chemical-free certification of the whole group.",
                "decision_reason": "ไม่รับรองทั้งกลุ่ม เพราะสวนลำไยรอบรังผึ้งบางแปลงยังใช้สารเคมี ให้ยื่นรายสินค้าแทน / Not granted group-wide: some longan orchards near the hives still use chemicals; apply per product instead.",
            },
        ],
        "products": [
            {
                "slug": "longan-blossom-honey",
                "code": "HNY",
                "category": "honey-herbal",
                "featured": True,
                "kind": LotKind.HARVEST,
                "role": R.GROWER,
                "unit": "kg",
                "name_th": "น้ำผึ้งดอกลำไยแท้ จากผึ้งโพรง",
                "name_en": "Longan blossom honey from native bees",
                "summary_th": "น้ำผึ้งแท้สีอำพัน หอมกลิ่นดอกลำไย หวานกลมกล่อม ไม่ผสมน้ำเชื่อม กรองด้วยผ้าขาวบางเท่านั้น",
                "summary_en": "Pure amber honey scented with longan blossom, mellow and sweet, with no syrup; strained only through muslin.",
                "description_th": (
                    "เก็บจากรังผึ้งโพรงในกล่องไม้ของสมาชิกช่วงลำไยออกดอก เดือนกุมภาพันธ์ถึงมีนาคม "
                    "ตัดเฉพาะรวงที่ปิดฝาแล้ว บีบด้วยมือ กรองผ้าขาวบาง ไม่ผ่านความร้อน จึงเก็บกลิ่นดอกไม้ไว้ครบ\n\n"
                    "ผสมน้ำอุ่นกับมะนาว ราดโยเกิร์ต ทาขนมปัง หรือใช้แทนน้ำตาลในน้ำสลัด "
                    "น้ำผึ้งแท้อาจตกผลึกเมื่ออากาศเย็น ตั้งในน้ำอุ่นก็จะกลับมาใส"
                ),
                "description_en": (
                    "Gathered from members' native-bee boxes while the longans flower, February to March. Only "
                    "capped comb is cut, pressed by hand and strained through muslin, never heated, so the blossom "
                    "scent stays.\n\n"
                    "Stir into warm water with lime, pour over yoghurt, spread on toast or use in dressings. Real "
                    "honey may crystallise when cool; stand the jar in warm water and it clears."
                ),
                "batches": [
                    (date(2025, 12, 20), 1, "น้ำผึ้งดอกไม้ป่าปลายปี 2568", "Late-2025 wildflower flow."),
                    (
                        date(2026, 3, 25),
                        0,
                        "น้ำผึ้งดอกลำไย มีนาคม 2569",
                        "Longan blossom flow, March 2026.",
                    ),
                ],
                "variants": [
                    ("250", "ขวด 250 มล.", "250 ml bottle", 14500, 420, [(0, 80, 0), (1, 150, 88)]),
                    ("500", "ขวด 500 มล.", "500 ml bottle", 26050, 800, [(1, 80, 53)]),
                    ("1000", "ขวด 1 ลิตร", "1 litre bottle", 48000, 1550, [(1, 20, 0)]),
                ],
                "photos": [
                    (
                        "honey",
                        {},
                        "น้ำผึ้งดอกลำไยในขวดแก้ววางบนรวงผึ้ง",
                        "Longan honey in glass jars on honeycomb",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.GAP,
                        "status": S.EXPIRED,
                        "issuer": "กรมปศุสัตว์ (มาตรฐานฟาร์มผึ้ง)",
                        "certificate_no": "ปศ.ผึ้ง 52-06-0009",
                        "valid_from": date(2023, 4, 1),
                        "valid_until": date(2026, 3, 31),
                        "verified_at": at(2023, 4, 11),
                        "details_th": "มาตรฐานการปฏิบัติที่ดีสำหรับฟาร์มผึ้ง รอบที่แล้ว",
                        "details_en": "Good practice for bee farms, previous cycle.",
                    },
                ],
                "lot_claims": [
                    (
                        "500",
                        1,
                        {
                            "kind": K.CHEMICAL_FREE,
                            "status": S.VERIFIED,
                            "issuer": "ห้องปฏิบัติการ คณะอุตสาหกรรมเกษตร มหาวิทยาลัยเชียงใหม่",
                            "certificate_no": "AGRO-CMU 69/0412",
                            "valid_from": date(2026, 4, 10),
                            "valid_until": VALID,
                            "verified_at": at(2026, 4, 22),
                            "details_th": "ไม่พบยาปฏิชีวนะและสารกำจัดศัตรูพืชตกค้าง ความชื้น 19.2%",
                            "details_en": "No antibiotic or pesticide residues; moisture 19.2%.",
                        },
                    ),
                ],
            },
            {
                "slug": "herbal-balm-plai",
                "code": "BLM",
                "category": "honey-herbal",
                "kind": LotKind.PRODUCTION,
                "role": R.PROCESSOR,
                "unit": "kg",
                "name_th": "ยาหม่องสมุนไพรไพลและขมิ้นชัน",
                "name_en": "Plai and turmeric herbal balm",
                "summary_th": "ยาหม่องเนื้อขี้ผึ้งจากไพล ขมิ้นชัน และตะไคร้หอม ทานวดคลายเมื่อย กลิ่นหอมเย็นสดชื่น",
                "summary_en": "A beeswax balm of plai, turmeric and citronella for tired muscles, with a cool, fresh scent.",
                "description_th": (
                    "เคี่ยวน้ำมันไพลและขมิ้นชันจากสวนสมาชิกกับขี้ผึ้งจากรังผึ้งของกลุ่มเอง ผสมเมนทอลและการบูรเล็กน้อย "
                    "ทานวดบริเวณที่ปวดเมื่อย หรือดมแก้วิงเวียน ใช้ภายนอกเท่านั้น"
                ),
                "description_en": (
                    "Plai and turmeric oils from members' gardens simmered with beeswax from the group's own hives, "
                    "with a little menthol and camphor. Rub into aching muscles or inhale for dizziness. External use only."
                ),
                "batches": [
                    (date(2026, 8, 8), 0, "เคี่ยวสิงหาคม 2569", "Made August 2026."),
                ],
                "variants": [
                    ("15G", "ตลับ 15 กรัม", "15 g tin", 4500, 40, [(0, 200, 133)]),
                    ("SET5", "ชุด 5 ตลับ", "Set of five tins", 20000, 220, [(0, 30, 24)]),
                ],
                "photos": [
                    (
                        "tins",
                        {},
                        "ยาหม่องสมุนไพรในตลับโลหะบนใบตอง",
                        "Herbal balm tins on a banana leaf",
                    ),
                ],
                "claims": [
                    {
                        "kind": K.OTOP,
                        "status": S.SELF_DECLARED,
                        "issuer": "กลุ่มน้ำผึ้งและสมุนไพรบ้านทุ่งผึ้ง",
                        "details_th": "ลงทะเบียนผลิตภัณฑ์ OTOP ระดับตำบลแล้ว ยังไม่เข้ารับการคัดสรรดาว",
                        "details_en": "Registered as a subdistrict OTOP product; not yet star-rated.",
                    },
                ],
            },
            {
                "slug": "herbal-compress-balls",
                "code": "CMP",
                "category": "honey-herbal",
                "kind": LotKind.PRODUCTION,
                "role": R.PROCESSOR,
                "unit": "kg",
                "name_th": "ลูกประคบสมุนไพรสด",
                "name_en": "Fresh herbal compress balls",
                "summary_th": "ลูกประคบจากไพล ขมิ้น ตะไคร้ ใบมะขาม และการบูร ห่อผ้าฝ้าย นึ่งแล้วประคบคลายกล้ามเนื้อ",
                "summary_en": "Compresses of plai, turmeric, lemongrass, tamarind leaf and camphor in cotton: steam and press to ease muscles.",
                "description_th": (
                    "หั่นและตำสมุนไพรสดที่ปลูกรอบบ้าน ห่อด้วยผ้าฝ้ายมัดด้วยเชือกแน่น นึ่ง 15 นาทีแล้วประคบเป็นจังหวะ "
                    "ใช้ซ้ำได้ 3–4 ครั้ง เก็บในตู้เย็นระหว่างใช้"
                ),
                "description_en": (
                    "Fresh herbs from round members' houses, chopped, pounded and tied firmly in cotton. Steam for "
                    "15 minutes and press rhythmically; reuse three or four times, keeping it in the fridge between uses."
                ),
                "batches": [
                    (date(2026, 11, 3), 1, "ทำสดพฤศจิกายน 2569", "Made fresh November 2026."),
                ],
                "variants": [
                    ("PAIR", "แพ็กคู่ ลูกละ 150 กรัม", "Pair, 150 g each", 13000, 320, [(0, 80, 57)]),
                ],
                "photos": [
                    (
                        "compress",
                        {},
                        "ลูกประคบสมุนไพรห่อผ้าฝ้ายกับขมิ้นและตะไคร้",
                        "Herbal compress balls with turmeric and lemongrass",
                    ),
                ],
            },
        ],
    },
    # ------------------------------------------------------------------ Phayao
    {
        "slug": "si-thoi-bamboo-weavers",
        "code": "ST",
        "household_prefix": "PY",
        "households": 6,
        "names": NAMES_NORTH,
        "name_th": "กลุ่มจักสานไม้ไผ่บ้านศรีถ้อย",
        "name_en": "Ban Si Thoi Bamboo Weavers",
        "kind": GroupKind.OCCUPATIONAL,
        "registration_no": "",
        "villages": [("บ้านศรีถ้อย", 4), ("บ้านร่องไฮ", 10)],
        "subdistrict_code": "560702",
        "postal_code": "56130",
        "line_id": "@sithoi-bamboo",
        # Payee details are made up: no real account or PromptPay id.
        "phone": "0990000007",
        "promptpay_id": "0993506300409",
        "payout_account_no": "020100000177",
        "email": "sithoi.bamboo@example.org",
        "founded_year": 2010,
        "featured": False,
        "story_th": (
            "ผู้สูงอายุบ้านศรีถ้อย อำเภอแม่ใจ สานกระติบข้าวและกระด้งจากไผ่ข้าวหลามที่ขึ้นริมกว๊านมาทั้งชีวิต "
            "กลุ่มชวนคนหนุ่มสาวมาเรียนสานเพื่อไม่ให้ความรู้หายไป ทุกใบตัดไผ่ จักตอก และสานด้วยมือ ไม่ใช้แล็กเกอร์"
        ),
        "story_en": (
            "The elders of Ban Si Thoi, Mae Chai, have woven sticky-rice baskets and winnowing trays from "
            "lakeside bamboo all their lives. The group invites young people to learn so the skill is not lost. "
            "Every piece is cut, split and woven by hand, with no lacquer."
        ),
        "claims": [
            {
                "kind": K.OTOP,
                "status": S.VERIFIED,
                "issuer": "สำนักงานพัฒนาชุมชนจังหวัดพะเยา (คัดสรร OTOP)",
                "certificate_no": "OTOP 3 ดาว 560702-2565-011",
                "valid_from": date(2022, 1, 1),
                "valid_until": date(2025, 12, 31),
                "verified_at": at(2022, 3, 2),
                "details_th": "กระติบข้าวไม้ไผ่ ระดับ 3 ดาว (รอบคัดสรร 2565)",
                "details_en": "Bamboo sticky-rice basket, three stars (2022 selection).",
            },
        ],
        "products": [
            {
                "slug": "bamboo-sticky-rice-basket",
                "code": "KTP",
                "category": "crafts",
                "kind": LotKind.PRODUCTION,
                "role": R.WEAVER,
                "unit": "pieces",
                "name_th": "กระติบข้าวไม้ไผ่สานมือ",
                "name_en": "Hand-woven bamboo sticky-rice basket",
                "summary_th": "กระติบข้าวสานสองชั้น เก็บข้าวเหนียวนึ่งให้อุ่นนุ่มได้หลายชั่วโมง มีขาตั้งและสายสะพาย",
                "summary_en": "A double-walled basket that keeps steamed sticky rice warm and soft for hours, with a foot and a cord.",
                "description_th": (
                    "สานด้วยตอกไผ่เส้นเล็กสองชั้น ระบายไอน้ำได้แต่ไม่ให้ข้าวแห้ง ข้าวเหนียวในกระติบจึงนุ่มถึงมื้อเย็น "
                    "ก่อนใช้ครั้งแรกให้ลวกน้ำร้อนแล้วผึ่งแดด หลังใช้ล้างน้ำเปล่า ตากให้แห้งสนิท"
                ),
                "description_en": (
                    "Woven from fine bamboo strips in two layers that let steam out without drying the rice, so "
                    "sticky rice stays soft until dinner. Scald and sun-dry before first use; rinse with plain water "
                    "and dry fully after each use."
                ),
                "batches": [
                    (date(2026, 7, 14), 0, "สานกรกฎาคม 2569", "Woven July 2026."),
                    (
                        date(2026, 10, 6),
                        1,
                        "สานที่บ้านร่องไฮ ตุลาคม 2569",
                        "Woven at Ban Rong Hai, October 2026.",
                    ),
                ],
                "variants": [
                    (
                        "S",
                        "เล็ก (ข้าว 1 คน)",
                        "Small (one person)",
                        12000,
                        150,
                        [(0, 40, 0), (1, 30, 26)],
                    ),
                    (
                        "M",
                        "กลาง (ข้าว 2–3 คน)",
                        "Medium (two or three people)",
                        18000,
                        250,
                        [(0, 30, 8), (1, 20, 20)],
                    ),
                    ("L", "ใหญ่ (ครอบครัว)", "Large (family)", 26000, 400, [(1, 12, 9)]),
                ],
                "photos": [
                    (
                        "basket",
                        {},
                        "กระติบข้าวไม้ไผ่สามขนาด",
                        "Bamboo sticky-rice baskets in three sizes",
                    ),
                    ("weave", {}, "ลายสานไม้ไผ่ระยะใกล้", "Close-up of the bamboo weave"),
                ],
                "claims": [
                    {
                        "kind": K.HANDMADE,
                        "status": S.SELF_DECLARED,
                        "issuer": "กลุ่มจักสานไม้ไผ่บ้านศรีถ้อย",
                        "details_th": "จักตอกและสานมือทุกใบ ไม่เคลือบแล็กเกอร์",
                        "details_en": "Every strip split and woven by hand; no lacquer.",
                    },
                ],
            },
            {
                "slug": "bamboo-winnowing-tray",
                "code": "KDG",
                "category": "crafts",
                "kind": LotKind.PRODUCTION,
                "role": R.WEAVER,
                "unit": "pieces",
                "name_th": "กระด้งไม้ไผ่ลายขัด",
                "name_en": "Bamboo winnowing tray",
                "summary_th": "กระด้งสานลายขัดขอบหวาย ใช้ตากพริก ฝัดข้าว หรือแขวนผนังเป็นของแต่งบ้านสไตล์ล้านนา",
                "summary_en": "A twill-woven tray with a rattan rim, for drying chilies, winnowing rice or hanging on a wall.",
                "description_th": (
                    "สานลายขัดแน่น ขอบเข้าหวายพันด้วยมือ แข็งแรงใช้งานได้นานหลายปี "
                    "ใช้ตากพริกตากปลา ฝัดข้าว วางผลไม้ หรือนำไปตกแต่งผนังร้านกาแฟก็สวย"
                ),
                "description_en": (
                    "Tightly twill-woven with a hand-bound rattan rim, built to last for years. Dry chilies or "
                    "fish, winnow rice, hold fruit, or decorate a café wall."
                ),
                "batches": [
                    (date(2026, 9, 1), 0, "สานกันยายน 2569", "Woven September 2026."),
                ],
                "variants": [
                    ("50", "เส้นผ่านศูนย์กลาง 50 ซม.", "50 cm across", 15000, 600, [(0, 20, 13)]),
                    ("70", "เส้นผ่านศูนย์กลาง 70 ซม.", "70 cm across", 22000, 900, [(0, 12, 12)]),
                ],
                "photos": [
                    (
                        "weave",
                        {"background": "floor"},
                        "กระด้งไม้ไผ่สองใบวางซ้อนกัน",
                        "Two bamboo trays, one on the other",
                    ),
                ],
            },
        ],
    },
]


# ---------------------------------------------------------------------------- the ledger
# Share rules by product slug: versions of (in force from, {role: "60%" or baht per unit},
# platform fee in percent, note). Products not listed here have no rule: their sales go to
# the group fund (bamboo winnowing trays, to show that case).
SHARE_RULES = {
    "black-sticky-rice-doi-ngam": [
        (date(2025, 11, 1), {R.GROWER: "55%", R.PACKER: "5"}, "3", "มติที่ประชุมกลุ่ม ต.ค. 2568"),
        (date(2026, 5, 1), {R.GROWER: "60%", R.PACKER: "5"}, "3", "เพิ่มส่วนผู้ปลูกหลังขายได้ดี"),
    ],
    "japanese-rice-phan": [(date(2025, 11, 1), {R.GROWER: "60%"}, "3", "")],
    "japanese-brown-rice-phan": [(date(2025, 11, 1), {R.GROWER: "60%"}, "3", "")],
    "handwoven-doormat-stripes": [(date(2025, 11, 1), {R.WEAVER: "70%", R.DYER: "10%"}, "3", "")],
    "handwoven-doormat-round": [(date(2025, 11, 1), {R.WEAVER: "70%", R.DYER: "10%"}, "3", "")],
    "dried-karen-chili": [(date(2025, 11, 1), {R.GROWER: "65%"}, "3", "")],
    "karen-chili-powder": [(date(2025, 11, 1), {R.PROCESSOR: "20%", R.PACKER: "2"}, "3", "")],
    "karen-chili-paste": [(date(2025, 11, 1), {R.PROCESSOR: "25%"}, "3", "")],
    "karen-hill-rice": [(date(2025, 11, 1), {R.GROWER: "65%"}, "3", "")],
    "karen-chili-salt": [(date(2025, 11, 1), {R.PROCESSOR: "30%"}, "3", "")],
    "tai-lue-sarong-nam-lai": [(date(2025, 11, 1), {R.WEAVER: "60%", R.DYER: "15%"}, "3", "")],
    "natural-dye-cotton-scarf": [(date(2025, 11, 1), {R.WEAVER: "55%", R.DYER: "20%"}, "3", "")],
    "tai-lue-tote-bag": [(date(2025, 11, 1), {R.WEAVER: "60%"}, "3", "")],
    "mo-hom-shirt": [(date(2025, 11, 1), {R.DYER: "40%", R.PROCESSOR: "50"}, "3", "")],
    "indigo-shibori-scarf": [(date(2025, 11, 1), {R.DYER: "65%"}, "3", "")],
    "indigo-table-runner": [(date(2025, 11, 1), {R.DYER: "65%"}, "3", "")],
    "huai-kaeo-arabica-medium-roast": [
        (date(2025, 11, 1), {R.GROWER: "50%", R.PROCESSOR: "15"}, "3", ""),
    ],
    "coffee-drip-bags": [(date(2025, 11, 1), {R.PROCESSOR: "30%"}, "3", "")],
    "miang-tea-leaves": [(date(2025, 11, 1), {R.GROWER: "60%"}, "3", "")],
    "longan-blossom-honey": [(date(2025, 11, 1), {R.GROWER: "70%"}, "3", "")],
    "herbal-balm-plai": [(date(2025, 11, 1), {R.PROCESSOR: "35%"}, "3", "")],
    "herbal-compress-balls": [(date(2025, 11, 1), {R.PROCESSOR: "40%"}, "0", "")],
    "bamboo-sticky-rice-basket": [(date(2025, 11, 1), {R.WEAVER: "75%"}, "0", "")],
}

# Raw material the groups buy from their member households, once a month over the
# last year: group slug → (what, unit, price per unit in baht, (least, most) per purchase).
RAW_MATERIALS = {
    "karen-chili-huai-phueng": ("พริกกะเหรี่ยงสด / fresh Karen chili", "kg", 80, (15, 45)),
    "hom-phaendin": ("ข้าวเปลือกเหนียวดำ / black paddy rice", "kg", 18, (60, 200)),
    "mo-hom-thung-hong": ("ใบห้อมสด / fresh indigo leaves", "kg", 25, (20, 80)),
    "thung-phueng-honey-herbs": ("ไพลสด / fresh plai root", "kg", 30, (10, 40)),
}
# A day of packing or milling paid as a wage: baht per day.
DAY_WAGE = 350

# Buyers of the demo orders (invented), with real postal areas.
BUYERS = [
    (
        "สมใจ รักดี",
        "somjai@example.org",
        "0811110001",
        "12/3 ซอยลาดพร้าว 15",
        "10",
        "1030",
        "103002",
        "10900",
    ),
    (
        "Anna Keller",
        "anna.keller@example.org",
        "0811110002",
        "88 ถนนนิมมานเหมินท์",
        "50",
        "5001",
        "500105",
        "50100",
    ),
    ("ประภา ศรีสุข", "prapa@example.org", "0811110003", "5 หมู่ 2", "57", "5701", "570101", "57000"),
    (
        "Tom Baker",
        "tom.baker@example.org",
        "0811110004",
        "101 ถนนสุขุมวิท",
        "10",
        "1039",
        "103901",
        "10110",
    ),
    (
        "วิไล ใจงาม",
        "wilai@example.org",
        "0811110005",
        "45 ถนนมิตรภาพ",
        "40",
        "4001",
        "400101",
        "40000",
    ),
]
