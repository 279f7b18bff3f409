"""Thai administrative areas (province, district, subdistrict, postal code) from GeoThai.

Data: GeoThai, CC BY 4.0. Codes are DOPA codes: province 2 digits, district 4,
subdistrict 6. Every lookup is served from the package's in-memory data.
"""

from functools import lru_cache

import geothai


@lru_cache(maxsize=1)
def provinces():
    """All provinces, ordered by code."""
    return tuple(sorted(geothai.provinces(), key=lambda p: p.code))


@lru_cache(maxsize=4096)
def province(code):
    """The province with this code, or None."""
    return geothai.province(code) if code else None


@lru_cache(maxsize=4096)
def district(code):
    """The district with this code, or None."""
    return geothai.district(code) if code else None


@lru_cache(maxsize=16384)
def subdistrict(code):
    """The subdistrict with this code, or None."""
    return geothai.subdistrict(code) if code else None


@lru_cache(maxsize=128)
def districts_of(province_code):
    """The districts of a province."""
    return tuple(geothai.districts(province_code))


@lru_cache(maxsize=2048)
def subdistricts_of(district_code):
    """The subdistricts of a district."""
    return tuple(geothai.subdistricts(district_code))


def area_name(area, language):
    """The Thai or English name of an area, or an empty string for None."""
    if area is None:
        return ""
    if language == "th":
        return area.name_th
    return area.name_en or area.name_th


def place_parts(place, language):
    """Village, subdistrict, district and province of a place as display strings.

    `place` is anything with village, moo, subdistrict_code, district_code and
    province_code (a group, a lot, a household).
    """
    return {
        "village": place.village or "",
        "moo": place.moo,
        "subdistrict": area_name(subdistrict(place.subdistrict_code), language),
        "district": area_name(district(place.district_code), language),
        "province": area_name(province(place.province_code), language),
    }


BANGKOK = "10"


def postal_lines(subdistrict_code, district_code, province_code, postal_code, language):
    """An address's area as a parcel shows it: subdistrict and district, then province and
    postal code (each line only if it has something).

    In Thai with the prefixes Thailand Post reads: ต. อ. จ. ("ต.ดอยงาม อ.พาน",
    "จ.เชียงราย 57120"); in Bangkok แขวง, the district's own เขต and no prefix for the
    province. In English, names joined by commas ("Doi Ngam, Phan", "Chiang Rai 57120").
    """
    sub = area_name(subdistrict(subdistrict_code), language)
    dist = area_name(district(district_code), language)
    prov = area_name(province(province_code), language)
    if language == "th":
        bangkok = province_code == BANGKOK
        sub = sub and ("แขวง" if bangkok else "ต.") + sub
        dist = dist and (dist if bangkok else "อ." + dist)
        prov = prov and (prov if bangkok else "จ." + prov)
        first = " ".join(part for part in (sub, dist) if part)
    else:
        first = ", ".join(part for part in (sub, dist) if part)
    second = " ".join(part for part in (prov, postal_code or "") if part)
    return [line for line in (first, second) if line]
