"""PromptPay QR codes with the amount: the EMVCo merchant-presented payload and its picture.

A Thai banking app reads a PromptPay QR as an EMVCo "merchant-presented" payload:
a string of fields, each an id of two digits, a length of two digits and the
value. The fields written here, in the order Thai banking apps and the
published reference payloads use:

- 00 payload format indicator, "01";
- 01 point of initiation: "11" (static, any amount) or "12" (dynamic: one amount);
- 29 merchant account information, PromptPay's template: 00 its application id
  A000000677010111, then one of 01 a mobile number (13 digits, "0066" and the
  number without its leading 0), 02 a national or tax id (13 digits), 03 an
  e-wallet id (15 digits);
- 58 country code "TH"; 53 currency "764" (baht, ISO 4217);
- 54 the amount in baht with two decimals, when there is one;
- 63 the CRC: CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, not
  reflected, no final xor) over the whole payload including "6304", in four
  upper-case hex digits.

`payload` builds it from a PromptPay id as the group typed it and an amount in
satang; `qr_svg` draws it with segno. `check_id` is what the group's profile
uses to accept an id: a Thai mobile number (10 digits starting 06, 08 or 09),
a 13-digit national or tax id whose check digit is right, or a 15-digit e-wallet id.
"""

import io
import re

import segno

PROMPTPAY_AID = "A000000677010111"
CURRENCY_THB = "764"
COUNTRY = "TH"


class Kind:
    """What a PromptPay id is, by the sub-tag of field 29 it goes in."""

    MOBILE = "01"
    NATIONAL_ID = "02"  # a citizen's id or a juristic person's tax id, 13 digits
    EWALLET = "03"


class PromptPayIdError(ValueError):
    """Not a PromptPay id: `reason` is "format" (not a number of a known length) or "checksum"."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def crc16_ccitt_false(data):
    """CRC-16/CCITT-FALSE of `data` (bytes): the checksum closing an EMVCo payload."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _field(tag, value):
    if len(value) > 99:
        raise ValueError(f"field {tag} is longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def _digits(text):
    """The id with spaces, dashes and dots taken out; '+66…' becomes '0…'."""
    cleaned = re.sub(r"[\s.\-()]", "", text or "")
    if cleaned.startswith("+66"):
        cleaned = "0" + cleaned[3:]
    elif cleaned.startswith("0066") and len(cleaned) == 13:
        cleaned = "0" + cleaned[4:]
    return cleaned


def thai_id_checksum_ok(digits):
    """True when a 13-digit national or tax id's last digit is its check digit."""
    if not re.fullmatch(r"[0-9]{13}", digits):
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def classify(text):
    """(Kind, digits) of a PromptPay id as typed, checking only its form; PromptPayIdError."""
    digits = _digits(text)
    if not digits.isdigit():
        raise PromptPayIdError("format")
    if len(digits) == 10 and digits.startswith("0"):
        return Kind.MOBILE, digits
    if len(digits) == 13:
        return Kind.NATIONAL_ID, digits
    if len(digits) == 15:
        return Kind.EWALLET, digits
    raise PromptPayIdError("format")


def check_id(text):
    """The id in the form it is stored (digits only), or PromptPayIdError.

    Stricter than `classify`: a mobile number starts 06, 08 or 09 and a
    national or tax id must have the right check digit.
    """
    kind, digits = classify(text)
    if kind == Kind.MOBILE and not re.fullmatch(r"0[689][0-9]{8}", digits):
        raise PromptPayIdError("format")
    if kind == Kind.NATIONAL_ID and not thai_id_checksum_ok(digits):
        raise PromptPayIdError("checksum")
    return digits


def _account_field(kind, digits):
    if kind == Kind.MOBILE:
        # 13 digits: the country code 0066, then the number without its leading zero.
        digits = ("0000000000000" + "66" + digits[1:])[-13:]
    return _field("29", _field("00", PROMPTPAY_AID) + _field(kind, digits))


def format_amount(amount_satang):
    """Satang as the payload writes baht: '4.22', '1250.00' (no grouping)."""
    if not isinstance(amount_satang, int) or amount_satang <= 0:
        raise ValueError("the amount must be a positive number of satang")
    return f"{amount_satang // 100}.{amount_satang % 100:02d}"


def payload(promptpay_id, amount_satang=None):
    """The EMVCo payload of a PromptPay transfer to `promptpay_id`, for exactly this amount.

    Without an amount the QR is static (the payer types the amount). Raises
    PromptPayIdError for an id of no known form.
    """
    kind, digits = classify(promptpay_id)
    parts = [
        _field("00", "01"),
        _field("01", "12" if amount_satang else "11"),
        _account_field(kind, digits),
        _field("58", COUNTRY),
        _field("53", CURRENCY_THB),
    ]
    if amount_satang:
        parts.append(_field("54", format_amount(amount_satang)))
    body = "".join(parts) + "6304"
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


def parse(text):
    """The top-level fields of a payload as {tag: value}, after checking its CRC; ValueError."""
    if len(text) < 8 or text[-8:-4] != "6304":
        raise ValueError("no CRC field at the end")
    if f"{crc16_ccitt_false(text[:-4].encode('ascii')):04X}" != text[-4:].upper():
        raise ValueError("the CRC does not match")
    fields, position = {}, 0
    while position < len(text):
        tag, length = text[position : position + 2], text[position + 2 : position + 4]
        if not length.isdigit():
            raise ValueError(f"bad length at {position}")
        end = position + 4 + int(length)
        if end > len(text):
            raise ValueError(f"field {tag} runs past the end")
        fields[tag] = text[position + 4 : end]
        position = end
    return fields


def qr_svg(data, title=""):
    """The QR code of `data` as an SVG document (bytes), dark modules on white, 4-module border."""
    code = segno.make(data, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(
        buffer, kind="svg", scale=6, border=4, title=title or None, xmldecl=False, omitsize=True
    )
    return buffer.getvalue()
