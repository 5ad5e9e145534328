"""The Django admin: platform superadmins only, and only after the two-step sign-in."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from core.accounts.roles import Role
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _admin_pages() -> list[str]:
    pages = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    return pages


def test_admin_registers_only_read_only_views():
    assert {m._meta.label for m in admin.site._registry} == {
        "audit.AuditEvent",
        "notifications.Delivery",
        "payments.Payment",
        "payments.Notification",
        "payments.Refund",
    }
    for model_admin in admin.site._registry.values():
        assert not model_admin.has_add_permission(None)
        assert not model_admin.has_change_permission(None)
        assert not model_admin.has_delete_permission(None)


@pytest.mark.parametrize("page", _admin_pages())
def test_anonymous_is_sent_to_the_portal_sign_in(client, page):
    response = client.get(page)
    assert response.status_code == 302
    # The admin's own login page forwards to ours, keeping where to come back to.
    follow = client.get(response["Location"])
    assert follow.status_code == 302
    assert follow["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.CLIENT_ADMIN])
@pytest.mark.parametrize("page", _admin_pages())
def test_tenant_members_are_never_admitted(client, mfa_enrol, page, role):
    membership = MembershipFactory(role=role)
    if role != Role.CUSTOMER:
        mfa_enrol(membership.user)
    client.force_login(membership.user)
    response = client.get(page)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("page", _admin_pages())
def test_platform_superadmin_with_mfa_is_admitted(client, mfa_enrol, page):
    root = UserFactory(is_superuser=True, is_staff=True)
    mfa_enrol(root)
    client.force_login(root)
    assert client.get(page).status_code == 200


def test_admin_login_form_cannot_sign_in_with_a_password_alone(client, mfa_enrol):
    root = UserFactory(email="root@example.test", is_superuser=True, is_staff=True)
    mfa_enrol(root)

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": root.email, "password": DEFAULT_PASSWORD, "next": "/admin/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"
    assert "_auth_user_id" not in client.session
