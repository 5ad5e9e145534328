"""Fixed facts of the demo: the two authorities, tariffs, daily use, Indonesian names."""

from __future__ import annotations

from dataclasses import dataclass

from water.registry.models import (
    CustomerClass,
    PropertyType,
)

DAYS = 90
PELANGGAN_EMAIL = "pelanggan@tirta-asri.id"
# Litres per hour of the day as a share of a day's use: morning and evening peaks.
CURVE = [1, 1, 1, 1, 2, 6, 9, 8, 6, 4, 4, 4, 5, 4, 3, 3, 4, 7, 8, 7, 5, 3, 2, 1]
DAILY_LITRES: dict[str, int] = {
    CustomerClass.SOCIAL: 450,
    CustomerClass.RESIDENTIAL: 650,
    CustomerClass.COMMERCIAL: 2_200,
    CustomerClass.INDUSTRIAL: 7_500,
    CustomerClass.GOVERNMENT: 2_800,
}
# (block prices per m³ for 0–10, 10–20, >20 m³; fixed monthly charge), whole Rupiah.
TARIFFS: dict[str, tuple[tuple[int, int, int], int]] = {
    CustomerClass.SOCIAL: ((2_500, 3_000, 3_500), 10_000),
    CustomerClass.RESIDENTIAL: ((5_000, 6_000, 7_000), 15_000),
    CustomerClass.COMMERCIAL: ((8_000, 9_500, 11_000), 20_000),
    CustomerClass.INDUSTRIAL: ((10_000, 12_000, 14_000), 25_000),
    CustomerClass.GOVERNMENT: ((6_500, 7_500, 8_500), 20_000),
}
DENOMINATIONS = (20_000, 50_000, 100_000, 150_000, 200_000, 300_000, 500_000, 1_000_000)
FIRST = [
    "Agus",
    "Siti",
    "Budi",
    "Dewi",
    "Andi",
    "Nur",
    "Rudi",
    "Ratna",
    "Hendra",
    "Sri",
    "Yusuf",
    "Wahyu",
    "Fitri",
    "Dedi",
    "Lina",
    "Eko",
    "Intan",
    "Asep",
    "Nining",
    "Rahmat",
    "Yanti",
    "Iwan",
    "Ayu",
    "Bayu",
    "Ikhsan",
    "Mega",
    "Ujang",
    "Rini",
    "Fajar",
    "Sutrisno",
]
LAST = [
    "Pratama",
    "Hidayat",
    "Saputra",
    "Wijaya",
    "Kurniawan",
    "Rahayu",
    "Setiawan",
    "Nugroho",
    "Susanti",
    "Permana",
    "Gunawan",
    "Lestari",
    "Maulana",
    "Firmansyah",
    "Handayani",
    "Sulaiman",
    "Ramadhan",
    "Syahputra",
    "Anggraini",
    "Hasanuddin",
]
FEMALE = {
    "Siti",
    "Dewi",
    "Nur",
    "Ratna",
    "Sri",
    "Fitri",
    "Lina",
    "Intan",
    "Nining",
    "Yanti",
    "Ayu",
    "Mega",
    "Rini",
}


@dataclass(frozen=True)
class Authority:
    slug: str
    prefix: str
    legal_name: str
    npwp: str
    contact: tuple[str, str, str]
    address: tuple[str, str, str, str]
    tz: str
    nik_region: str  # province + regency + first district digit
    streets: tuple[str, ...]
    kelurahan: tuple[str, ...]
    customers: int
    vacated: int  # meters whose occupant moved out (no customer now)
    price_factor: int  # percent of the base tariff


AUTHORITIES = (
    Authority(
        "pdam-tirta-asri",
        "TA",
        "Perumda Air Minum Tirta Asri Kabupaten Bandung",
        "01.234.567.8-444.000",
        ("Budi Santoso", "layanan@tirta-asri.id", "+62227654321"),
        ("Jl. Raya Soreang No. 17", "Kabupaten Bandung", "Jawa Barat", "40911"),
        "Asia/Jakarta",
        "32040",
        (
            "Jl. Melati",
            "Jl. Kenanga",
            "Jl. Raya Banjaran",
            "Jl. Cibaduyut",
            "Jl. Sukamenak",
            "Gg. Mawar",
        ),
        ("Soreang", "Banjaran", "Katapang", "Margahayu", "Baleendah"),
        30,
        3,
        100,
    ),
    Authority(
        "pdam-tirta-makmur",
        "TM",
        "Perumda Air Minum Tirta Makmur Kota Makassar",
        "02.345.678.9-805.000",
        ("Rina Kusuma", "layanan@tirta-makmur.id", "+62411853210"),
        ("Jl. Dr. Sam Ratulangi No. 3", "Kota Makassar", "Sulawesi Selatan", "90125"),
        "Asia/Makassar",
        "73710",
        (
            "Jl. Perintis Kemerdekaan",
            "Jl. Veteran Selatan",
            "Jl. Andi Pangeran Pettarani",
            "Jl. Hertasning",
            "Jl. Sultan Alauddin",
        ),
        ("Panakkukang", "Rappocini", "Tamalanrea", "Manggala", "Biringkanaya"),
        20,
        2,
        110,
    ),
)


def class_of(n: int) -> str:
    """The tariff class of the n-th customer: mostly households, a few of every other kind."""
    if n % 10 == 3:
        return CustomerClass.SOCIAL
    if n % 10 in (5, 8):
        return CustomerClass.COMMERCIAL
    if n == 7:
        return CustomerClass.INDUSTRIAL
    if n == 9:
        return CustomerClass.GOVERNMENT
    return CustomerClass.RESIDENTIAL


PROPERTY_OF_CLASS: dict[str, tuple[str, ...]] = {
    CustomerClass.SOCIAL: (PropertyType.PLACE_OF_WORSHIP, PropertyType.HOUSE),
    CustomerClass.RESIDENTIAL: (
        PropertyType.HOUSE,
        PropertyType.RENTAL_HOME,
        PropertyType.BOARDING_HOUSE,
        PropertyType.APARTMENT,
    ),
    CustomerClass.COMMERCIAL: (
        PropertyType.SHOP_HOUSE,
        PropertyType.RESTAURANT,
        PropertyType.HOTEL,
        PropertyType.OFFICE_BUILDING,
    ),
    CustomerClass.INDUSTRIAL: (PropertyType.FACTORY, PropertyType.WAREHOUSE),
    CustomerClass.GOVERNMENT: (PropertyType.SCHOOL, PropertyType.GOVERNMENT),
}
