"""Water notifications (balance and meter alerts) and the live events of balances and alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

import pytest
from django.core import mail

from core.accounts.models import User
from core.notifications.models import Notification
from core.realtime.models import LiveEvent
from water import events
from water.billing.inputs import ReadingInput
from water.billing.models import EntryKind, PrepaidAccount
from water.billing.services import account_credit, readings_apply
from water.billing.services.bulk import readings_apply_many
from water.billing.signals import balance_low, credit_exhausted
from water.billing.tests.factories import T0, series
from water.meters.models import Meter
from water.registry.models import Customer
from water.tariffs.tests.factories import tariff_with_blocks
from water.tests.factories import CustomerFactory, MeterFactory
from water.tests.helpers import Authority, authority
from water.valves.models import Alert, AlertKind, AlertStatus
from water.valves.services import alert_raise, alert_resolve_kind

pytestmark = pytest.mark.django_db

SERIAL = "IW-0000042"
LINK_OF = "/water/meters/{}/"


@dataclass(frozen=True)
class World:
    asri: Authority
    customer: Customer
    meter: Meter


@pytest.fixture
def world(settings, tmp_path) -> World:
    """A water authority without friendly credit, and a meter whose customer has a login."""
    settings.SMS_FILE_PATH = tmp_path
    asri = authority("asri")
    client = asri.client
    client.no_disconnect_from = time(0)
    client.no_disconnect_until = time(0)
    client.no_disconnect_sundays = False
    client.save()
    asri.customer.phone = "+6281234567890"
    asri.customer.save()
    customer = CustomerFactory(tenant=asri.tenant, user=asri.customer, customer_number="C-0123")
    meter = MeterFactory(tenant=asri.tenant, customer=customer, serial=SERIAL)
    tariff_with_blocks(tenant=asri.tenant)
    # A first top-up, outside any captured commit: no notification, the account exists.
    account_credit(meter=meter, amount_idr=50_000, kind=EntryKind.TOPUP, idempotency_key="t0")
    return World(asri=asri, customer=customer, meter=meter)


def _debit(meter: Meter, amount_idr: int, key: str) -> None:
    account_credit(
        meter=meter, amount_idr=-amount_idr, kind=EntryKind.ADJUSTMENT, idempotency_key=key
    )


def _told(user: User, event: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, event=event).order_by("pk"))


def _channels(notification: Notification) -> list[str]:
    return sorted(notification.deliveries.values_list("channel", flat=True))


# Balance events -----------------------------------------------------------------------------


def test_a_low_balance_tells_the_customer_once(world, django_capture_on_commit_callbacks):
    # when the balance falls from Rp 50,000 to Rp 5,000 (below the Rp 10,000 threshold)
    with django_capture_on_commit_callbacks(execute=True):
        _debit(world.meter, 45_000, "d1")
    # then the customer gets one message, by email, push and in the app
    (told,) = _told(world.asri.customer, events.BALANCE_LOW)
    assert told.title == f"Low balance on water meter {SERIAL}"
    assert told.body == (
        f"The balance of water meter {SERIAL} is down to Rp 5,000. Top up soon so your "
        "water keeps flowing: pay in the customer portal or at any payment point with your "
        "customer number C-0123."
    )
    assert told.link == LINK_OF.format(world.meter.pk)
    assert told.in_app is True
    assert _channels(told) == ["email", "push"]
    assert [m.to for m in mail.outbox] == [[world.asri.customer.email]]
    # and the staff are not told about a customer's balance
    assert Notification.objects.exclude(user=world.asri.customer).count() == 0
    # when the same signal arrives again for the same episode, nobody is told twice
    with django_capture_on_commit_callbacks(execute=True):
        balance_low.send(
            sender=PrepaidAccount,
            meter_id=world.meter.pk,
            tenant_id=world.asri.tenant.pk,
            balance_idr=5_000,
        )
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_exhaustion_closes_the_valve_and_each_exhaustion_is_told_once(
    world, django_capture_on_commit_callbacks
):
    customer = world.asri.customer
    # when the balance falls to -Rp 10,000 with no friendly credit
    with django_capture_on_commit_callbacks(execute=True):
        _debit(world.meter, 60_000, "d1")
    (told,) = _told(customer, events.CREDIT_EXHAUSTED)
    assert told.title == f"Water credit used up on meter {SERIAL}"
    assert told.body == (
        f"The balance of water meter {SERIAL} is -Rp 10,000: zero or below. The valve is "
        "being closed. Top up with your customer number C-0123 to have it reopened."
    )
    # urgent: SMS as well, since the customer has a phone number
    assert _channels(told) == ["email", "push", "sms"]
    assert len(_told(customer, events.BALANCE_LOW)) == 1  # it also fell below the threshold
    # a repeated signal for the same exhaustion tells nobody again
    with django_capture_on_commit_callbacks(execute=True):
        credit_exhausted.send(
            sender=PrepaidAccount,
            meter_id=world.meter.pk,
            tenant_id=world.asri.tenant.pk,
            balance_idr=-10_000,
        )
    assert len(_told(customer, events.CREDIT_EXHAUSTED)) == 1
    assert not _told(customer, events.CREDIT_EXHAUSTED_HELD)
    # when a top-up restores the supply
    with django_capture_on_commit_callbacks(execute=True):
        account_credit(
            meter=world.meter, amount_idr=20_000, kind=EntryKind.TOPUP, idempotency_key="t1"
        )
    (restored,) = _told(customer, events.CREDIT_RESTORED)
    assert restored.title == f"Water supply restored on meter {SERIAL}"
    assert restored.body == (
        f"The balance of water meter {SERIAL} is back to Rp 10,000 and the valve is being reopened."
    )
    assert _channels(restored) == ["email", "push"]
    # then a second exhaustion after the restore is news again
    with django_capture_on_commit_callbacks(execute=True):
        _debit(world.meter, 30_000, "d2")
    second = _told(customer, events.CREDIT_EXHAUSTED)
    assert len(second) == 2
    assert second[1].body.startswith(f"The balance of water meter {SERIAL} is -Rp 20,000:")


def test_exhaustion_held_open_by_friendly_credit_says_so(world, django_capture_on_commit_callbacks):
    # given emergency credit of Rp 50,000: the valve stays open down to -Rp 50,000
    world.asri.client.emergency_credit_idr = 50_000
    world.asri.client.save()
    with django_capture_on_commit_callbacks(execute=True):
        _debit(world.meter, 60_000, "d1")
    assert not _told(world.asri.customer, events.CREDIT_EXHAUSTED)
    (told,) = _told(world.asri.customer, events.CREDIT_EXHAUSTED_HELD)
    assert told.title == f"Water credit used up on meter {SERIAL}"
    assert told.body == (
        f"The balance of water meter {SERIAL} is -Rp 10,000: zero or below. Friendly "
        "credit holds the valve open for now; it will be closed when that ends. Top up with "
        "your customer number C-0123 to keep your water flowing."
    )
    assert _channels(told) == ["email", "push", "sms"]


def test_a_customer_without_a_portal_login_is_told_nothing(
    world, django_capture_on_commit_callbacks
):
    world.customer.user = None
    world.customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        _debit(world.meter, 60_000, "d1")
        alert_raise(meter=world.meter, kind=AlertKind.LEAK, message="leak")
    # only the staff hear of the leak; nobody of the balance
    assert set(Notification.objects.values_list("user_id", "event")) == {
        (world.asri.admin.pk, events.LEAK_SUSPECTED),
        (world.asri.operator.pk, events.LEAK_SUSPECTED),
    }


# Meter alerts -------------------------------------------------------------------------------


def test_an_offline_meter_is_told_to_its_customer_and_the_tenant_staff_only(
    world, django_capture_on_commit_callbacks
):
    makmur = authority("makmur")  # another authority's staff hear nothing
    last_seen = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta
    with django_capture_on_commit_callbacks(execute=True):
        alert = alert_raise(
            meter=world.meter,
            kind=AlertKind.OFFLINE,
            message="silent",
            data={"last_seen_at": last_seen.isoformat()},
        )
    told = Notification.objects.filter(event=events.METER_OFFLINE).order_by("user_id")
    assert [n.user_id for n in told] == sorted(
        [world.asri.admin.pk, world.asri.operator.pk, world.asri.customer.pk]
    )
    for notification in told:
        assert notification.title == f"Water meter {SERIAL} is offline"
        assert notification.body == (
            f"Water meter {SERIAL} has not reported since March 2, 2026, 8 a.m., so its "
            "readings and valve commands wait until it is back online. Check its power and "
            "signal if it stays offline."
        )
        assert notification.dedupe_key == f"alert:{alert.pk}"
        assert notification.in_app is True
        assert _channels(notification) == ["email"]  # meter alerts: in-app and email
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.asri.admin.email, world.asri.operator.email, world.asri.customer.email]
    )
    assert not Notification.objects.filter(
        user__in=[makmur.admin, makmur.operator, makmur.customer]
    ).exists()
    # a repeat occurrence of the open alert tells nobody again
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = alert_raise(meter=world.meter, kind=AlertKind.OFFLINE, message="still silent")
    assert again.pk == alert.pk
    assert callbacks == []
    assert Notification.objects.filter(event=events.METER_OFFLINE).count() == 3


@pytest.mark.parametrize(
    ("kind", "event", "title", "body"),
    [
        (
            AlertKind.LEAK,
            events.LEAK_SUSPECTED,
            f"Possible leak at water meter {SERIAL}",
            "The night check at March 3, 2026, 5:30 a.m. found that water ran through meter "
            f"{SERIAL} without a break all night (01:00 to 04:00 local time). That usually "
            "means a leak: check taps, pipes and tanks.",
        ),
        (
            AlertKind.TAMPER,
            events.TAMPER_SUSPECTED,
            f"Tampering suspected at water meter {SERIAL}",
            f"At March 3, 2026, 5:30 a.m. water meter {SERIAL} reported tampering or an "
            "opened housing. The water authority will inspect it.",
        ),
    ],
)
def test_leak_and_tamper_are_urgent_meter_alerts(
    world, django_capture_on_commit_callbacks, kind, event, title, body
):
    with django_capture_on_commit_callbacks() as callbacks:
        alert = alert_raise(meter=world.meter, kind=kind, message="device flag")
    # detected at 2026-03-02 22:30 UTC, 05:30 the next morning in Jakarta
    Alert.objects.filter(pk=alert.pk).update(created_at=datetime(2026, 3, 2, 22, 30, tzinfo=UTC))
    for callback in callbacks:
        callback()
    told = list(Notification.objects.filter(event=event).order_by("user_id"))
    assert [n.user_id for n in told] == sorted(
        [world.asri.admin.pk, world.asri.operator.pk, world.asri.customer.pk]
    )
    assert {(n.title, n.body) for n in told} == {(title, body)}
    assert {tuple(_channels(n)) for n in told} == {("email",)}


def test_other_alert_kinds_tell_nobody(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        alert_raise(meter=world.meter, kind=AlertKind.LOW_BATTERY, message="battery at 12 %")
    assert Notification.objects.count() == 0


# Live events --------------------------------------------------------------------------------


def _live(kind: str) -> list[tuple[str, dict]]:
    return list(LiveEvent.objects.filter(kind=kind).order_by("pk").values_list("audience", "data"))


def test_a_reading_batch_publishes_each_changed_balance_once(world):
    # given a second meter of the same tenant whose customer has no login, both with accounts
    bare = MeterFactory(
        tenant=world.asri.tenant, customer=CustomerFactory(tenant=world.asri.tenant)
    )
    account_credit(meter=bare, amount_idr=30_000, kind=EntryKind.TOPUP, idempotency_key="t-b")
    idle = MeterFactory(tenant=world.asri.tenant)  # no readings in this batch: no event
    LiveEvent.objects.all().delete()
    # when one batch bills 1 m³ (Rp 5,000) on each meter and only replays on a third
    batch = {
        world.meter.pk: (world.meter, series([0, 1_000])),
        bare.pk: (bare, series([0, 1_000])),
        idle.pk: (idle, []),
    }
    results = readings_apply_many(batch, source="mqtt")
    # then one event lists the changed balances for the tenant's staff, and one the
    # customer's own meter for their login
    assert results[world.meter.pk].balance_idr == 45_000
    assert results[bare.pk].balance_idr == 25_000
    tenant = f"tenant:{world.asri.tenant.pk}"
    mine = {"meter_id": world.meter.pk, "balance_idr": 45_000, "valve_state": "unknown"}
    theirs = {"meter_id": bare.pk, "balance_idr": 25_000, "valve_state": "unknown"}
    assert _live("water.balance") == [
        (tenant, {"meters": [mine, theirs]}),
        (f"user:{world.asri.customer.pk}", {"meters": [mine]}),
    ]
    # and a replayed batch changes no balance and publishes nothing
    readings_apply_many(batch, source="mqtt")
    assert len(_live("water.balance")) == 2


def test_a_single_meter_reading_and_a_credit_publish_the_balance(world):
    LiveEvent.objects.all().delete()
    readings_apply(meter=world.meter, readings=series([0, 2_000]), source="http")
    account_credit(meter=world.meter, amount_idr=15_000, kind=EntryKind.TOPUP, idempotency_key="t1")
    data = [
        (audience, [m["balance_idr"] for m in d["meters"]])
        for audience, d in _live("water.balance")
    ]
    user, tenant = f"user:{world.asri.customer.pk}", f"tenant:{world.asri.tenant.pk}"
    assert data == [(tenant, [40_000]), (user, [40_000]), (tenant, [55_000]), (user, [55_000])]


def test_alerts_and_valve_commands_are_published_to_the_tenant(world):
    LiveEvent.objects.all().delete()
    # when the credit runs out (a close is queued, zero and low balance alerts open)
    _debit(world.meter, 60_000, "d1")
    tenant = f"tenant:{world.asri.tenant.pk}"
    zero = Alert.objects.get(meter=world.meter, kind=AlertKind.ZERO_BALANCE)
    low = Alert.objects.get(meter=world.meter, kind=AlertKind.LOW_BALANCE)
    assert _live("water.alert") == [
        (
            tenant,
            {
                "alert_id": low.pk,
                "meter_id": world.meter.pk,
                "kind": "low_balance",
                "status": "open",
            },
        ),
        (
            tenant,
            {
                "alert_id": zero.pk,
                "meter_id": world.meter.pk,
                "kind": "zero_balance",
                "status": "open",
            },
        ),
    ]
    # the open queued by the first top-up is superseded by the close
    (opening,) = world.meter.commands.filter(kind="open")
    (close,) = world.meter.commands.filter(kind="close")
    user = f"user:{world.asri.customer.pk}"
    cancelled = {"meter_id": world.meter.pk, "valve_state": "unknown", "command_id": opening.pk}
    pending = {"meter_id": world.meter.pk, "valve_state": "unknown", "command_id": close.pk}
    assert _live("water.valve") == [
        (user, {**cancelled, "status": "cancelled"}),
        (tenant, {**cancelled, "status": "cancelled"}),
        (user, {**pending, "status": "pending"}),
        (tenant, {**pending, "status": "pending"}),
    ]
    # when the zero balance alert resolves, that is published too (and nothing when none is open)
    LiveEvent.objects.all().delete()
    assert alert_resolve_kind(meter=world.meter, kind=AlertKind.ZERO_BALANCE) == 1
    assert alert_resolve_kind(meter=world.meter, kind=AlertKind.ZERO_BALANCE) == 0
    assert Alert.objects.get(pk=zero.pk).status == AlertStatus.RESOLVED
    assert _live("water.alert") == [
        (
            tenant,
            {
                "alert_id": zero.pk,
                "meter_id": world.meter.pk,
                "kind": "zero_balance",
                "status": "resolved",
            },
        ),
    ]


def test_a_batch_that_moves_no_money_publishes_no_balance(world):
    # a late reading takes the per-meter path and re-prices without changing the total
    readings_apply(meter=world.meter, readings=series([0, 1_000]), source="mqtt")
    late = [ReadingInput(taken_at=T0.replace(minute=5), register_litres=500)]
    LiveEvent.objects.all().delete()
    results = readings_apply_many({world.meter.pk: (world.meter, late)}, source="mqtt")
    assert results[world.meter.pk].charged_idr == 0  # re-priced, same total: no event
    assert _live("water.balance") == []
