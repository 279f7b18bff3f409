"""PromptPay QR payloads: published reference payloads, the CRC, ids, and the QR picture."""
# ruff: noqa: E501 (the reference payloads are kept whole, one to a line)

import io

import pytest
import zxingcpp
from PIL import Image

from marketplace.orders import promptpay

# Reference payloads published with PromptPay QR generators (promptpay-qr's test suite and
# others), each checked by banking apps: the id as typed, the amount in satang, the payload.
REFERENCES = [
    ("0801234567", None, "00020101021129370016A000000677010111011300668012345675802TH530376463046197"),
    ("080-123-4567", None, "00020101021129370016A000000677010111011300668012345675802TH530376463046197"),
    ("+66-89-123-4567", None, "00020101021129370016A000000677010111011300668912345675802TH5303764630429C1"),
    ("1111111111111", None, "00020101021129370016A000000677010111021311111111111115802TH530376463047B5A"),
    ("1-1111-11111-11-1", None, "00020101021129370016A000000677010111021311111111111115802TH530376463047B5A"),
    ("0123456789012", None, "00020101021129370016A000000677010111021301234567890125802TH530376463040CBD"),
    ("012345678901234", None, "00020101021129390016A00000067701011103150123456789012345802TH530376463049781"),
    ("004999000288505", None, "00020101021129390016A00000067701011103150049990002885055802TH530376463041521"),
    ("000-000-0000", 422, "00020101021229370016A000000677010111011300660000000005802TH530376454044.226304E469"),
    ("1234567890123", 42000, "00020101021229370016A000000677010111021312345678901235802TH53037645406420.006304BF7B"),
    ("004999000288505", 100, "00020101021229390016A00000067701011103150049990002885055802TH530376454041.006304B540"),
]  # fmt: skip


@pytest.mark.parametrize(("promptpay_id", "satang", "expected"), REFERENCES)
def test_payload_matches_the_published_reference(promptpay_id, satang, expected):
    assert promptpay.payload(promptpay_id, satang) == expected


def test_crc_is_ccitt_false():
    # The catalogue check value of CRC-16/CCITT-FALSE.
    assert promptpay.crc16_ccitt_false(b"123456789") == 0x29B1
    assert promptpay.crc16_ccitt_false(b"") == 0xFFFF


def test_the_fields_of_a_payload_with_an_amount():
    fields = promptpay.parse(promptpay.payload("081 234 5678", 125_050))
    assert fields["00"] == "01"
    assert fields["01"] == "12"  # one amount: a dynamic QR
    assert fields["29"] == "0016A00000067701011101130066812345678"
    assert fields["53"] == "764"
    assert fields["58"] == "TH"
    assert fields["54"] == "1250.50"


def test_a_changed_character_breaks_the_crc():
    good = promptpay.payload("0812345678", 5000)
    bad = good.replace("50.00", "60.00")
    with pytest.raises(ValueError, match="CRC"):
        promptpay.parse(bad)


@pytest.mark.parametrize("satang", [0, -1, 1.5])
def test_an_amount_must_be_positive_whole_satang(satang):
    with pytest.raises(ValueError):
        promptpay.format_amount(satang)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("081-234-5678", "0812345678"),
        ("+66 81 234 5678", "0812345678"),
        ("0993505000428", "0993505000428"),  # a tax id with its check digit
        ("1-1017-00230-70-8", "1101700230708"),
        ("004999000288505", "004999000288505"),
    ],
)
def test_check_id_accepts_and_cleans(text, stored):
    assert promptpay.check_id(text) == stored


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1111111111111", "checksum"),
        ("0993505000429", "checksum"),
        ("0212345678", "format"),  # a landline has no PromptPay
        ("12345", "format"),
        ("08123456ab", "format"),
        ("", "format"),
    ],
)
def test_check_id_refuses(text, reason):
    with pytest.raises(promptpay.PromptPayIdError) as raised:
        promptpay.check_id(text)
    assert raised.value.reason == reason


def test_the_qr_code_decodes_to_the_payload():
    data = promptpay.payload("0812345678", 12_300)
    svg = promptpay.qr_svg(data, title="QR")
    assert svg.startswith(b"<svg")
    import segno

    # Draw the same code as a bitmap and read it back, as a phone's camera would.
    buffer = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buffer, kind="png", scale=6, border=4)
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())))
    assert found.text == data
