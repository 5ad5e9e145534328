import pytest

from core.accounts.permissions import AUTHENTICATED, PUBLIC, ROLES, access, policy_of
from core.accounts.roles import ADMIN_ROLES, Role
from core.errors import NotAuthenticated, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


class _Req:
    def __init__(self, user=None):
        self.user = user


@access(roles={Role.CLIENT_ADMIN, Role.SUPERADMIN}, tenant_kwarg="tenant_id")
def _tenant_view(request, tenant_id):
    return f"ok {tenant_id}"


@access(roles={Role.SUPERADMIN})
def _platform_view(request):
    return "ok"


def test_access_declares_exactly_one_kind():
    with pytest.raises(ValueError, match="exactly one"):
        access(public=True, authenticated=True)
    with pytest.raises(ValueError, match="exactly one"):
        access()


def test_policy_is_readable_through_the_wrapper():
    policy = policy_of(_tenant_view)
    assert policy.kind == ROLES
    assert policy.roles == frozenset({Role.CLIENT_ADMIN, Role.SUPERADMIN})
    assert policy.tenant_kwarg == "tenant_id"
    assert policy_of(access(public=True)(lambda r: r)).kind == PUBLIC
    assert policy_of(access(authenticated=True)(lambda r: r)).kind == AUTHENTICATED
    assert policy_of(lambda r: r) is None


def test_anonymous_is_not_authenticated():
    with pytest.raises(NotAuthenticated):
        _tenant_view(_Req(), tenant_id=1)


def test_member_with_allowed_role_in_that_tenant_passes(membership_factory):
    membership = membership_factory(role=Role.CLIENT_ADMIN)
    assert _tenant_view(_Req(membership.user), tenant_id=membership.tenant_id) == (
        f"ok {membership.tenant_id}"
    )


def test_other_tenant_answers_not_found(membership_factory, tenant_factory):
    membership = membership_factory(role=Role.CLIENT_ADMIN)
    foreign = tenant_factory()
    with pytest.raises(NotFound):
        _tenant_view(_Req(membership.user), tenant_id=foreign.pk)


def test_wrong_role_in_the_tenant_is_denied(membership_factory):
    membership = membership_factory(role=Role.CUSTOMER)
    with pytest.raises(PermissionDenied):
        _tenant_view(_Req(membership.user), tenant_id=membership.tenant_id)


def test_superadmin_passes_where_admitted_and_only_there(user_factory, tenant_factory):
    root = user_factory(is_superuser=True)
    tenant = tenant_factory()
    assert _tenant_view(_Req(root), tenant_id=tenant.pk) == f"ok {tenant.pk}"
    assert _platform_view(_Req(root)) == "ok"


def test_platform_route_denies_tenant_admins(membership_factory):
    membership = membership_factory(role=Role.CLIENT_ADMIN)
    with pytest.raises(PermissionDenied):
        _platform_view(_Req(membership.user))


def test_admin_roles_are_the_three_tenant_administrators():
    assert ADMIN_ROLES == {Role.CLIENT_ADMIN, Role.ROADSIDE_ADMIN, Role.PARTNER_ADMIN}
