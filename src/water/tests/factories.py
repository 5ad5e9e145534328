"""factory_boy factories of IndoWater rows used by the meters, valves and demo tests."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from tests.factories import TenantFactory
from water.meters.models import Meter
from water.registry.models import Client, Customer, Property, PropertyType, VerificationStatus
from water.valves.models import Alert, AlertKind, AlertSeverity, ValveCommand


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    tenant = factory.SubFactory(TenantFactory)
    legal_name = factory.Sequence(lambda n: f"Perumda Air Minum Contoh {n}")
    npwp = "012345678901000"
    contact_name = "Bambang Hartono"
    contact_email = "kontak@example.test"


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Property

    tenant = factory.SubFactory(TenantFactory)
    code = factory.Sequence(lambda n: f"PRP-{n:05d}")
    name = factory.Sequence(lambda n: f"Rumah Jl. Melati No. {n}")
    property_type = PropertyType.HOUSE
    address = "Jl. Melati No. 1"
    city = "Bandung"
    province = "Jawa Barat"
    verification_status = VerificationStatus.APPROVED


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    tenant = factory.SubFactory(TenantFactory)
    customer_number = factory.Sequence(lambda n: f"CUST-{n:06d}")
    full_name = factory.Sequence(lambda n: f"Pelanggan {n}")


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meter

    tenant = factory.SubFactory(TenantFactory)
    serial = factory.Sequence(lambda n: f"IW-T{n:07d}")
    model = "IndoWater SM-200"
    property = factory.SubFactory(PropertyFactory, tenant=factory.SelfAttribute("..tenant"))


class ValveCommandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ValveCommand

    meter = factory.SubFactory(MeterFactory)
    tenant = factory.SelfAttribute("meter.tenant")
    kind = "close"
    reason = "test command"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=24))


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    meter = factory.SubFactory(MeterFactory)
    tenant = factory.SelfAttribute("meter.tenant")
    kind = AlertKind.LOW_BATTERY
    severity = AlertSeverity.WARNING
    message = "Battery at 12 %"
