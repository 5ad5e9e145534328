from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from core.audit import actions
from core.audit.management.commands.audit_verify import Command
from core.audit.models import AuditChainHead, AuditEvent
from core.audit.services import _row_digest, audit_record
from core.audit.testing import audit_append_only_suspended


def _verify():
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def _broken():
    with pytest.raises(CommandError) as caught:
        _verify()
    return str(caught.value)


@pytest.fixture
def chain():
    """Four events; returns them in sequence order."""
    return [
        audit_record(action=actions.LOGIN_SUCCEEDED, actor_email="a@example.test", data={"n": 1}),
        audit_record(action=actions.MONEY_MOVED, actor_email="a@example.test", data={"idr": 5000}),
        audit_record(action=actions.MFA_DISABLED, actor_email="b@example.test"),
        audit_record(action=actions.LOGOUT, actor_email="b@example.test"),
    ]


def _tamper(**changes_by_seq):
    """Bypass the append-only triggers (SQLite: drop and recreate; PostgreSQL: disable)."""
    with audit_append_only_suspended():
        for seq, changes in changes_by_seq.items():
            AuditEvent._base_manager.filter(seq=int(seq.removeprefix("seq"))).update(**changes)


@pytest.mark.django_db
def test_verify_reports_ok_with_the_number_of_events(chain):
    assert _verify() == "OK: 4 events verified\n"


@pytest.mark.django_db
def test_verify_of_an_empty_log_is_ok():
    assert _verify() == "OK: 0 events verified\n"


@pytest.mark.django_db
def test_verify_names_a_row_whose_data_changed(chain):
    _tamper(seq2={"data": {"idr": 50}})

    assert _broken() == (
        f"BROKEN at seq 2 (id {chain[1].pk}): row content does not match its hash; "
        "1 events verified before it."
    )


@pytest.mark.django_db
def test_verify_names_a_row_whose_action_changed(chain):
    _tamper(seq3={"action": actions.MFA_ENABLED})

    assert _broken() == (
        f"BROKEN at seq 3 (id {chain[2].pk}): row content does not match its hash; "
        "2 events verified before it."
    )


@pytest.mark.django_db
def test_verify_names_the_row_after_a_deleted_middle_row(chain):
    with audit_append_only_suspended():
        AuditEvent._base_manager.filter(seq=2).delete()

    assert _broken() == (
        f"BROKEN at seq 3 (id {chain[2].pk}): expected seq 2 (row missing); "
        "1 events verified before it."
    )


@pytest.mark.django_db
def test_verify_names_the_first_row_of_a_reordered_chain(chain):
    # given rows 2 and 3 swapped places
    with audit_append_only_suspended():
        AuditEvent._base_manager.filter(seq=2).update(seq=99)
        AuditEvent._base_manager.filter(seq=3).update(seq=2)
        AuditEvent._base_manager.filter(seq=99).update(seq=3)

    assert _broken() == (
        f"BROKEN at seq 2 (id {chain[2].pk}): prev_hash does not match the previous row; "
        "1 events verified before it."
    )


@pytest.mark.django_db
def test_verify_names_a_row_with_a_forged_prev_hash(chain):
    _tamper(seq4={"prev_hash": chain[1].hash})

    assert _broken() == (
        f"BROKEN at seq 4 (id {chain[3].pk}): prev_hash does not match the previous row; "
        "3 events verified before it."
    )


@pytest.mark.django_db
def test_a_rehashed_forgery_breaks_the_next_link(chain):
    # given an attacker changes row 2 and recomputes its hash
    forged = AuditEvent.objects.get(seq=2)
    forged.data = {"idr": 50}
    _tamper(seq2={"data": {"idr": 50}, "hash": _row_digest(forged)})

    assert _broken() == (
        f"BROKEN at seq 3 (id {chain[2].pk}): prev_hash does not match the previous row; "
        "2 events verified before it."
    )


@pytest.mark.django_db
def test_verify_notices_rows_removed_from_the_end(chain):
    with audit_append_only_suspended():
        AuditEvent._base_manager.filter(seq__gte=3).delete()

    assert _broken() == (
        "BROKEN at seq 3 (id none (row missing)): chain head records seq 4 but the last row "
        "is seq 2 (rows missing from the end); 2 events verified before it."
    )


@pytest.mark.django_db
def test_verify_notices_a_head_that_disagrees_with_the_last_row(chain):
    AuditChainHead.objects.filter(pk=1).update(last_hash="f" * 64)

    assert _broken() == (
        f"BROKEN at seq 4 (id {chain[3].pk}): chain head hash differs from the last row's "
        "hash (rewritten); 4 events verified before it."
    )


@pytest.mark.django_db
def test_verify_exits_non_zero_from_the_command_line(chain, capsys):
    _tamper(seq1={"actor_email": "someone-else@example.test"})

    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "audit_verify"])

    assert exited.value.code == 1
    assert f"BROKEN at seq 1 (id {chain[0].pk})" in capsys.readouterr().err


@pytest.mark.django_db
def test_tampering_helper_restores_the_triggers(chain):
    _tamper(seq1={"actor_email": "x@example.test"})

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 4
