"""Staff meter pages: the list, registering a meter, and the actions of a meter's page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.audit.models import AuditEvent
from core.payments.models import Payment
from water.billing.models import LedgerEntry, PrepaidAccount
from water.meters.devices.provisioning import token_hash
from water.meters.models import Meter, MeterStatus, ProvisioningToken, ValveState
from water.tests.factories import CustomerFactory, MeterFactory, PropertyFactory
from water.tests.helpers import authority
from water.valves.models import CommandStatus, ValveCommand

pytestmark = pytest.mark.django_db


def _signed_in(client, user, mfa_enrol):
    mfa_enrol(user)
    client.force_login(user)
    return client


def _url(name: str, tenant, **kwargs) -> str:
    return reverse(f"water_portal:{name}", kwargs={"tenant_id": tenant.pk, **kwargs})


def _serials(response) -> list[str]:
    return [row.meter.serial for row in response.context["rows"]]


@pytest.fixture
def home():
    return authority("tirta-home")


@pytest.fixture
def other():
    return authority("tirta-other")


def _fleet(tenant):
    now = timezone.now()
    sari = CustomerFactory(tenant=tenant, full_name="Sari Wulandari", customer_number="C-0042")
    budi = CustomerFactory(tenant=tenant, full_name="Budi Santoso", customer_number="C-0077")
    a = MeterFactory(
        tenant=tenant,
        serial="IW-A-001",
        customer=sari,
        valve_state=ValveState.OPEN,
        last_seen_at=now - timedelta(minutes=3),
    )
    b = MeterFactory(
        tenant=tenant,
        serial="IW-B-002",
        customer=budi,
        valve_state=ValveState.CLOSED,
        last_seen_at=now - timedelta(hours=2),
    )
    c = MeterFactory(tenant=tenant, serial="IW-C-003", status=MeterStatus.MAINTENANCE)
    PrepaidAccount.objects.create(tenant=tenant, meter=a, balance_idr=80_000)
    PrepaidAccount.objects.create(tenant=tenant, meter=b, balance_idr=4_000)
    return a, b, c


def test_the_list_shows_only_the_tenants_meters(client, mfa_enrol, home, other):
    _fleet(home.tenant)
    _fleet_other = MeterFactory(tenant=other.tenant, serial="IW-X-999")
    _signed_in(client, home.operator, mfa_enrol)

    response = client.get(_url("client_meters", home.tenant))

    assert response.status_code == 200
    assert _serials(response) == ["IW-A-001", "IW-B-002", "IW-C-003"]
    assert _fleet_other.serial.encode() not in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=b-002", ["IW-B-002"]),
        ("q=wulan", ["IW-A-001"]),
        ("q=C-0077", ["IW-B-002"]),
        ("status=maintenance", ["IW-C-003"]),
        ("valve=closed", ["IW-B-002"]),
        ("link=online", ["IW-A-001"]),
        ("link=offline", ["IW-B-002"]),
        ("link=never", ["IW-C-003"]),
        ("low_credit=1", ["IW-B-002"]),
        ("valve=open&low_credit=1", []),
        ("status=bogus", ["IW-A-001", "IW-B-002", "IW-C-003"]),
    ],
)
def test_search_and_filters(query, expected, client, mfa_enrol, home):
    _fleet(home.tenant)
    _signed_in(client, home.operator, mfa_enrol)

    response = client.get(_url("client_meters", home.tenant) + "?" + query)

    assert response.status_code == 200
    assert _serials(response) == expected


def test_an_empty_filter_result_offers_to_clear_the_filters(client, mfa_enrol, home):
    _fleet(home.tenant)
    _signed_in(client, home.operator, mfa_enrol)

    response = client.get(_url("client_meters", home.tenant) + "?q=nobody")

    assert b"No meter matches these filters" in response.content


def test_pagination_keeps_the_query_string(client, mfa_enrol, home):
    for n in range(27):
        MeterFactory(tenant=home.tenant, serial=f"IW-P-{n:03d}", valve_state=ValveState.OPEN)
    _signed_in(client, home.operator, mfa_enrol)

    first = client.get(_url("client_meters", home.tenant) + "?valve=open")
    second = client.get(_url("client_meters", home.tenant) + "?valve=open&page=2")

    assert len(first.context["rows"]) == 25
    assert b'href="?valve=open&amp;page=2"' in first.content
    assert _serials(second) == ["IW-P-025", "IW-P-026"]
    assert b"Page 2 of 2" in second.content


@pytest.mark.parametrize("meters", [3, 30])
def test_the_list_costs_the_same_queries_for_3_and_30_meters(
    meters, client, mfa_enrol, home, django_assert_num_queries
):
    for n in range(meters):
        meter = MeterFactory(
            tenant=home.tenant,
            customer=CustomerFactory(tenant=home.tenant),
            last_seen_at=timezone.now(),
        )
        PrepaidAccount.objects.create(tenant=home.tenant, meter=meter, balance_idr=n * 1_000)
    _signed_in(client, home.operator, mfa_enrol)

    # 12 for the frame; the page: workspace, scope check, count, one page with its joins.
    with django_assert_num_queries(16):
        assert client.get(_url("client_meters", home.tenant)).status_code == 200


def test_the_table_fragment_answers_htmx(client, mfa_enrol, home):
    _fleet(home.tenant)
    _signed_in(client, home.operator, mfa_enrol)

    response = client.get(_url("client_meters", home.tenant), headers={"HX-Request": "true"})

    assert response.templates[0].name == "water_portal/client/meter_table.html"
    assert b"IW-A-001" in response.content


def _register(client, tenant, **fields):
    body = {"serial": "IW-NEW-0001", "property_code": "", "customer_number": "", **fields}
    return client.post(_url("client_meter_new", tenant), body)


def test_registering_a_meter_shows_its_provisioning_token_once(client, mfa_enrol, home):
    prop = PropertyFactory(tenant=home.tenant, code="PRP-BDG-01")
    customer = CustomerFactory(tenant=home.tenant, customer_number="C-9001")
    _signed_in(client, home.operator, mfa_enrol)

    response = _register(
        client,
        home.tenant,
        property_code="prp-bdg-01",
        customer_number="C-9001",
        model="SM-200",
        install_date="2026-11-01",
    )

    assert response.status_code == 201
    meter = Meter.objects.get(serial="IW-NEW-0001")
    assert (meter.tenant_id, meter.property_id, meter.customer_id) == (
        home.tenant.pk,
        prop.pk,
        customer.pk,
    )
    assert str(meter.install_date) == "2026-11-01"
    token = response.context["issued"].token
    assert token.encode() in response.content
    assert ProvisioningToken.objects.filter(meter=meter, token_hash=token_hash(token)).count() == 1
    assert list(
        AuditEvent.objects.filter(tenant_id=home.tenant.pk).values_list("action", flat=True)
    ) == ["water.meter_registered", "water.provisioning_token_created"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"serial": "no spaces!"}, "serial", "Use letters, digits"),
        ({"serial": "IW-TAKEN"}, "serial", "already registered"),
        ({"property_code": "PRP-NOPE"}, "property_code", "No property with this code"),
        ({"customer_number": "C-NOPE"}, "customer_number", "No customer with this number"),
        ({"property_code": "PRP-OTHER"}, "property_code", "No property with this code"),
    ],
)
def test_a_refused_registration_stores_nothing(
    fields, field, message, client, mfa_enrol, home, other
):
    PropertyFactory(tenant=home.tenant, code="PRP-BDG-01")
    PropertyFactory(tenant=other.tenant, code="PRP-OTHER")
    MeterFactory(tenant=other.tenant, serial="IW-TAKEN")
    _signed_in(client, home.operator, mfa_enrol)
    before = (Meter.objects.count(), ProvisioningToken.objects.count(), AuditEvent.objects.count())

    response = _register(client, home.tenant, **{"property_code": "PRP-BDG-01", **fields})

    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors[field])
    after = (Meter.objects.count(), ProvisioningToken.objects.count(), AuditEvent.objects.count())
    assert after == before


def test_the_meter_page_tells_the_whole_story(client, mfa_enrol, home):
    a, _b, _c = _fleet(home.tenant)
    ValveCommandFactory_reason = "credit exhausted"
    ValveCommand.objects.create(
        tenant=home.tenant,
        meter=a,
        kind="close",
        reason=ValveCommandFactory_reason,
        status=CommandStatus.ACKNOWLEDGED,
        expires_at=timezone.now() + timedelta(hours=1),
        sent_at=timezone.now(),
        acknowledged_at=timezone.now(),
    )
    _signed_in(client, home.operator, mfa_enrol)

    response = client.get(_url("client_meter", home.tenant, meter_id=a.pk))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Meter IW-A-001" in html
    assert "Sari Wulandari" in html
    assert 'data-command-status="acknowledged"' in html
    assert 'id="meter-chart-data"' in html
    assert len(response.context["story"].series) == 30
    # operators do not see the admins' replace and retire actions
    assert "Retire the meter" not in html


def test_the_meter_page_fragments_answer_htmx(client, mfa_enrol, home):
    a, _b, _c = _fleet(home.tenant)
    _signed_in(client, home.operator, mfa_enrol)
    url = _url("client_meter", home.tenant, meter_id=a.pk)

    commands = client.get(url + "?part=commands", headers={"HX-Request": "true"})
    balance = client.get(url + "?part=balance", headers={"HX-Request": "true"})

    assert commands.templates[0].name == "water_portal/client/meter_commands.html"
    assert balance.templates[0].name == "water_portal/client/meter_facts.html"
    assert 'data-fact="balance">Rp 80,000<' in balance.content.decode()


def test_another_tenants_meter_answers_404(client, mfa_enrol, home, other):
    foreign = MeterFactory(tenant=other.tenant)
    _signed_in(client, home.operator, mfa_enrol)

    assert client.get(_url("client_meter", home.tenant, meter_id=foreign.pk)).status_code == 404
    response = client.post(
        _url("client_meter_valve", home.tenant, meter_id=foreign.pk),
        {"action": "close", "reason": "x"},
    )
    assert response.status_code == 404
    assert ValveCommand.objects.count() == 0


def test_closing_a_valve_queues_a_command_with_the_reason_in_the_audit_log(client, mfa_enrol, home):
    a, _b, _c = _fleet(home.tenant)
    _signed_in(client, home.operator, mfa_enrol)

    response = client.post(
        _url("client_meter_valve", home.tenant, meter_id=a.pk),
        {"action": "close", "reason": "Leak reported at the meter box"},
    )

    assert response.status_code == 303
    assert response["Location"] == _url("client_meter", home.tenant, meter_id=a.pk)
    command = ValveCommand.objects.get()
    assert (command.kind, command.status, command.reason, command.requested_by_id) == (
        "close",
        "pending",
        "Leak reported at the meter box",
        home.operator.pk,
    )
    event = AuditEvent.objects.get(action="water.valve_command_requested")
    assert (event.actor_id, event.tenant_id) == (home.operator.pk, home.tenant.pk)
    assert event.data == {
        "meter": "IW-A-001",
        "kind": "close",
        "reason": "Leak reported at the meter box",
    }


def test_a_valve_request_without_a_reason_changes_nothing(client, mfa_enrol, home):
    a, _b, _c = _fleet(home.tenant)
    _signed_in(client, home.operator, mfa_enrol)

    response = client.post(
        _url("client_meter_valve", home.tenant, meter_id=a.pk), {"action": "close", "reason": " "}
    )

    assert response.status_code == 422
    assert response.context["valve_form"].errors["reason"]
    assert ValveCommand.objects.count() == 0
    assert not AuditEvent.objects.filter(action="water.valve_command_requested").exists()


def test_a_valve_request_on_a_retired_meter_is_refused(client, mfa_enrol, home):
    retired = MeterFactory(tenant=home.tenant, status=MeterStatus.RETIRED)
    _signed_in(client, home.operator, mfa_enrol)

    response = client.post(
        _url("client_meter_valve", home.tenant, meter_id=retired.pk),
        {"action": "open", "reason": "try"},
    )

    assert response.status_code == 409
    assert b"The meter is retired." in response.content
    assert ValveCommand.objects.count() == 0


def test_a_cash_topup_credits_the_meter(client, mfa_enrol, home):
    a, _b, _c = _fleet(home.tenant)
    _signed_in(client, home.operator, mfa_enrol)

    response = client.post(
        _url("client_meter_topup", home.tenant, meter_id=a.pk),
        {"amount_idr": "25000", "reason": "Counter receipt 0192", "idempotency_key": "k-1"},
    )

    assert response.status_code == 303
    payment = Payment.objects.get()
    assert (payment.amount_minor, payment.state, payment.method) == (25_000, "settled", "cash")
    assert PrepaidAccount.objects.get(meter=a).balance_idr == 105_000
    # the same form posted twice credits once
    client.post(
        _url("client_meter_topup", home.tenant, meter_id=a.pk),
        {"amount_idr": "25000", "reason": "Counter receipt 0192", "idempotency_key": "k-1"},
    )
    assert PrepaidAccount.objects.get(meter=a).balance_idr == 105_000


@pytest.mark.parametrize(
    "body",
    [{"amount_idr": "9999", "reason": "counter"}, {"amount_idr": "50000", "reason": ""}],
)
def test_a_refused_cash_topup_changes_nothing(body, client, mfa_enrol, home):
    a, _b, _c = _fleet(home.tenant)
    _signed_in(client, home.operator, mfa_enrol)

    response = client.post(_url("client_meter_topup", home.tenant, meter_id=a.pk), body)

    assert response.status_code == 422
    assert Payment.objects.count() == 0
    assert PrepaidAccount.objects.get(meter=a).balance_idr == 80_000
    assert LedgerEntry.objects.count() == 0


def test_assigning_and_unassigning_a_customer(client, mfa_enrol, home):
    c = MeterFactory(tenant=home.tenant)
    CustomerFactory(tenant=home.tenant, customer_number="C-1234", full_name="Dewi Lestari")
    _signed_in(client, home.operator, mfa_enrol)
    url = _url("client_meter_customer", home.tenant, meter_id=c.pk)

    assert client.post(url, {"action": "assign", "customer_number": "C-NONE"}).status_code == 422
    c.refresh_from_db()
    assert c.customer_id is None
    assert client.post(url, {"action": "assign", "customer_number": "c-1234"}).status_code == 303
    c.refresh_from_db()
    assert c.customer.full_name == "Dewi Lestari"
    assert client.post(url, {"action": "unassign"}).status_code == 303
    c.refresh_from_db()
    assert c.customer_id is None


def test_only_admins_retire_or_replace(client, mfa_enrol, home):
    a, _b, _c = _fleet(home.tenant)
    _signed_in(client, home.operator, mfa_enrol)

    assert client.post(_url("client_meter_retire", home.tenant, meter_id=a.pk)).status_code == 403
    assert (
        client.post(
            _url("client_meter_replace", home.tenant, meter_id=a.pk), {"new_serial": "IW-R-1"}
        ).status_code
        == 403
    )
    a.refresh_from_db()
    assert a.status == MeterStatus.ACTIVE
    assert not Meter.objects.filter(serial="IW-R-1").exists()

    _signed_in(client, home.admin, mfa_enrol)
    response = client.post(
        _url("client_meter_replace", home.tenant, meter_id=a.pk), {"new_serial": "IW-R-1"}
    )
    new = Meter.objects.get(serial="IW-R-1")
    assert response["Location"] == _url("client_meter", home.tenant, meter_id=new.pk)
    assert PrepaidAccount.objects.get(meter=new).balance_idr == 80_000
    a.refresh_from_db()
    assert a.status == MeterStatus.RETIRED
    assert client.post(_url("client_meter_retire", home.tenant, meter_id=new.pk)).status_code == 303
    new.refresh_from_db()
    assert new.status == MeterStatus.RETIRED


def test_customers_are_refused_and_other_tenants_see_nothing(client, mfa_enrol, home, other):
    a, _b, _c = _fleet(home.tenant)

    client.force_login(home.customer)
    assert client.get(_url("client_meters", home.tenant)).status_code == 403
    assert client.get(_url("client_meter", home.tenant, meter_id=a.pk)).status_code == 403
    _signed_in(client, other.operator, mfa_enrol)
    assert client.get(_url("client_meters", home.tenant)).status_code == 404
    response = client.post(
        _url("client_meter_valve", home.tenant, meter_id=a.pk), {"action": "close", "reason": "x"}
    )
    assert response.status_code == 404
    assert ValveCommand.objects.count() == 0
