"""Checks and normalisers of registry input: NPWP, NIK, phone numbers, coordinates, files.

Every failure raises `ValidationFailed` naming the offending field, so the API answers 422
with a clear message and nothing is written.
"""

from __future__ import annotations

import re
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.accounts.services.registration import InvalidInput, phone_normalise
from water.errors import ValidationFailed

_NPWP_ALLOWED = re.compile(r"^[\d.\-\s]+$")
_NIK = re.compile(r"^\d{16}$")
_LOCAL_MOBILE = re.compile(r"^0[1-9]")

NIK_LENGTH = 16
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# Magic bytes of the accepted document formats and the content type each one proves.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def _invalid(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(
        message, extra={"errors": [{"field": field, "message": message, "code": code}]}
    )


def npwp_normalise(value: str) -> str:
    """The NPWP's digits: 15 (old format) or 16 (NIK-based); dots, dashes, spaces allowed."""
    if not _NPWP_ALLOWED.match(value or ""):
        raise _invalid("npwp", "NPWP may contain only digits, dots and dashes.", "invalid_npwp")
    digits = re.sub(r"\D", "", value)
    if len(digits) not in (15, 16):
        raise _invalid("npwp", "NPWP must have 15 or 16 digits.", "invalid_npwp")
    return digits


def nik_normalise(value: str) -> str:
    """A plausible 16-digit NIK (KTP number), or "" when none is given.

    Digits 1–2 are the province code (11–94); digits 7–12 are the birth date DDMMYY, where
    women's day is increased by 40 (41–71).
    """
    nik = (value or "").strip()
    if not nik:
        return ""
    if not _NIK.match(nik):
        raise _invalid("nik", "NIK must be exactly 16 digits.", "invalid_nik")
    province, day, month = int(nik[0:2]), int(nik[6:8]), int(nik[8:10])
    if not 11 <= province <= 94:
        raise _invalid("nik", "NIK has no valid province code (digits 1–2).", "invalid_nik")
    if not (1 <= day <= 31 or 41 <= day <= 71):
        raise _invalid("nik", "NIK has no valid birth day (digits 7–8).", "invalid_nik")
    if not 1 <= month <= 12:
        raise _invalid("nik", "NIK has no valid birth month (digits 9–10).", "invalid_nik")
    return nik


def nik_mask(nik: str) -> str:
    """First 6 digits (region), six asterisks, last 4 digits; "" stays ""."""
    if not nik:
        return ""
    return f"{nik[:6]}******{nik[-4:]}"


def phone_e164(value: str, *, field: str = "phone") -> str:
    """An Indonesian or international number in E.164; 0812… becomes +62812…; "" stays ""."""
    compact = re.sub(r"[\s\-().]", "", (value or "").strip())
    if not compact:
        return ""
    if _LOCAL_MOBILE.match(compact):
        compact = "+62" + compact[1:]
    elif compact.startswith("62"):
        compact = "+" + compact
    try:
        return phone_normalise(compact)
    except InvalidInput as exc:
        raise _invalid(
            field, "Enter the phone number as 0812… or +62 812 3456 7890.", "invalid_phone"
        ) from exc


def coordinates_check(latitude: Decimal | None, longitude: Decimal | None) -> None:
    """Latitude within ±90 and longitude within ±180; both given or neither."""
    if (latitude is None) != (longitude is None):
        field = "longitude" if longitude is None else "latitude"
        raise _invalid(field, "Give latitude and longitude together.", "incomplete_coordinates")
    if latitude is not None and not Decimal(-90) <= latitude <= Decimal(90):
        raise _invalid("latitude", "Latitude must be between -90 and 90.", "out_of_range")
    if longitude is not None and not Decimal(-180) <= longitude <= Decimal(180):
        raise _invalid("longitude", "Longitude must be between -180 and 180.", "out_of_range")


def timezone_check(value: str) -> str:
    """An IANA time zone name such as Asia/Jakarta."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _invalid("timezone", "Unknown time zone.", "invalid_timezone") from exc
    return value


def document_sniff(head: bytes) -> tuple[str, str]:
    """The content type and file extension the file's own first bytes prove.

    The client's declared content type and file name are never trusted.
    """
    for magic, content_type, extension in _SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    raise _invalid("file", "Only PDF, JPEG and PNG files are accepted.", "unsupported_file_type")
