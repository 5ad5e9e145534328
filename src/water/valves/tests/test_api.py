"""Valves and alerts API: manual valve commands, their lifecycle, alert handling."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.audit.models import AuditEvent
from water.meters.models import MeterStatus
from water.tests.factories import AlertFactory, MeterFactory, ValveCommandFactory
from water.tests.helpers import Api, authority, tenant_url
from water.valves.models import (
    Alert,
    AlertStatus,
    CommandPriority,
    CommandStatus,
    ValveCommand,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def asri():
    return authority("asri")


@pytest.fixture
def makmur():
    return authority("makmur")


def test_operator_closes_a_valve_with_a_high_priority_audited_command(asri):
    # given
    meter = MeterFactory(tenant=asri.tenant, serial="IW-V1")
    # when
    response = Api(asri.operator).post(
        tenant_url(asri.tenant, f"/meters/{meter.pk}/valve"),
        {"action": "close", "reason": "customer asked for a shut-off"},
    )
    # then
    assert response.status_code == 202, response.content
    command = ValveCommand.objects.get()
    body = response.json()
    assert body["id"] == command.pk
    assert (body["kind"], body["status"], body["priority"]) == ("close", "pending", 30)
    assert body["requested_by_id"] == asri.operator.pk
    assert (command.priority, command.requested_by_id) == (CommandPriority.HIGH, asri.operator.pk)
    event = AuditEvent.objects.get(action="water.valve_command_requested")
    assert event.data["reason"] == "customer asked for a shut-off"
    assert event.actor_id == asri.operator.pk


def test_a_new_open_supersedes_an_undelivered_close(asri):
    meter = MeterFactory(tenant=asri.tenant)
    api, url = Api(asri.admin), tenant_url(asri.tenant, f"/meters/{meter.pk}/valve")
    api.post(url, {"action": "close", "reason": "maintenance on the main"})
    api.post(url, {"action": "open", "reason": "maintenance finished"})
    statuses = dict(ValveCommand.objects.values_list("kind", "status"))
    assert statuses == {"close": "cancelled", "open": "pending"}


@pytest.mark.parametrize(
    "body",
    [
        {"action": "close", "reason": "shut"},
        {"action": "close", "reason": "x" * 201},
        {"action": "close"},
        {"action": "explode", "reason": "a good reason"},
        {"action": "close", "reason": "a good reason", "priority": 40},
    ],
)
def test_invalid_valve_requests_are_refused_and_queue_nothing(asri, body):
    meter = MeterFactory(tenant=asri.tenant)
    response = Api(asri.admin).post(tenant_url(asri.tenant, f"/meters/{meter.pk}/valve"), body)
    assert response.status_code == 422
    assert ValveCommand.objects.count() == 0


def test_a_retired_meter_gets_no_valve_command(asri):
    meter = MeterFactory(tenant=asri.tenant, status=MeterStatus.RETIRED)
    response = Api(asri.admin).post(
        tenant_url(asri.tenant, f"/meters/{meter.pk}/valve"),
        {"action": "open", "reason": "restore supply"},
    )
    assert response.status_code == 409
    assert ValveCommand.objects.count() == 0


def test_valve_of_another_authoritys_meter_answers_404(asri, makmur):
    foreign = MeterFactory(tenant=makmur.tenant)
    response = Api(asri.admin).post(
        tenant_url(asri.tenant, f"/meters/{foreign.pk}/valve"),
        {"action": "close", "reason": "should not work"},
    )
    assert response.status_code == 404
    assert ValveCommand.objects.count() == 0


def test_a_customer_cannot_command_a_valve(asri):
    meter = MeterFactory(tenant=asri.tenant)
    response = Api(asri.customer).post(
        tenant_url(asri.tenant, f"/meters/{meter.pk}/valve"),
        {"action": "open", "reason": "I want water"},
    )
    assert response.status_code == 403
    assert ValveCommand.objects.count() == 0


def test_commands_are_listed_newest_first_with_their_lifecycle(asri, django_assert_num_queries):
    # given
    meter = MeterFactory(tenant=asri.tenant)
    old = ValveCommandFactory(meter=meter, kind="close", status=CommandStatus.ACKNOWLEDGED)
    ValveCommand.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    new = ValveCommandFactory(meter=meter, kind="open")
    ValveCommandFactory(meter=MeterFactory(tenant=asri.tenant))  # another meter's
    api, url = Api(asri.operator), tenant_url(asri.tenant, f"/meters/{meter.pk}/commands")
    api.get(url)
    # when: auth user + access membership + scope + meter exists + count + page
    with django_assert_num_queries(6):
        body = api.get(url).json()
    # then
    assert body["count"] == 2
    assert [(c["id"], c["status"]) for c in body["items"]] == [
        (new.pk, "pending"),
        (old.pk, "acknowledged"),
    ]
    assert set(body["items"][0]) >= {"sent_at", "acknowledged_at", "finished_at", "attempts"}


def test_commands_of_another_authoritys_meter_answer_404(asri, makmur):
    foreign = MeterFactory(tenant=makmur.tenant)
    ValveCommandFactory(meter=foreign)
    response = Api(asri.admin).get(tenant_url(asri.tenant, f"/meters/{foreign.pk}/commands"))
    assert response.status_code == 404


@pytest.mark.parametrize("status", [CommandStatus.PENDING, CommandStatus.SENT])
def test_pending_or_sent_commands_can_be_cancelled(asri, status):
    command = ValveCommandFactory(meter=MeterFactory(tenant=asri.tenant), status=status)
    response = Api(asri.operator).post(tenant_url(asri.tenant, f"/commands/{command.pk}/cancel"))
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    command.refresh_from_db()
    assert command.status == CommandStatus.CANCELLED
    assert command.finished_at is not None
    assert AuditEvent.objects.filter(action="water.valve_command_cancelled").count() == 1


@pytest.mark.parametrize(
    "status", [CommandStatus.ACKNOWLEDGED, CommandStatus.FAILED, CommandStatus.CANCELLED]
)
def test_finished_commands_cannot_be_cancelled(asri, status):
    command = ValveCommandFactory(meter=MeterFactory(tenant=asri.tenant), status=status)
    response = Api(asri.operator).post(tenant_url(asri.tenant, f"/commands/{command.pk}/cancel"))
    assert response.status_code == 409
    command.refresh_from_db()
    assert command.status == status
    assert not AuditEvent.objects.filter(action="water.valve_command_cancelled").exists()


def test_cancelling_another_authoritys_command_answers_404(asri, makmur):
    command = ValveCommandFactory(meter=MeterFactory(tenant=makmur.tenant))
    response = Api(asri.admin).post(tenant_url(asri.tenant, f"/commands/{command.pk}/cancel"))
    assert response.status_code == 404
    command.refresh_from_db()
    assert command.status == CommandStatus.PENDING


def test_alerts_are_filtered_and_newest_first(asri, makmur, django_assert_num_queries):
    # given
    one = MeterFactory(tenant=asri.tenant, serial="IW-A1")
    two = MeterFactory(tenant=asri.tenant, serial="IW-A2")
    oldest = AlertFactory(meter=one, kind="low_battery")
    Alert.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - timedelta(hours=3))
    leak = AlertFactory(meter=one, kind="leak", status=AlertStatus.ACKNOWLEDGED)
    Alert.objects.filter(pk=leak.pk).update(created_at=timezone.now() - timedelta(hours=2))
    newest = AlertFactory(meter=two, kind="low_battery")
    AlertFactory(meter=MeterFactory(tenant=makmur.tenant))
    api, url = Api(asri.operator), tenant_url(asri.tenant, "/alerts")
    api.get(url)
    # when / then
    with django_assert_num_queries(5):
        body = api.get(url).json()
    assert [a["id"] for a in body["items"]] == [newest.pk, leak.pk, oldest.pk]
    assert body["items"][0]["meter_serial"] == "IW-A2"
    assert [a["id"] for a in api.get(f"{url}?status=open").json()["items"]] == [
        newest.pk,
        oldest.pk,
    ]
    assert [a["id"] for a in api.get(f"{url}?kind=leak").json()["items"]] == [leak.pk]
    assert [a["id"] for a in api.get(f"{url}?meter={one.pk}").json()["items"]] == [
        leak.pk,
        oldest.pk,
    ]


def test_an_alert_is_acknowledged_then_resolved_and_both_are_audited(asri):
    # given
    alert = AlertFactory(meter=MeterFactory(tenant=asri.tenant))
    api = Api(asri.operator)
    # when
    acked = api.post(tenant_url(asri.tenant, f"/alerts/{alert.pk}/acknowledge"))
    resolved = api.post(tenant_url(asri.tenant, f"/alerts/{alert.pk}/resolve"))
    # then
    assert acked.status_code == resolved.status_code == 200
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by_id"] == asri.operator.pk
    assert resolved.json()["status"] == "resolved"
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_at is not None
    actions = list(
        AuditEvent.objects.filter(action__startswith="water.alert").values_list("action", flat=True)
    )
    assert actions == ["water.alert_acknowledged", "water.alert_resolved"]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (AlertStatus.ACKNOWLEDGED, "acknowledge"),
        (AlertStatus.RESOLVED, "acknowledge"),
        (AlertStatus.RESOLVED, "resolve"),
    ],
)
def test_invalid_alert_transitions_are_conflicts(asri, status, action):
    alert = AlertFactory(meter=MeterFactory(tenant=asri.tenant), status=status)
    response = Api(asri.admin).post(tenant_url(asri.tenant, f"/alerts/{alert.pk}/{action}"))
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    alert.refresh_from_db()
    assert alert.status == status
    assert not AuditEvent.objects.filter(action__startswith="water.alert").exists()


def test_another_authoritys_alert_answers_404(asri, makmur):
    alert = AlertFactory(meter=MeterFactory(tenant=makmur.tenant))
    response = Api(asri.admin).post(tenant_url(asri.tenant, f"/alerts/{alert.pk}/resolve"))
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_customers_cannot_read_alerts(asri):
    AlertFactory(meter=MeterFactory(tenant=asri.tenant))
    assert Api(asri.customer).get(tenant_url(asri.tenant, "/alerts")).status_code == 403
