"""NPWP, NIK, phone, coordinate and file-type checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from water.errors import ValidationFailed
from water.registry.validators import (
    coordinates_check,
    document_sniff,
    nik_mask,
    nik_normalise,
    npwp_normalise,
    phone_e164,
    timezone_check,
)


def _field_and_code(exc: pytest.ExceptionInfo[ValidationFailed]) -> tuple[str, str]:
    item = exc.value.extra["errors"][0]
    return item["field"], item["code"]


@pytest.mark.parametrize(
    ("raw", "digits"),
    [
        ("01.234.567.8-901.000", "012345678901000"),
        ("012345678901000", "012345678901000"),
        ("3171 0145 0590 0001", "3171014505900001"),
    ],
)
def test_npwp_keeps_15_or_16_digits(raw, digits):
    assert npwp_normalise(raw) == digits


@pytest.mark.parametrize("raw", ["01234567890100", "01234567890100012", "01.234.567.8-901.00A", ""])
def test_npwp_refuses_other_lengths_and_letters(raw):
    with pytest.raises(ValidationFailed) as exc:
        npwp_normalise(raw)
    assert _field_and_code(exc) == ("npwp", "invalid_npwp")


@pytest.mark.parametrize(
    "nik",
    [
        "3171010505900001",  # man born 5 May 1990
        "3171014505900001",  # woman: day + 40
        "1101013112000001",  # province 11, 31 December
        "9401017112990001",  # province 94, woman born 31 December
    ],
)
def test_plausible_niks_are_accepted(nik):
    assert nik_normalise(nik) == nik


@pytest.mark.parametrize(
    "nik",
    [
        "317101450590000",  # 15 digits
        "31710145059000012",  # 17 digits
        "31710145059000A1",  # a letter
        "1001014505900001",  # province 10
        "9501014505900001",  # province 95
        "3171010005900001",  # day 00
        "3171013205900001",  # day 32
        "3171014005900001",  # day 40
        "3171017205900001",  # day 72
        "3171014500900001",  # month 00
        "3171014513900001",  # month 13
    ],
)
def test_implausible_niks_are_refused_naming_the_field(nik):
    with pytest.raises(ValidationFailed) as exc:
        nik_normalise(nik)
    assert _field_and_code(exc) == ("nik", "invalid_nik")


def test_no_nik_is_allowed():
    assert nik_normalise("") == ""
    assert nik_normalise("   ") == ""


def test_nik_mask_shows_first_six_and_last_four():
    assert nik_mask("3171014505900001") == "317101******0001"
    assert nik_mask("") == ""


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("081234567890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("(021) 555 1234", "+62215551234"),
        ("", ""),
    ],
)
def test_phone_becomes_e164(raw, e164):
    assert phone_e164(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "+0812", "08abc"])
def test_bad_phone_names_the_field(raw):
    with pytest.raises(ValidationFailed) as exc:
        phone_e164(raw, field="contact_phone")
    assert _field_and_code(exc) == ("contact_phone", "invalid_phone")


def test_coordinates_in_range_pass():
    coordinates_check(Decimal("-6.200000"), Decimal("106.816666"))
    coordinates_check(None, None)
    coordinates_check(Decimal(90), Decimal(-180))


@pytest.mark.parametrize(
    ("lat", "lng", "field"),
    [
        (Decimal("90.000001"), Decimal(0), "latitude"),
        (Decimal(-91), Decimal(0), "latitude"),
        (Decimal(0), Decimal("180.5"), "longitude"),
        (Decimal(0), Decimal(-181), "longitude"),
        (Decimal(0), None, "longitude"),
        (None, Decimal(0), "latitude"),
    ],
)
def test_coordinates_out_of_range_name_the_field(lat, lng, field):
    with pytest.raises(ValidationFailed) as exc:
        coordinates_check(lat, lng)
    assert _field_and_code(exc)[0] == field


def test_timezone_must_exist():
    assert timezone_check("Asia/Makassar") == "Asia/Makassar"
    with pytest.raises(ValidationFailed) as exc:
        timezone_check("Asia/Atlantis")
    assert _field_and_code(exc) == ("timezone", "invalid_timezone")


@pytest.mark.parametrize(
    ("head", "proven"),
    [
        (b"%PDF-1.7\n", ("application/pdf", "pdf")),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", ("image/jpeg", "jpg")),
        (b"\x89PNG\r\n\x1a\n\x00\x00", ("image/png", "png")),
    ],
)
def test_document_type_comes_from_magic_bytes(head, proven):
    assert document_sniff(head) == proven


@pytest.mark.parametrize("head", [b"<!DOCTYPE html><html>", b"GIF89a", b"PK\x03\x04", b""])
def test_other_files_are_refused(head):
    with pytest.raises(ValidationFailed) as exc:
        document_sniff(head)
    assert _field_and_code(exc) == ("file", "unsupported_file_type")
