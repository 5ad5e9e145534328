"""The staff alerts inbox: tabs, filters, pagination, acknowledge and resolve."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.audit.models import AuditEvent
from water.tests.factories import AlertFactory, MeterFactory
from water.tests.helpers import authority
from water.valves.models import Alert, AlertStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    return authority("tirta-home")


@pytest.fixture
def other():
    return authority("tirta-other")


def _signed_in(client, user, mfa_enrol):
    mfa_enrol(user)
    client.force_login(user)
    return client


def _inbox(tenant) -> str:
    return reverse("water_portal:client_alerts", kwargs={"tenant_id": tenant.pk})


def _action(tenant, alert, action: str) -> str:
    return reverse(
        "water_portal:client_alert_action",
        kwargs={"tenant_id": tenant.pk, "alert_id": alert.pk, "action": action},
    )


def _alerts(tenant):
    meter = MeterFactory(tenant=tenant, serial=f"IW-{tenant.slug}")
    return {
        "battery": AlertFactory(meter=meter, kind="low_battery", severity="warning"),
        "leak": AlertFactory(meter=meter, kind="leak", severity="critical", message="Night flow"),
        "offline": AlertFactory(
            meter=meter, kind="offline", severity="warning", status=AlertStatus.ACKNOWLEDGED
        ),
        "tamper": AlertFactory(
            meter=meter, kind="tamper", severity="critical", status=AlertStatus.RESOLVED
        ),
    }


def _kinds(response) -> list[str]:
    return [alert.kind for alert in response.context["page"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["leak", "low_battery"]),
        ("?status=acknowledged", ["offline"]),
        ("?status=resolved", ["tamper"]),
        ("?severity=critical", ["leak"]),
        ("?kind=low_battery", ["low_battery"]),
        ("?kind=leak&severity=warning", []),
        ("?status=nonsense", ["leak", "low_battery"]),
    ],
)
def test_tabs_and_filters(query, expected, client, mfa_enrol, home, other):
    _alerts(home.tenant)
    _alerts(other.tenant)
    _signed_in(client, home.operator, mfa_enrol)

    response = client.get(_inbox(home.tenant) + query)

    assert response.status_code == 200
    assert _kinds(response) == expected


def test_pagination_keeps_the_filters(client, mfa_enrol, home):
    for _ in range(26):
        AlertFactory(meter=MeterFactory(tenant=home.tenant), severity="critical")
    _signed_in(client, home.operator, mfa_enrol)

    first = client.get(_inbox(home.tenant) + "?severity=critical")
    second = client.get(_inbox(home.tenant) + "?severity=critical&page=2")

    assert len(first.context["page"]) == 25
    assert b'href="?severity=critical&amp;page=2"' in first.content
    assert len(second.context["page"]) == 1


@pytest.mark.parametrize("alerts", [3, 30])
def test_the_inbox_costs_the_same_queries_for_3_and_30_alerts(
    alerts, client, mfa_enrol, home, django_assert_num_queries
):
    for _ in range(alerts):
        AlertFactory(meter=MeterFactory(tenant=home.tenant))
    _signed_in(client, home.operator, mfa_enrol)

    # 12 for the frame; the page: workspace, scope check, count, one page with its meters.
    with django_assert_num_queries(16):
        assert client.get(_inbox(home.tenant)).status_code == 200


def test_an_empty_inbox_says_all_is_clear(client, mfa_enrol, home):
    _signed_in(client, home.operator, mfa_enrol)

    response = client.get(_inbox(home.tenant))

    assert b"No open alerts" in response.content


def test_the_list_fragment_answers_htmx(client, mfa_enrol, home):
    _alerts(home.tenant)
    _signed_in(client, home.operator, mfa_enrol)

    response = client.get(_inbox(home.tenant), headers={"HX-Request": "true"})

    assert response.templates[0].name == "water_portal/client/alert_list.html"
    assert b"Night flow" in response.content


def test_acknowledge_then_resolve(client, mfa_enrol, home):
    leak = _alerts(home.tenant)["leak"]
    _signed_in(client, home.operator, mfa_enrol)
    back = _inbox(home.tenant) + "?severity=critical"

    response = client.post(_action(home.tenant, leak, "acknowledge"), {"next": back})

    assert response.status_code == 303
    assert response["Location"] == back
    leak.refresh_from_db()
    assert (leak.status, leak.acknowledged_by_id) == ("acknowledged", home.operator.pk)
    assert client.post(_action(home.tenant, leak, "resolve")).status_code == 303
    leak.refresh_from_db()
    assert leak.status == "resolved"
    assert list(
        AuditEvent.objects.filter(tenant_id=home.tenant.pk).values_list("action", flat=True)
    ) == ["water.alert_acknowledged", "water.alert_resolved"]


def test_acknowledging_a_resolved_alert_changes_nothing_and_says_why(client, mfa_enrol, home):
    tamper = _alerts(home.tenant)["tamper"]
    _signed_in(client, home.operator, mfa_enrol)

    response = client.post(_action(home.tenant, tamper, "acknowledge"), follow=True)

    assert b"An alert that is resolved cannot be acknowledged." in response.content
    tamper.refresh_from_db()
    assert (tamper.status, tamper.acknowledged_by_id) == ("resolved", None)
    assert not AuditEvent.objects.filter(action__startswith="water.alert").exists()


def test_an_unknown_action_or_an_outside_next_is_not_followed(client, mfa_enrol, home):
    leak = _alerts(home.tenant)["leak"]
    _signed_in(client, home.operator, mfa_enrol)

    assert client.post(_action(home.tenant, leak, "delete")).status_code == 404
    response = client.post(
        _action(home.tenant, leak, "acknowledge"), {"next": "https://evil.example/"}
    )
    assert response["Location"] == _inbox(home.tenant)


def test_customers_are_refused_and_other_tenants_cannot_touch_alerts(
    client, mfa_enrol, home, other
):
    leak = _alerts(home.tenant)["leak"]

    client.force_login(home.customer)
    assert client.get(_inbox(home.tenant)).status_code == 403
    assert client.post(_action(home.tenant, leak, "resolve")).status_code == 403
    _signed_in(client, other.operator, mfa_enrol)
    assert client.post(_action(home.tenant, leak, "resolve")).status_code == 404
    # nor through their own tenant's URL
    assert client.post(_action(other.tenant, leak, "resolve")).status_code == 404
    assert Alert.objects.get(pk=leak.pk).status == "open"
