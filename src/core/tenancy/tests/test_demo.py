import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from core.accounts.models import Membership, User
from core.tenancy.demo import DEMO_PASSWORD, LOGINS
from core.tenancy.models import Tenant

# The core's own demo only: product seeders (DEMO_SEEDERS) are proven by their own tests.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_core_seed_only")]


@pytest.fixture
def _core_seed_only(settings):
    settings.DEMO_SEEDERS = []


def test_seed_creates_every_login_once(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out

    assert "Demo data: 5 tenants and 11 users created." in first
    assert "Demo data: 0 tenants and 0 users created." in second
    assert Tenant.objects.count() == 5
    assert User.objects.count() == len(LOGINS) == 11
    assert Membership.objects.count() == 10
    assert f"password for all: {DEMO_PASSWORD}" in second


def test_seeded_logins_can_sign_in_and_hold_their_roles():
    call_command("seed_demo")
    admin = User.objects.get(email="admin@tirta-asri.id")
    assert admin.check_password(DEMO_PASSWORD)
    assert admin.email_verified
    assert admin.role_set() == {"client_admin"}
    root = User.objects.get(email="superadmin@indowater.id")
    assert (root.is_superuser, root.role_set()) == (True, {"superadmin"})
    assert User.objects.get(email="pelanggan@tirta-asri.id").is_staff_member is False


def test_seed_keeps_a_changed_password():
    call_command("seed_demo")
    user = User.objects.get(email="motorist@roadside.tt")
    user.set_password("Changed-Pass-9!")
    user.save()
    call_command("seed_demo")
    user.refresh_from_db()
    assert user.check_password("Changed-Pass-9!")


def test_seed_refuses_production_settings():
    with override_settings(DEMO_SEED_ALLOWED=False):
        with pytest.raises(CommandError, match="never seeded"):
            call_command("seed_demo")
    assert Tenant.objects.count() == 0


def test_production_inherits_the_refusal():
    from config.settings import base

    production = (base.BASE_DIR / "config" / "settings" / "production.py").read_text()
    assert base.DEMO_SEED_ALLOWED is False
    assert "DEMO_SEED_ALLOWED" not in production
