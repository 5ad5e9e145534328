"""Request and response bodies of the meters API.

Input bodies forbid unknown keys. Money is whole Rupiah (`*_idr`), volumes whole litres.
"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from core.api.schemas import PageIn, Strict
from water.meters.models import MeterStatus, ValveState


class MeterFilters(PageIn):
    status: MeterStatus | None = None
    valve_state: ValveState | None = None
    property_id: int | None = Field(default=None, alias="property")
    customer_id: int | None = Field(default=None, alias="customer")
    q: str | None = Field(default=None, max_length=64, description="Serial prefix")


class MeterRegisterIn(Strict):
    serial: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    property_id: int
    customer_id: int | None = None
    model: str = Field(default="", max_length=64)
    firmware: str = Field(default="", max_length=32)
    install_date: date | None = None


class CustomerAssignIn(Strict):
    customer_id: int


class MeterReplaceIn(Strict):
    new_serial: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    final_register_litres: int | None = Field(
        default=None, ge=0, description="The old meter's last register value, billed first"
    )
    model: str | None = Field(default=None, max_length=64, description="Default: the old model")


class PropertyRef(Schema):
    id: int
    code: str
    name: str


class CustomerRef(Schema):
    id: int
    customer_number: str
    full_name: str


class MeterOut(Schema):
    """A meter as listed: identity, where it is, who it serves, its valve and balance."""

    id: int
    tenant_id: int
    serial: str
    model: str
    firmware: str
    status: MeterStatus
    valve_state: ValveState
    property: PropertyRef
    customer: CustomerRef | None
    install_date: date | None
    balance_idr: int | None = Field(description="None until the meter has a prepaid account")
    last_register_litres: int | None
    last_reading_at: datetime | None
    last_seen_at: datetime | None
    replaces_id: int | None


class MeterDetailOut(MeterOut):
    battery_pct: int | None
    signal_dbm: int | None
    pending_commands: int = Field(description="Valve commands pending or sent")
    open_alerts: int = Field(description="Alerts not yet resolved (open or acknowledged)")
    replaced_by_id: int | None
    created_at: datetime


class MeterPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MeterOut]


class MeterStatusOut(Schema):
    """Connectivity of a meter: online when it was heard from in the last 30 minutes."""

    id: int
    serial: str
    online: bool
    last_seen_at: datetime | None
    battery_pct: int | None
    signal_dbm: int | None
    valve_state: ValveState
    status: MeterStatus


class MyMeterOut(Schema):
    """A customer's own meter, as shown in the customer portal and app."""

    id: int
    serial: str
    tenant_id: int
    tenant_name: str
    property: PropertyRef
    status: MeterStatus
    valve_state: ValveState
    balance_idr: int | None
    last_register_litres: int | None
    last_reading_at: datetime | None


class MyMeterPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MyMeterOut]
