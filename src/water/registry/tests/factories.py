"""factory_boy factories of registry models; tenants and users come from tests.factories."""

from __future__ import annotations

import datetime as dt

import factory

from tests.factories import TenantFactory
from water.registry.models import (
    Client,
    ClientHoliday,
    Customer,
    Property,
    PropertyDocument,
    PropertyType,
)

VALID_NIK = "3171014505900001"  # DKI Jakarta, a woman born 5 May 1990


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    tenant = factory.SubFactory(TenantFactory)
    legal_name = factory.Sequence(lambda n: f"PDAM Tirta {n}")
    npwp = "012345678901000"
    contact_name = "Budi Santoso"
    contact_email = factory.Sequence(lambda n: f"pdam{n}@example.test")
    contact_phone = "+6281234567890"
    timezone = "Asia/Jakarta"


class ClientHolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientHoliday

    tenant = factory.SubFactory(TenantFactory)
    date = factory.Sequence(lambda n: dt.date(2027, 1, 1) + dt.timedelta(days=n))
    name = "Tahun Baru"


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Property

    tenant = factory.SubFactory(TenantFactory)
    code = factory.Sequence(lambda n: f"P-{n:05d}")
    name = factory.Sequence(lambda n: f"Rumah {n}")
    property_type = PropertyType.HOUSE
    address = "Jl. Merdeka 1"
    city = "Jakarta"
    province = "DKI Jakarta"


class PropertyDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PropertyDocument

    property = factory.SubFactory(PropertyFactory)
    document_type = "photo"
    file = factory.django.FileField(filename="photo.png", data=b"\x89PNG\r\n\x1a\nrest")
    original_name = "photo.png"
    content_type = "image/png"
    size_bytes = 12


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    tenant = factory.SubFactory(TenantFactory)
    customer_number = factory.Sequence(lambda n: f"C-{n:06d}")
    full_name = factory.Sequence(lambda n: f"Siti Customer {n}")
    phone = "+6281200000001"
