"""Landing page, after-login router, portal home pages and error pages."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.accounts.roles import Role
from core.tenancy.models import TenantKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def water(tenant_factory):
    return tenant_factory(name="PDAM Tirta Asri", kind=TenantKind.WATER_AUTHORITY)


@pytest.fixture
def roadside(tenant_factory):
    return tenant_factory(
        name="RoadSide+ Trinidad",
        kind=TenantKind.ROADSIDE_OPERATOR,
        timezone="America/Port_of_Spain",
    )


def _member(user_factory, membership_factory, tenant, role, mfa_enrol=None, **user_fields):
    user = user_factory(**user_fields)
    membership_factory(user=user, tenant=tenant, role=role)
    if mfa_enrol is not None:
        mfa_enrol(user)
    return user


def test_landing_links_both_portals_sign_in_and_registration(client):
    response = client.get("/")

    content = response.content.decode()
    assert response.status_code == 200
    for href in (
        'href="/water/"',
        'href="/roadside/"',
        'href="/accounts/login/"',
        'href="/accounts/register/"',
    ):
        assert href in content
    assert 'action="/i18n/setlang/"' in content


def test_pages_carry_no_inline_styles_or_scripts(client):
    content = client.get("/").content.decode() + client.get("/accounts/login/").content.decode()

    assert "style=" not in content
    scripts = re.findall(r"<script[^>]*>", content)
    assert scripts
    assert all('src="/static/' in tag and "nonce=" in tag for tag in scripts)


@pytest.mark.parametrize("path", ["/water/", "/roadside/", "/home/"])
def test_portals_redirect_signed_out_visitors_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_an_unknown_service_is_not_a_portal(client, user_factory):
    client.force_login(user_factory())

    assert client.get("/electricity/").status_code == 404


def test_a_customer_sees_their_organisation_and_role_but_no_member_list(
    client, user_factory, membership_factory, water
):
    customer = _member(
        user_factory, membership_factory, water, Role.CUSTOMER, full_name="Agus Pratama"
    )
    _member(user_factory, membership_factory, water, Role.CUSTOMER, email="neighbour@example.id")
    client.force_login(customer)

    response = client.get("/water/?overview=1")

    content = response.content.decode()
    assert response.status_code == 200
    assert "PDAM Tirta Asri" in content
    assert "Customer" in content
    assert "neighbour@example.id" not in content
    assert [o.tenant.pk for o in response.context["overview"].organisations] == [water.pk]


def test_a_tenant_admin_sees_the_members_of_their_tenant_only(
    client, user_factory, membership_factory, mfa_enrol, water, tenant_factory
):
    admin = _member(user_factory, membership_factory, water, Role.CLIENT_ADMIN, mfa_enrol)
    _member(user_factory, membership_factory, water, Role.CUSTOMER, email="pelanggan@example.id")
    other_tenant = tenant_factory(kind=TenantKind.WATER_AUTHORITY)
    _member(
        user_factory, membership_factory, other_tenant, Role.CUSTOMER, email="foreign@example.id"
    )
    client.force_login(admin)

    response = client.get("/water/?overview=1")

    content = response.content.decode()
    organisation = response.context["overview"].organisations[0]
    assert sorted(m.user.email for m in organisation.members) == sorted(
        [admin.email, "pelanggan@example.id"]
    )
    assert "pelanggan@example.id" in content
    assert "foreign@example.id" not in content


def test_the_portal_query_count_does_not_grow_with_members(
    client, user_factory, membership_factory, mfa_enrol, water
):
    admin = _member(user_factory, membership_factory, water, Role.CLIENT_ADMIN, mfa_enrol)
    client.force_login(admin)
    client.get("/water/")
    with CaptureQueriesContext(connection) as few:
        client.get("/water/")
    for _ in range(8):
        _member(user_factory, membership_factory, water, Role.CUSTOMER)

    with CaptureQueriesContext(connection) as many:
        client.get("/water/")

    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_roadside_portal_shows_the_empty_state_to_a_water_customer(
    client, user_factory, membership_factory, water
):
    customer = _member(user_factory, membership_factory, water, Role.CUSTOMER)
    client.force_login(customer)

    response = client.get("/roadside/")

    assert response.status_code == 200
    assert b"You are not a member of any RoadSide+ TT organisation yet" in response.content
    assert response.context["overview"].organisations == []


def test_the_superadmin_sees_every_tenant_of_the_service(
    client, user_factory, mfa_enrol, water, roadside, tenant_factory
):
    second = tenant_factory(name="PDAM Tirta Makmur", kind=TenantKind.WATER_AUTHORITY)
    root = user_factory(is_superuser=True, is_staff=True)
    mfa_enrol(root)
    client.force_login(root)

    response = client.get("/water/?overview=1")

    assert [t.pk for t in response.context["overview"].platform_tenants] == [water.pk, second.pk]
    assert b"RoadSide+ Trinidad" not in response.content


def test_home_sends_a_single_service_user_to_their_portal(
    client, user_factory, membership_factory, roadside
):
    motorist = _member(user_factory, membership_factory, roadside, Role.MOTORIST)
    client.force_login(motorist)

    response = client.get("/home/")

    assert response.status_code == 302
    assert response["Location"] == "/roadside/"


def test_home_explains_what_to_do_without_any_membership(client, user_factory):
    client.force_login(user_factory())

    response = client.get("/home/")

    assert response.status_code == 200
    assert b"You are not a member of any organisation yet" in response.content


def test_home_lets_a_two_service_user_choose(
    client, user_factory, membership_factory, water, roadside
):
    user = _member(user_factory, membership_factory, water, Role.CUSTOMER)
    membership_factory(user=user, tenant=roadside, role=Role.MOTORIST)
    client.force_login(user)

    response = client.get("/home/")

    assert response.status_code == 200
    assert response.context["services"] == ["water", "roadside"]


def test_unknown_pages_render_the_branded_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"We could not find that page" in response.content


def test_the_500_and_csrf_pages_render_without_a_request_context(rf):
    from django.views.csrf import csrf_failure
    from django.views.defaults import server_error

    server = server_error(rf.get("/"))
    csrf = csrf_failure(rf.post("/"), reason="CSRF cookie not set.")

    assert server.status_code == 500
    assert b"Something went wrong on our side" in server.content
    assert csrf.status_code == 403
    assert b"This form has expired" in csrf.content


def test_a_domain_error_renders_the_error_page_with_its_code(
    client, user_factory, membership_factory, mfa_enrol, water
):
    staff = _member(user_factory, membership_factory, water, Role.CLIENT_OPERATOR, mfa_enrol)
    client.force_login(staff)

    response = client.post("/accounts/mfa/disable/", {"password": "whatever"})

    assert response.status_code == 403
    assert response.context["code"] == "permission_denied"
    assert b"<code>permission_denied</code>" in response.content


@pytest.mark.parametrize(
    ("language", "heading"),
    [("id", "Platform layanan esensial"), ("es", "Plataforma de servicios esenciales")],
)
def test_the_landing_page_speaks_the_chosen_language(client, language, heading):
    client.cookies["django_language"] = language

    with translation.override("en"):  # restore the thread's language afterwards
        response = client.get("/")

    assert f'<html lang="{language}">' in response.content.decode()
    assert heading in response.content.decode()


def test_the_water_portal_home_sends_each_person_to_their_own_workspace(
    client, user_factory, membership_factory, water, mfa_enrol
):
    customer = _member(user_factory, membership_factory, water, Role.CUSTOMER)
    operator = _member(
        user_factory, membership_factory, water, Role.CLIENT_OPERATOR, email="op@example.id"
    )
    mfa_enrol(operator)
    root = user_factory(email="root@example.id", is_superuser=True, is_staff=True)
    mfa_enrol(root)
    landed = {}
    for person in (customer, operator, root):
        client.force_login(person)
        landed[person.email] = client.get("/water/")["Location"]

    assert landed == {
        customer.email: "/water/my/",
        "op@example.id": f"/water/t/{water.pk}/",
        "root@example.id": "/water/platform/",
    }
