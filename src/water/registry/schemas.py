"""Request and response bodies of the registry API.

Input bodies forbid unknown keys. Money is whole Rupiah (integers); coordinates are decimals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from core.api.schemas import PageIn, Strict
from water.registry.models import (
    ClientStatus,
    CustomerClass,
    CustomerStatus,
    DocumentType,
    PropertyType,
    ServiceFeeType,
    VerificationStatus,
)

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
OPTIONAL_EMAIL_PATTERN = r"^(|[^@\s]+@[^@\s]+\.[^@\s]+)$"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class PropertyFilters(PageIn):
    verification_status: VerificationStatus | None = None
    q: str | None = Field(default=None, max_length=100, description="Code prefix or name part")


class CustomerFilters(PageIn):
    q: str | None = Field(
        default=None, max_length=100, description="Customer number prefix or name part"
    )
    nik: str | None = Field(default=None, max_length=16, description="Exact 16-digit NIK")
    status: CustomerStatus | None = None


# ---------------------------------------------------------------------------- clients


class ClientCreateIn(Strict):
    name: str = Field(min_length=1, max_length=200, description="Display name of the tenant")
    slug: str = Field(min_length=2, max_length=64, pattern=SLUG_PATTERN)
    timezone: str = Field(default="Asia/Jakarta", max_length=64)
    legal_name: str = Field(min_length=1, max_length=200)
    npwp: str = Field(min_length=15, max_length=24, description="15 or 16 digits; . and - allowed")
    contact_name: str = Field(min_length=1, max_length=150)
    contact_email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    contact_phone: str = Field(default="", max_length=32)
    address: str = Field(default="", max_length=300)
    city: str = Field(default="", max_length=100)
    province: str = Field(default="", max_length=100)
    postal_code: str = Field(default="", max_length=10)


class ClientUpdateIn(Strict):
    """Every field optional; identity, time zone and fees are the superadmin's to change."""

    contact_name: str | None = Field(default=None, min_length=1, max_length=150)
    contact_email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    contact_phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=100)
    province: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=10)
    low_balance_threshold_idr: int | None = Field(default=None, ge=0, le=100_000_000)
    no_disconnect_from: dt.time | None = None
    no_disconnect_until: dt.time | None = None
    no_disconnect_sundays: bool | None = None
    emergency_credit_idr: int | None = Field(default=None, ge=0, le=100_000_000)
    legal_name: str | None = Field(default=None, min_length=1, max_length=200)
    npwp: str | None = Field(default=None, min_length=15, max_length=24)
    timezone: str | None = Field(default=None, max_length=64)
    service_fee_type: ServiceFeeType | None = None
    service_fee_value: int | None = Field(default=None, ge=0, le=10_000_000)


class ClientStatusIn(Strict):
    status: ClientStatus
    reason: str = Field(default="", max_length=500)


class ClientOut(Schema):
    tenant_id: int
    slug: str = Field(alias="tenant.slug")
    name: str = Field(alias="tenant.name")
    legal_name: str
    npwp: str
    contact_name: str
    contact_email: str
    contact_phone: str
    address: str
    city: str
    province: str
    postal_code: str
    status: str
    timezone: str
    service_fee_type: str
    service_fee_value: int
    low_balance_threshold_idr: int
    no_disconnect_from: dt.time
    no_disconnect_until: dt.time
    no_disconnect_sundays: bool
    emergency_credit_idr: int
    created_at: dt.datetime
    updated_at: dt.datetime


class HolidayIn(Strict):
    date: dt.date
    name: str = Field(min_length=1, max_length=120)


class HolidayOut(Schema):
    id: int
    date: dt.date
    name: str


# ---------------------------------------------------------------------------- properties

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$"


class PropertyIn(Strict):
    code: str = Field(min_length=1, max_length=32, pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    property_type: PropertyType
    address: str = Field(min_length=1, max_length=300)
    city: str = Field(min_length=1, max_length=100)
    province: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(default="", max_length=10)
    latitude: Decimal | None = Field(default=None, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(default=None, max_digits=9, decimal_places=6)


class PropertyUpdateIn(Strict):
    code: str | None = Field(default=None, min_length=1, max_length=32, pattern=CODE_PATTERN)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    property_type: PropertyType | None = None
    address: str | None = Field(default=None, min_length=1, max_length=300)
    city: str | None = Field(default=None, min_length=1, max_length=100)
    province: str | None = Field(default=None, min_length=1, max_length=100)
    postal_code: str | None = Field(default=None, max_length=10)
    latitude: Decimal | None = Field(default=None, max_digits=9, decimal_places=6)
    longitude: Decimal | None = Field(default=None, max_digits=9, decimal_places=6)


class PropertyOut(Schema):
    id: int
    tenant_id: int
    code: str
    name: str
    property_type: str
    address: str
    city: str
    province: str
    postal_code: str
    latitude: Decimal | None
    longitude: Decimal | None
    verification_status: str
    verification_notes: str
    verification_status_changed_at: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime


class QueueItemOut(PropertyOut):
    tenant_name: str = Field(alias="tenant.name")


class VerificationIn(Strict):
    action: Literal["start_review", "approve", "reject", "request_update", "resubmit"]
    notes: str = Field(default="", max_length=2000)


class PropertyEventOut(Schema):
    id: int
    action: str
    from_status: str
    to_status: str
    notes: str
    actor_id: int | None
    actor_email: str | None = Field(default=None, alias="actor.email")
    created_at: dt.datetime


class VerificationOut(Schema):
    property: PropertyOut
    events: list[PropertyEventOut]


class DocumentOut(Schema):
    id: int
    property_id: int
    document_type: DocumentType
    original_name: str
    content_type: str
    size_bytes: int
    uploaded_by_id: int | None
    created_at: dt.datetime


# ---------------------------------------------------------------------------- customers


class CustomerIn(Strict):
    customer_number: str = Field(min_length=1, max_length=32)
    full_name: str = Field(min_length=1, max_length=150)
    email: str = Field(default="", max_length=254, pattern=OPTIONAL_EMAIL_PATTERN)
    phone: str = Field(default="", max_length=32, description="0812… or +62 812…")
    nik: str = Field(default="", max_length=16, description="16-digit NIK (KTP), optional")
    address: str = Field(default="", max_length=300)
    customer_class: CustomerClass = CustomerClass.RESIDENTIAL
    status: CustomerStatus = CustomerStatus.ACTIVE


class CustomerUpdateIn(Strict):
    customer_number: str | None = Field(default=None, min_length=1, max_length=32)
    full_name: str | None = Field(default=None, min_length=1, max_length=150)
    email: str | None = Field(default=None, max_length=254, pattern=OPTIONAL_EMAIL_PATTERN)
    phone: str | None = Field(default=None, max_length=32)
    nik: str | None = Field(default=None, max_length=16)
    address: str | None = Field(default=None, max_length=300)
    customer_class: CustomerClass | None = None
    status: CustomerStatus | None = None


class CustomerOut(Schema):
    """A customer; `nik` is masked (123456******7890) unless the caller may see it whole."""

    id: int
    tenant_id: int
    customer_number: str
    full_name: str
    email: str
    phone: str
    nik: str
    address: str
    customer_class: str
    status: str
    has_portal_account: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class PortalAccessIn(Strict):
    email: str = Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)
