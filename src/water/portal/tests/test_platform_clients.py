"""Water authorities on the platform: list, create, suspend / reactivate, service fee."""

from __future__ import annotations

import pytest

from core.audit.models import AuditEvent
from core.tenancy.models import Tenant, TenantStatus
from tests.factories import TenantFactory, UserFactory
from water.registry.models import Client, ClientStatus, ServiceFeeType
from water.tests.factories import ClientFactory, CustomerFactory, MeterFactory
from water.tests.helpers import authority

pytestmark = pytest.mark.django_db

LIST = "/water/platform/clients/"
NEW = "/water/platform/clients/new/"


@pytest.fixture
def root(client, mfa_enrol):
    user = UserFactory(email="root@platform.test", is_superuser=True, is_staff=True)
    mfa_enrol(user)
    client.force_login(user)
    return user


def _new_form(**fields):
    return {
        "name": "PDAM Tirta Kahuripan",
        "slug": "pdam-tirta-kahuripan",
        "legal_name": "Perumda Air Minum Tirta Kahuripan",
        "npwp": "01.234.567.8-901.000",
        "timezone": "Asia/Jakarta",
        "contact_name": "Siti Rahayu",
        "contact_email": "siti@tirtakahuripan.test",
        "contact_phone": "0812 3456 7890",
        "city": "Bogor",
        "province": "Jawa Barat",
        **fields,
    }


def _client(slug, name, *, city="", status=ClientStatus.ACTIVE, tz="Asia/Jakarta"):
    tenant = TenantFactory(slug=slug, name=name, timezone=tz)
    return ClientFactory(tenant=tenant, city=city, status=status, timezone=tz)


def test_the_list_searches_and_filters_by_status(client, root):
    _client("pdam-bandung", "PDAM Bandung", city="Bandung")
    _client("pdam-bogor", "PDAM Bogor", city="Bogor", status=ClientStatus.SUSPENDED)
    _client("pdam-medan", "PDAM Tirtanadi", city="Medan")
    html = client.get(LIST, {"q": "bo"}).content.decode()
    assert 'data-client="pdam-bogor"' in html
    assert 'data-client="pdam-bandung"' not in html
    html = client.get(LIST, {"status": "active"}).content.decode()
    assert 'data-client="pdam-bandung"' in html
    assert 'data-client="pdam-medan"' in html
    assert 'data-client="pdam-bogor"' not in html
    html = client.get(LIST, {"q": "nowhere"}).content.decode()
    assert "No water authority matches" in html


def test_the_list_pages_by_25_and_keeps_the_filters(client, root, django_assert_num_queries):
    for i in range(27):
        c = _client(f"pdam-{i:02d}", f"PDAM {i:02d}", city="Kota")
        MeterFactory(tenant=c.tenant)
        CustomerFactory(tenant=c.tenant)
    client.get(LIST)
    # session, user, roles, MFA (session policy), the count, the bell's unread count, the page
    with django_assert_num_queries(7):
        response = client.get(LIST, {"q": "kota", "status": "active"})
    html = response.content.decode()
    assert html.count("data-client=") == 25
    assert 'href="?q=kota&amp;status=active&amp;page=2"' in html
    html = client.get(LIST, {"q": "kota", "status": "active", "page": 2}).content.decode()
    assert html.count("data-client=") == 2
    assert "Page 2 of 2 · 27 rows" in html


def test_creating_a_water_authority_records_it_in_the_audit_log(client, root):
    response = client.post(NEW, _new_form())
    client_row = Client.objects.get(tenant__slug="pdam-tirta-kahuripan")
    assert response.status_code == 303
    assert response["Location"] == f"/water/platform/clients/{client_row.tenant_id}/"
    assert client_row.npwp == "012345678901000"
    assert client_row.contact_phone == "+6281234567890"
    assert client_row.tenant.kind == "water_authority"
    event = AuditEvent.objects.get(action="water.client_created")
    assert (event.actor_id, event.tenant_id) == (root.pk, client_row.tenant_id)
    assert event.data == {
        "slug": "pdam-tirta-kahuripan",
        "legal_name": "Perumda Air Minum Tirta Kahuripan",
        "timezone": "Asia/Jakarta",
    }
    page = client.get(response["Location"]).content.decode()
    assert "PDAM Tirta Kahuripan was created." in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"npwp": "12345"}, "NPWP must have 15 or 16 digits."),
        ({"contact_email": "not-an-email"}, "Enter a valid email address."),
        ({"slug": "Not A Slug"}, "Enter a valid “slug”"),
        ({"timezone": "Europe/Paris"}, "Select a valid choice."),
    ],
)
def test_refused_inputs_create_nothing(client, root, fields, message):
    response = client.post(NEW, _new_form(**fields))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Tenant.objects.count() == 0
    assert Client.objects.count() == 0
    assert AuditEvent.objects.filter(action="water.client_created").count() == 0


def test_a_taken_slug_is_refused_on_its_field(client, root):
    _client("pdam-tirta-kahuripan", "Existing")
    response = client.post(NEW, _new_form())
    assert response.status_code == 409
    assert "A tenant with this slug already exists." in response.content.decode()
    assert Client.objects.count() == 1


def test_suspending_needs_a_reason_and_is_audited(client, root):
    bogor = authority("pdam-bogor")
    url = f"/water/platform/clients/{bogor.tenant.pk}/"
    refused = client.post(url, {"form": "status", "status": "suspended", "reason": "  "})
    assert refused.status_code == 422
    bogor.client.refresh_from_db()
    assert bogor.client.status == ClientStatus.ACTIVE
    assert not AuditEvent.objects.filter(action="water.client_status_changed").exists()

    done = client.post(url, {"form": "status", "status": "suspended", "reason": "Unpaid fees"})
    assert done.status_code == 303
    bogor.client.refresh_from_db()
    bogor.tenant.refresh_from_db()
    assert (bogor.client.status, bogor.tenant.status) == ("suspended", TenantStatus.SUSPENDED)
    event = AuditEvent.objects.get(action="water.client_status_changed")
    assert event.data == {"from": "active", "to": "suspended", "reason": "Unpaid fees"}
    assert event.actor_id == root.pk
    html = client.get(url).content.decode()
    assert "Reactivate this water authority" in html


def test_setting_the_same_status_again_changes_nothing(client, root):
    bogor = authority("pdam-bogor")
    url = f"/water/platform/clients/{bogor.tenant.pk}/"
    response = client.post(url, {"form": "status", "status": "active", "reason": "Again"})
    assert response.status_code == 409
    assert "The client is already active." in response.content.decode()
    assert not AuditEvent.objects.filter(action="water.client_status_changed").exists()


def test_the_service_fee_is_saved_as_basis_points_or_rupiah(client, root):
    bogor = authority("pdam-bogor")
    url = f"/water/platform/clients/{bogor.tenant.pk}/"
    form = {"form": "fee", "service_fee_type": "percentage", "service_fee_value": "3,75"}
    assert client.post(url, form).status_code == 303
    bogor.client.refresh_from_db()
    assert (bogor.client.service_fee_type, bogor.client.service_fee_value) == ("percentage", 375)
    event = AuditEvent.objects.get(action="config.changed")
    assert event.data["before"] == {"service_fee_value": 250}
    assert event.data["after"] == {"service_fee_value": 375}
    assert "3.75 % of each top-up" in client.get(url).content.decode()

    form = {"form": "fee", "service_fee_type": "fixed", "service_fee_value": "1500"}
    assert client.post(url, form).status_code == 303
    bogor.client.refresh_from_db()
    assert (bogor.client.service_fee_type, bogor.client.service_fee_value) == (
        ServiceFeeType.FIXED,
        1500,
    )


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("percentage", "101"),
        ("percentage", "2.555"),
        ("fixed", "12.5"),
        ("fixed", "-1"),
        ("fixed", "x"),
    ],
)
def test_a_refused_fee_changes_nothing(client, root, kind, value):
    bogor = authority("pdam-bogor")
    url = f"/water/platform/clients/{bogor.tenant.pk}/"
    form = {"form": "fee", "service_fee_type": kind, "service_fee_value": value}
    assert client.post(url, form).status_code == 422
    bogor.client.refresh_from_db()
    assert (bogor.client.service_fee_type, bogor.client.service_fee_value) == ("percentage", 250)
    assert not AuditEvent.objects.filter(action="config.changed").exists()


def test_an_unknown_client_answers_404(client, root):
    assert client.get("/water/platform/clients/999999/").status_code == 404


def test_staff_of_a_client_cannot_manage_clients(client, mfa_enrol):
    bogor = authority("pdam-bogor")
    mfa_enrol(bogor.admin)
    client.force_login(bogor.admin)
    url = f"/water/platform/clients/{bogor.tenant.pk}/"
    response = client.post(url, {"form": "status", "status": "suspended", "reason": "Mine"})
    assert response.status_code == 403
    bogor.client.refresh_from_db()
    assert bogor.client.status == ClientStatus.ACTIVE
    assert client.post(NEW, _new_form()).status_code == 403
    assert Client.objects.count() == 1


def test_the_first_administrator_is_invited_with_the_authority(client, root):
    response = client.post(NEW, _new_form(admin_email="Direktur@TirtaKahuripan.test"))
    assert response.status_code == 303
    tenant = Tenant.objects.get(slug="pdam-tirta-kahuripan")
    membership = tenant.memberships.get()
    assert (membership.user.email, membership.role) == (
        "direktur@tirtakahuripan.test",
        "client_admin",
    )
    assert membership.user.has_usable_password() is False
    assert list(
        AuditEvent.objects.filter(tenant_id=tenant.pk)
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["water.client_created", "membership.added"]
