"""Writes of a meter's life: registration, customer assignment, replacement, retirement,
and an operator's request to open or close its valve.

Each service is one transaction that locks the rows whose state it changes and writes its
audit row inside that transaction.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit.services import audit_record
from core.errors import NotFound
from water.billing.inputs import ReadingInput
from water.errors import Conflict, InvalidTransition, ValidationFailed
from water.meters.models import Meter, MeterStatus, ReadingSource
from water.registry.models import Customer, Property
from water.valves.models import (
    OPEN_COMMAND_STATUSES,
    CommandKind,
    CommandPriority,
    CommandStatus,
    ValveCommand,
)
from water.valves.services import valve_command_queue

if TYPE_CHECKING:
    from core.accounts.models import User


SERIAL_TAKEN = "A meter with this serial is already registered."


def _locked_meter(*, tenant_id: int, meter_id: int) -> Meter:
    meter = Meter.objects.select_for_update().filter(pk=meter_id, tenant_id=tenant_id).first()
    if meter is None:
        raise NotFound("Meter not found.")
    return meter


def _customer_of_tenant(*, tenant_id: int, customer_id: int) -> Customer:
    customer = Customer.objects.filter(pk=customer_id, tenant_id=tenant_id).first()
    if customer is None:
        raise ValidationFailed(
            "No such customer in this water authority.", extra={"field": "customer_id"}
        )
    return customer


def _serial_free(serial: str, field: str) -> None:
    if Meter.objects.filter(serial__iexact=serial).exists():
        raise Conflict(SERIAL_TAKEN, extra={"field": field})


def _not_retired(meter: Meter) -> None:
    if meter.status == MeterStatus.RETIRED:
        raise InvalidTransition("The meter is retired.")


def meter_register(
    *,
    actor: User,
    tenant_id: int,
    serial: str,
    property_id: int,
    customer_id: int | None = None,
    model: str = "",
    firmware: str = "",
    install_date: date | None = None,
) -> Meter:
    """Register a meter at one of the tenant's properties, optionally for a customer.

    The serial is unique across the platform (409 otherwise); the property and customer must
    belong to the same tenant (422, the same answer as a missing one).
    """
    with transaction.atomic():
        prop = Property.objects.filter(pk=property_id, tenant_id=tenant_id).first()
        if prop is None:
            raise ValidationFailed(
                "No such property in this water authority.", extra={"field": "property_id"}
            )
        customer = (
            _customer_of_tenant(tenant_id=tenant_id, customer_id=customer_id)
            if customer_id is not None
            else None
        )
        _serial_free(serial, "serial")
        try:
            with transaction.atomic():
                meter = Meter.objects.create(
                    tenant_id=tenant_id,
                    serial=serial,
                    model=model,
                    firmware=firmware,
                    property=prop,
                    customer=customer,
                    install_date=install_date,
                )
        except IntegrityError as exc:  # a concurrent registration won the race
            raise Conflict(SERIAL_TAKEN, extra={"field": "serial"}) from exc
        audit_record(
            action="water.meter_registered",
            actor=actor,
            tenant=tenant_id,
            target=meter,
            data={"serial": serial, "property": prop.code, "customer_id": customer_id},
        )
    return meter


def meter_assign_customer(*, actor: User, tenant_id: int, meter_id: int, customer_id: int) -> Meter:
    """Serve the meter to a customer of the same tenant (replacing any previous one)."""
    with transaction.atomic():
        meter = _locked_meter(tenant_id=tenant_id, meter_id=meter_id)
        _not_retired(meter)
        customer = _customer_of_tenant(tenant_id=tenant_id, customer_id=customer_id)
        previous = meter.customer_id
        meter.customer = customer
        meter.save(update_fields=["customer", "updated_at"])
        audit_record(
            action="water.meter_customer_assigned",
            actor=actor,
            tenant=tenant_id,
            target=meter,
            data={"serial": meter.serial, "from": previous, "to": customer.pk},
        )
    return meter


def meter_unassign_customer(*, actor: User, tenant_id: int, meter_id: int) -> Meter:
    """Detach the meter from its customer; a meter without one answers 409."""
    with transaction.atomic():
        meter = _locked_meter(tenant_id=tenant_id, meter_id=meter_id)
        if meter.customer_id is None:
            raise InvalidTransition("The meter has no customer.")
        previous = meter.customer_id
        meter.customer = None
        meter.save(update_fields=["customer", "updated_at"])
        audit_record(
            action="water.meter_customer_unassigned",
            actor=actor,
            tenant=tenant_id,
            target=meter,
            data={"serial": meter.serial, "from": previous},
        )
    return meter


def _cancel_open_commands(meter: Meter, why: str) -> int:
    return ValveCommand.objects.filter(meter=meter, status__in=OPEN_COMMAND_STATUSES).update(
        status=CommandStatus.CANCELLED, finished_at=timezone.now(), response={"cancelled_by": why}
    )


def meter_replace(
    *,
    actor: User,
    tenant_id: int,
    meter_id: int,
    new_serial: str,
    final_register_litres: int | None = None,
    model: str | None = None,
) -> Meter:
    """Swap a meter for a new device at the same property and customer, in one transaction.

    The old meter's final register (when given) is billed first, its undelivered commands are
    cancelled, it is retired, and the new meter records what it `replaces`. The prepaid
    account moves to the new meter so the balance and its ledger carry over.
    """
    # Billing imports meters; importing it here keeps the module graph acyclic at load time.
    from water.billing.services.ledger import account_locked
    from water.billing.services.readings import readings_apply

    with transaction.atomic():
        old = _locked_meter(tenant_id=tenant_id, meter_id=meter_id)
        _not_retired(old)
        _serial_free(new_serial, "new_serial")
        if final_register_litres is not None:
            final = ReadingInput(taken_at=timezone.now(), register_litres=final_register_litres)
            readings_apply(meter=old, readings=[final], source=ReadingSource.MANUAL)
        cancelled = _cancel_open_commands(old, "meter replaced")
        old.status = MeterStatus.RETIRED
        old.save(update_fields=["status", "updated_at"])
        try:
            with transaction.atomic():
                new = Meter.objects.create(
                    tenant_id=tenant_id,
                    serial=new_serial,
                    model=old.model if model is None else model,
                    property_id=old.property_id,
                    customer_id=old.customer_id,
                    install_date=timezone.localdate(),
                    replaces=old,
                )
        except IntegrityError as exc:  # a concurrent registration took the serial
            raise Conflict(SERIAL_TAKEN, extra={"field": "new_serial"}) from exc
        # Opening the new meter's account carries the old balance over (a pair of entries).
        account = account_locked(new)
        account.save(update_fields=["balance_idr", "updated_at"])
        audit_record(
            action="water.meter_replaced",
            actor=actor,
            tenant=tenant_id,
            target=new,
            data={
                "old_serial": old.serial,
                "new_serial": new_serial,
                "final_register_litres": final_register_litres,
                "commands_cancelled": cancelled,
            },
        )
    return new


def meter_retire(*, actor: User, tenant_id: int, meter_id: int) -> Meter:
    """Take a meter out of service; refused (409) while valve commands are pending or sent."""
    with transaction.atomic():
        meter = _locked_meter(tenant_id=tenant_id, meter_id=meter_id)
        _not_retired(meter)
        if ValveCommand.objects.filter(meter=meter, status__in=OPEN_COMMAND_STATUSES).exists():
            raise InvalidTransition("The meter still has valve commands pending delivery.")
        meter.status = MeterStatus.RETIRED
        meter.save(update_fields=["status", "updated_at"])
        audit_record(
            action="water.meter_retired",
            actor=actor,
            tenant=tenant_id,
            target=meter,
            data={"serial": meter.serial},
        )
    return meter


def valve_request(
    *, actor: User, tenant_id: int, meter_id: int, action: str, reason: str
) -> ValveCommand:
    """An operator opens or closes a valve: a high-priority command, audited when queued."""
    if action not in (CommandKind.OPEN, CommandKind.CLOSE):
        raise ValidationFailed("The action is open or close.", extra={"field": "action"})
    with transaction.atomic():
        meter = _locked_meter(tenant_id=tenant_id, meter_id=meter_id)
        _not_retired(meter)
        return valve_command_queue(
            meter=meter,
            kind=action,
            reason=reason,
            priority=CommandPriority.HIGH,
            requested_by=actor,
        )
