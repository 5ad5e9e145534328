"""What a live socket hears: its user's, staff tenants' and platform events; resume and resync."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

from core.accounts.roles import Role
from core.realtime import auth
from core.realtime.consumers import LiveConsumer
from core.realtime.models import LiveEvent
from core.realtime.selectors import REPLAY_LIMIT
from core.realtime.services import Event, prune_live_events, publish, publish_many
from core.realtime.tests.conftest import (
    ORIGIN,
    communicator,
    run,
    session_cookie,
    sign_in,
    token_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _payload(row: LiveEvent) -> dict:
    return {"id": row.pk, "kind": row.kind, "data": row.data, "at": row.created_at.isoformat()}


# Other apps publish too (a notification when MFA is enrolled, …): look only at ours.
KINDS = ["balance.changed", "alert.opened", "job.finished", "valve.closed", "meter.reading"]


def _rows(**filters) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(kind__in=KINDS, **filters).order_by("id"))


def _head() -> int:
    return LiveEvent.objects.order_by("-id").values_list("id", flat=True)[0]


async def _db(fn):
    return await database_sync_to_async(fn)()


async def _bearer(user, tenant_id=None):
    token = await _db(lambda: token_for(user, tenant_id=tenant_id))
    comm = communicator(subprotocols=["bearer", token])
    assert await comm.connect() == (True, "bearer")
    return comm


def test_an_event_published_after_commit_reaches_the_users_session_socket(customer, password):
    client = sign_in(customer, password)

    async def scenario():
        comm = communicator(headers=[ORIGIN, session_cookie(client)])
        await comm.connect()
        await _db(lambda: publish("balance.changed", {"balance": "12.50"}, users=[customer.pk]))
        received = await comm.receive_json_from()
        nothing_more = await comm.receive_nothing(timeout=0.2)
        await comm.disconnect()
        return received, nothing_more

    received, nothing_more = run(scenario)

    (row,) = _rows()
    assert row.audience == f"user:{customer.pk}"
    assert received == {
        "id": row.pk,
        "kind": "balance.changed",
        "data": {"balance": "12.50"},
        "at": row.created_at.isoformat(),
    }
    assert nothing_more is True


def test_one_user_never_hears_another_users_event(customer, user_factory):
    other = user_factory(email="tetangga@tirta.id")

    async def scenario():
        mine, theirs = await _bearer(customer), await _bearer(other)
        await _db(lambda: publish("balance.changed", {"balance": "3.00"}, users=[other.pk]))
        theirs_got = await theirs.receive_json_from()
        mine_silent = await mine.receive_nothing(timeout=0.2)
        await _db(lambda: publish("balance.changed", {"balance": "9.00"}, users=[customer.pk]))
        mine_got = await mine.receive_json_from()
        theirs_silent = await theirs.receive_nothing(timeout=0.2)
        await mine.disconnect()
        await theirs.disconnect()
        return theirs_got, mine_silent, mine_got, theirs_silent

    theirs_got, mine_silent, mine_got, theirs_silent = run(scenario)

    first, second = _rows()
    assert theirs_got == _payload(first)
    assert first.data == {"balance": "3.00"}
    assert mine_silent is True
    assert mine_got == _payload(second)
    assert second.data == {"balance": "9.00"}
    assert theirs_silent is True


def test_tenant_events_reach_its_staff_but_not_its_customers(customer, operator, password):
    tenant = customer.memberships.get().tenant
    staff_client = sign_in(operator, password, operator.totp_secret)
    customer_client = sign_in(customer, password)

    async def scenario():
        staff = communicator(headers=[ORIGIN, session_cookie(staff_client)])
        member = communicator(headers=[ORIGIN, session_cookie(customer_client)])
        await staff.connect()
        await member.connect()
        await _db(lambda: publish("alert.opened", {"meter": "M-1"}, tenants=[tenant.pk]))
        staff_got = await staff.receive_json_from()
        member_silent = await member.receive_nothing(timeout=0.2)
        await staff.disconnect()
        await member.disconnect()
        return staff_got, member_silent

    staff_got, member_silent = run(scenario)

    (row,) = _rows()
    assert row.audience == f"tenant:{tenant.pk}"
    assert staff_got == _payload(row)
    assert member_silent is True


def test_a_token_hears_only_the_tenant_it_is_scoped_to(
    user_factory, tenant_factory, membership_factory
):
    first, second = tenant_factory(), tenant_factory()
    admin = user_factory()
    membership_factory(user=admin, tenant=first, role=Role.CLIENT_ADMIN)
    membership_factory(user=admin, tenant=second, role=Role.CLIENT_ADMIN)

    async def scenario():
        comm = await _bearer(admin, tenant_id=first.pk)
        await _db(lambda: publish("alert.opened", {"n": 2}, tenants=[second.pk]))
        silent = await comm.receive_nothing(timeout=0.2)
        await _db(lambda: publish("alert.opened", {"n": 1}, tenants=[first.pk]))
        got = await comm.receive_json_from()
        await comm.disconnect()
        return silent, got

    silent, got = run(scenario)

    assert silent is True
    assert got == _payload(_rows(audience=f"tenant:{first.pk}")[0])


def test_platform_events_reach_superadmins_only(user_factory, customer):
    root = user_factory(email="root@platform.test", is_superuser=True)

    async def scenario():
        admin, member = await _bearer(root), await _bearer(customer)
        await _db(lambda: publish("job.finished", {"job": "bill_month_end"}, platform=True))
        got = await admin.receive_json_from()
        silent = await member.receive_nothing(timeout=0.2)
        await admin.disconnect()
        await member.disconnect()
        return got, silent

    got, silent = run(scenario)

    assert got == _payload(_rows(audience="platform")[0])
    assert silent is True


def test_an_event_published_in_a_rolled_back_transaction_is_neither_sent_nor_kept(customer):
    def publish_then_fail():
        try:
            with transaction.atomic():
                publish("balance.changed", {"balance": "1.00"}, users=[customer.pk])
                raise RuntimeError("payment refused")
        except RuntimeError:
            return "rolled back"
        return "committed"

    async def scenario():
        comm = await _bearer(customer)
        outcome = await _db(publish_then_fail)
        silent = await comm.receive_nothing(timeout=0.3)
        await comm.disconnect()
        return outcome, silent

    assert run(scenario) == ("rolled back", True)
    assert _rows() == []


def test_a_worker_thread_without_an_event_loop_reaches_the_socket(customer):
    """Huey runs tasks on plain threads: publish there must reach this process' sockets."""
    errors: list[BaseException] = []

    def worker():
        try:
            publish("job.finished", {"job": "export"}, users=[customer.pk])
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)

    async def scenario():
        comm = await _bearer(customer)
        thread = threading.Thread(target=worker)
        thread.start()
        got = await comm.receive_json_from(timeout=5)
        await _db(lambda: thread.join(5))
        await comm.disconnect()
        return got

    got = run(scenario)

    assert errors == []
    assert got == _payload(_rows()[0])


def test_publish_many_sends_each_audience_its_own_events(customer, user_factory):
    other = user_factory(email="tetangga@tirta.id")
    events = [
        Event("balance.changed", {"balance": "5.00"}, users=[customer.pk]),
        Event("balance.changed", {"balance": "7.00"}, users=[other.pk]),
        Event("valve.closed", {"meter": "M-9"}, users=[customer.pk]),
    ]

    async def scenario():
        mine, theirs = await _bearer(customer), await _bearer(other)
        await _db(lambda: publish_many(events))
        got_mine = [await mine.receive_json_from(), await mine.receive_json_from()]
        got_theirs = [await theirs.receive_json_from()]
        silent = await mine.receive_nothing(0.2) and await theirs.receive_nothing(0.2)
        await mine.disconnect()
        await theirs.disconnect()
        return got_mine, got_theirs, silent

    got_mine, got_theirs, silent = run(scenario)

    assert got_mine == [_payload(r) for r in _rows(audience=f"user:{customer.pk}")]
    assert [m["kind"] for m in got_mine] == ["balance.changed", "valve.closed"]
    assert got_theirs == [_payload(r) for r in _rows(audience=f"user:{other.pk}")]
    assert silent is True


# ---------------------------------------------------------------------------- resume


def test_resume_replays_exactly_the_missed_events_oldest_first(customer, user_factory):
    other = user_factory(email="tetangga@tirta.id")
    publish("balance.changed", {"n": 0}, users=[customer.pk])
    seen = _rows()[-1].pk
    for n in (1, 2, 3):
        publish("balance.changed", {"n": n}, users=[customer.pk])
        publish("balance.changed", {"n": n}, users=[other.pk])
    missed = _rows(audience=f"user:{customer.pk}", id__gt=seen)

    async def scenario():
        comm = await _bearer(customer)
        await comm.send_json_to({"type": "resume", "after": seen})
        replies = [await comm.receive_json_from() for _ in range(4)]
        silent = await comm.receive_nothing(timeout=0.2)
        await comm.disconnect()
        return replies, silent

    replies, silent = run(scenario)

    head = _head()
    assert [r["data"] for r in replies[:3]] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert replies == [*(_payload(r) for r in missed), {"kind": "ready", "head": head}]
    assert silent is True


def test_resume_since_a_page_render_replays_what_happened_after_it(customer):
    old = timezone.now() - timedelta(minutes=10)
    publish("balance.changed", {"n": "old"}, users=[customer.pk])
    LiveEvent.objects.update(created_at=old)
    rendered = time.time()
    publish("balance.changed", {"n": "new"}, users=[customer.pk])

    async def scenario():
        comm = await _bearer(customer)
        await comm.send_json_to({"type": "resume", "since": rendered})
        replies = [await comm.receive_json_from(), await comm.receive_json_from()]
        await comm.disconnect()
        return replies

    new = _rows(data__n="new")[0]
    assert run(scenario) == [_payload(new), {"kind": "ready", "head": new.pk}]


def test_resume_beyond_the_replay_cap_asks_for_a_resync(customer):
    publish_many(Event("meter.reading", {"n": n}, users=[customer.pk]) for n in range(501))
    assert REPLAY_LIMIT == 500

    async def scenario():
        comm = await _bearer(customer)
        await comm.send_json_to({"type": "resume", "after": 0})
        replies = [await comm.receive_json_from(), await comm.receive_json_from()]
        silent = await comm.receive_nothing(timeout=0.2)
        await comm.disconnect()
        return replies, silent

    replies, silent = run(scenario)

    head = _head()
    assert replies == [{"kind": "resync"}, {"kind": "ready", "head": head}]
    assert silent is True


def test_exactly_the_cap_is_still_replayed(customer):
    publish_many(Event("meter.reading", {"n": n}, users=[customer.pk]) for n in range(500))

    async def scenario():
        comm = await _bearer(customer)
        await comm.send_json_to({"type": "resume", "after": 0})
        replies = [await comm.receive_json_from() for _ in range(501)]
        await comm.disconnect()
        return replies

    replies = run(scenario)

    assert [r["data"]["n"] for r in replies[:500]] == list(range(500))
    assert replies[500] == {"kind": "ready", "head": _head()}


def test_resume_from_before_the_retention_window_asks_for_a_resync(customer):
    publish("balance.changed", {"n": 1}, users=[customer.pk])
    seen = _rows()[0].pk
    publish("balance.changed", {"n": 2}, users=[customer.pk])
    LiveEvent.objects.update(created_at=timezone.now() - timedelta(hours=2))
    publish("balance.changed", {"n": 3}, users=[customer.pk])
    assert prune_live_events() == 2

    async def scenario():
        comm = await _bearer(customer)
        await comm.send_json_to({"type": "resume", "after": seen})
        by_id = [await comm.receive_json_from(), await comm.receive_json_from()]
        await comm.send_json_to({"type": "resume", "since": time.time() - 3 * 3600})
        by_time = [await comm.receive_json_from(), await comm.receive_json_from()]
        await comm.disconnect()
        return by_id, by_time

    by_id, by_time = run(scenario)

    head = _head()
    assert by_id == [{"kind": "resync"}, {"kind": "ready", "head": head}]
    assert by_time == [{"kind": "resync"}, {"kind": "ready", "head": head}]


def test_resume_from_the_last_pruned_id_replays_without_resync(customer):
    publish("balance.changed", {"n": 1}, users=[customer.pk])
    LiveEvent.objects.update(created_at=timezone.now() - timedelta(hours=2))
    publish("balance.changed", {"n": 2}, users=[customer.pk])
    prune_live_events()
    pruned_through = _rows()[0].pk - 1

    async def scenario():
        comm = await _bearer(customer)
        await comm.send_json_to({"type": "resume", "after": pruned_through})
        replies = [await comm.receive_json_from(), await comm.receive_json_from()]
        await comm.disconnect()
        return replies

    (row,) = _rows()
    assert run(scenario) == [_payload(row), {"kind": "ready", "head": row.pk}]


@pytest.mark.parametrize(
    "message",
    [
        '{"type": "resume", "after": -1}',
        '{"type": "resume", "after": true}',
        '{"type": "resume", "since": "yesterday"}',
        '{"type": "resume"}',
        '{"type": "unknown"}',
        "[1, 2]",
        "not json",
    ],
)
def test_malformed_messages_replay_nothing_and_keep_the_socket_open(customer, message):
    publish("balance.changed", {"n": 1}, users=[customer.pk])

    async def scenario():
        comm = await _bearer(customer)
        await comm.send_text_to(message)
        replies = []
        if '"resume"' in message:
            replies.append(await comm.receive_json_from())
        silent = await comm.receive_nothing(timeout=0.1)
        await comm.send_json_to({"type": "ping"})
        pong = await comm.receive_json_from()
        await comm.disconnect()
        return replies, silent, pong

    replies, silent, pong = run(scenario)

    expected = [{"kind": "ready", "head": _head()}] if '"resume"' in message else []
    assert replies == expected
    assert silent is True
    assert pong == {"kind": "pong"}


def test_a_burst_beyond_the_channel_capacity_becomes_one_resync(customer, operator):
    tenant = customer.memberships.get().tenant
    burst = [Event("water.balance", {"meter_id": n}, tenants=[tenant.pk]) for n in range(51)]
    burst.append(Event("water.balance", {"meter_id": 99}, users=[customer.pk]))

    async def scenario():
        staff, member = await _bearer(operator, tenant_id=tenant.pk), await _bearer(customer)
        await _db(lambda: publish_many(burst))
        staff_got = await staff.receive_json_from()
        member_got = await member.receive_json_from()
        silent = await staff.receive_nothing(0.2) and await member.receive_nothing(0.2)
        await staff.disconnect()
        await member.disconnect()
        return staff_got, member_got, silent

    staff_got, member_got, silent = run(scenario)

    assert staff_got == {"kind": "resync"}
    (mine,) = LiveEvent.objects.filter(kind="water.balance", audience=f"user:{customer.pk}")
    assert member_got == _payload(mine)
    assert silent is True
    assert LiveEvent.objects.filter(audience=f"tenant:{tenant.pk}").count() == 51


def test_fifty_events_for_one_group_are_still_sent_one_by_one(customer, operator):
    tenant = customer.memberships.get().tenant
    events = [Event("water.balance", {"meter_id": n}, tenants=[tenant.pk]) for n in range(50)]

    async def scenario():
        staff = await _bearer(operator, tenant_id=tenant.pk)
        await _db(lambda: publish_many(events))
        got = [await staff.receive_json_from() for _ in range(50)]
        await staff.disconnect()
        return got

    assert [m["data"]["meter_id"] for m in run(scenario)] == list(range(50))


def test_a_socket_stops_hearing_a_tenant_once_the_staff_role_is_removed(
    customer, operator, monkeypatch
):
    monkeypatch.setattr(LiveConsumer, "recheck_seconds", 0.05)
    tenant = customer.memberships.get().tenant

    async def scenario():
        staff = await _bearer(operator, tenant_id=tenant.pk)
        await _db(lambda: operator.memberships.all().delete())
        await asyncio.sleep(0.3)
        await _db(lambda: publish("water.alert", {"alert_id": 1}, tenants=[tenant.pk]))
        silent = await staff.receive_nothing(0.3)
        await _db(lambda: publish("water.alert", {"alert_id": 2}, users=[operator.pk]))
        own = await staff.receive_json_from()
        await staff.disconnect()
        return silent, own

    silent, own = run(scenario)

    assert silent is True
    assert own["data"] == {"alert_id": 2}


def test_a_token_socket_closes_with_4401_once_the_token_expires(customer, monkeypatch):
    monkeypatch.setattr(LiveConsumer, "recheck_seconds", 0.05)

    async def scenario():
        comm = await _bearer(customer)
        still_open = await comm.receive_nothing(0.2)
        monkeypatch.setattr(auth, "_now", lambda: time.time() + 16 * 60)
        closed = await comm.receive_output(timeout=2)
        await comm.disconnect()
        return still_open, closed

    assert run(scenario) == (True, {"type": "websocket.close", "code": 4401})
