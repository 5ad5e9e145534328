import pytest
from django.core.management import CommandError, call_command

from core.audit.models import AuditEvent
from core.audit.services import audit_chain_verify

pytestmark = pytest.mark.django_db


def test_grant_sets_the_flags_and_audits_once(user_factory, capsys):
    user = user_factory(email="ops@example.test")

    call_command("platform_admin", "grant", "OPS@example.test")
    call_command("platform_admin", "grant", "ops@example.test")

    user.refresh_from_db()
    assert (user.is_superuser, user.is_staff) == (True, True)
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Changed: ops@example.test is a platform superadmin.",
        "Unchanged: ops@example.test is a platform superadmin.",
    ]
    events = list(AuditEvent.objects.filter(action="platform.admin_changed"))
    assert [(e.target_id, e.data, e.actor_email) for e in events] == [
        (str(user.pk), {"granted": True, "email": "ops@example.test"}, "operator@console")
    ]
    assert audit_chain_verify().ok


def test_revoke_removes_the_flags(user_factory):
    user = user_factory(is_superuser=True, is_staff=True)
    call_command("platform_admin", "revoke", user.email)
    user.refresh_from_db()
    assert (user.is_superuser, user.is_staff) == (False, False)


def test_unknown_email_changes_nothing():
    with pytest.raises(CommandError, match="No user with email nobody@example.test"):
        call_command("platform_admin", "grant", "nobody@example.test")
    assert AuditEvent.objects.count() == 0
