"""An address's area as Thailand Post reads it: ต. อ. จ. in Thai, แขวง and เขต in Bangkok."""

from marketplace import areas


def test_thai_address_has_the_postal_prefixes():
    lines = areas.postal_lines("570505", "5705", "57", "57120", "th")
    assert lines == ["ต.ดอยงาม อ.พาน", "จ.เชียงราย 57120"]


def test_bangkok_has_khwaeng_and_khet_and_no_province_prefix():
    lines = areas.postal_lines("100101", "1001", "10", "10200", "th")
    assert lines == ["แขวงพระบรมมหาราชวัง เขตพระนคร", "กรุงเทพมหานคร 10200"]


def test_english_address_joins_names_with_commas():
    lines = areas.postal_lines("570505", "5705", "57", "57120", "en")
    assert lines == ["Doi Ngam, Phan", "Chiang Rai 57120"]


def test_missing_parts_leave_no_empty_line_or_bare_prefix():
    assert areas.postal_lines("", "", "57", "", "th") == ["จ.เชียงราย"]
    assert areas.postal_lines("", "", "", "", "th") == []
    assert areas.postal_lines("999999", "", "", "57120", "en") == ["57120"]
