"""publish / publish_many / prune_live_events without sockets: rows, commits, failures."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.ops.tests.conftest import closed_port
from core.realtime import services
from core.realtime.models import LiveEvent, LivePruneMark
from core.realtime.services import Event, prune_live_events, publish, publish_many
from core.realtime.tests.conftest import published


@pytest.mark.django_db
def test_publish_stores_one_row_per_audience_and_sends_nothing_before_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    sent: list = []
    monkeypatch.setattr(services, "deliver", sent.extend)
    before = published("alert.opened")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish("alert.opened", {"meter": "M-1"}, users=[4, 4, 5], tenants=[7], platform=True)
        rows = list(LiveEvent.objects.order_by("id").values_list("audience", "kind", "data"))

    assert rows == [
        ("user:4", "alert.opened", {"meter": "M-1"}),
        ("user:5", "alert.opened", {"meter": "M-1"}),
        ("tenant:7", "alert.opened", {"meter": "M-1"}),
        ("platform", "alert.opened", {"meter": "M-1"}),
    ]
    assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert [group for group, _ in sent] == ["user.4", "user.5", "tenant.7", "platform"]
    assert published("alert.opened") == before + 4


@pytest.mark.django_db
def test_data_is_stored_and_sent_as_json_gives_it_back(
    monkeypatch, django_capture_on_commit_callbacks
):
    sent: list = []
    monkeypatch.setattr(services, "deliver", sent.extend)

    with django_capture_on_commit_callbacks(execute=True):
        publish("balance.changed", {"balance": Decimal("12.50"), "at": None}, users=[1])

    row = LiveEvent.objects.get()
    assert row.data == {"balance": "12.50", "at": None}
    assert sent == [
        (
            "user.1",
            {
                "type": "live.event",
                "event": {
                    "id": row.pk,
                    "kind": "balance.changed",
                    "data": {"balance": "12.50", "at": None},
                    "at": row.created_at.isoformat(),
                },
            },
        )
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["", "Balance", "ready", "resync", "pong", "a b", "x" * 65])
def test_an_invalid_kind_is_refused_and_nothing_is_stored(kind):
    with pytest.raises(ValueError, match="Invalid live event kind"):
        publish(kind, {}, users=[1])

    assert LiveEvent.objects.count() == 0


@pytest.mark.django_db
def test_data_that_is_not_a_dict_is_refused():
    with pytest.raises(TypeError):
        publish("balance.changed", ["12.50"], users=[1])  # type: ignore[arg-type]

    assert LiveEvent.objects.count() == 0


@pytest.mark.django_db
def test_no_audience_stores_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        publish("balance.changed", {"balance": "1"})
        publish_many([])

    assert LiveEvent.objects.count() == 0
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_a_channel_layer_that_is_down_never_raises_and_keeps_the_event(caplog):
    down = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{closed_port()}/0"]},
        }
    }

    with override_settings(CHANNEL_LAYERS=down), caplog.at_level(logging.WARNING):
        publish("balance.changed", {"balance": "2.00"}, users=[3])

    assert list(LiveEvent.objects.values_list("audience", "data")) == [
        ("user:3", {"balance": "2.00"})
    ]
    warnings = [r for r in caplog.records if r.name == "core.realtime.services"]
    assert [(r.levelname, r.getMessage(), r.count) for r in warnings] == [
        ("WARNING", "live events not pushed; browsers catch up on reconnect", 1)
    ]


@pytest.mark.django_db(transaction=True)
def test_publish_many_bulk_inserts_in_one_statement():
    events = [Event("meter.reading", {"n": n}, users=[n]) for n in range(1, 301)]

    with CaptureQueriesContext(connection) as queries:
        publish_many(events)

    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [s for s in statements if s not in {"BEGIN", "COMMIT"}] == ["INSERT"]

    assert LiveEvent.objects.count() == 300
    assert set(LiveEvent.objects.values_list("audience", flat=True)) == {
        f"user:{n}" for n in range(1, 301)
    }


@pytest.mark.django_db
def test_prune_deletes_only_old_events_and_moves_the_mark():
    publish("balance.changed", {"n": 1}, users=[1])
    publish("balance.changed", {"n": 2}, users=[1])
    two_hours_ago = timezone.now() - timedelta(hours=2)
    LiveEvent.objects.update(created_at=two_hours_ago)
    old_ids = sorted(LiveEvent.objects.values_list("id", flat=True))
    publish("balance.changed", {"n": 3}, users=[1])
    before = timezone.now()

    deleted = prune_live_events()

    after = timezone.now()
    assert deleted == 2
    assert list(LiveEvent.objects.values_list("data", flat=True)) == [{"n": 3}]
    mark = LivePruneMark.objects.get()
    assert mark.pk == 1
    assert mark.through_id == old_ids[-1]
    assert before - timedelta(hours=1) <= mark.through_at <= after - timedelta(hours=1)


@pytest.mark.django_db
def test_prune_with_nothing_old_keeps_everything_and_never_moves_the_mark_back():
    publish("balance.changed", {"n": 1}, users=[1])
    LivePruneMark.objects.create(pk=1, through_id=10_000, through_at=timezone.now())
    mark_before = LivePruneMark.objects.get()

    assert prune_live_events(older_than=timedelta(hours=1)) == 0

    assert LiveEvent.objects.count() == 1
    mark = LivePruneMark.objects.get()
    assert (mark.through_id, mark.through_at) == (10_000, mark_before.through_at)


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_any_transaction_is_sent_at_once(monkeypatch):
    sent: list = []
    monkeypatch.setattr(services, "deliver", sent.extend)

    with transaction.atomic():
        publish("job.finished", {"job": "x"}, users=[2])
        assert sent == []
    first = len(sent)
    publish("job.finished", {"job": "y"}, users=[2])

    assert first == 1
    assert [m["event"]["data"] for _, m in sent] == [{"job": "x"}, {"job": "y"}]
