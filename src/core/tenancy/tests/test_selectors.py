import pytest

from core.errors import NotFound
from core.tenancy.selectors import tenant_get_for, tenant_list_for

pytestmark = pytest.mark.django_db


def test_members_see_only_their_tenants(membership_factory, tenant_factory):
    mine = membership_factory(role="client_admin")
    tenant_factory()
    assert list(tenant_list_for(actor=mine.user)) == [mine.tenant]
    assert tenant_get_for(actor=mine.user, tenant_id=mine.tenant_id) == mine.tenant


def test_foreign_tenant_answers_like_a_missing_one(membership_factory, tenant_factory):
    mine = membership_factory(role="client_admin")
    foreign = tenant_factory()
    with pytest.raises(NotFound) as foreign_error:
        tenant_get_for(actor=mine.user, tenant_id=foreign.pk)
    with pytest.raises(NotFound) as missing_error:
        tenant_get_for(actor=mine.user, tenant_id=10**9)
    assert (foreign_error.value.code, foreign_error.value.message) == (
        missing_error.value.code,
        missing_error.value.message,
    )


def test_superadmin_sees_every_tenant(user_factory, tenant_factory):
    first, second = tenant_factory(), tenant_factory()
    root = user_factory(is_superuser=True)
    assert set(tenant_list_for(actor=root)) == {first, second}


def test_several_roles_in_one_tenant_list_it_once(membership_factory, user_factory):
    membership = membership_factory(role="client_admin")
    membership_factory(user=membership.user, tenant=membership.tenant, role="customer")
    assert list(tenant_list_for(actor=membership.user)) == [membership.tenant]
