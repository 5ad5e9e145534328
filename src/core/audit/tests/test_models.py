import pytest
from django.db import DatabaseError, connection, transaction

from core.audit import actions
from core.audit.models import AppendOnlyError, AuditEvent
from core.audit.services import audit_record


def _snapshot():
    return list(AuditEvent.objects.values_list("seq", "action", "data", "hash"))


@pytest.fixture
def two_events():
    return [
        audit_record(action=actions.LOGIN_SUCCEEDED, actor_email="a@example.test"),
        audit_record(action=actions.LOGOUT, actor_email="a@example.test"),
    ]


@pytest.mark.django_db
def test_saving_an_existing_event_is_refused(two_events):
    before = _snapshot()
    event = AuditEvent.objects.get(seq=1)
    event.action = "forged"

    with pytest.raises(AppendOnlyError, match="append-only"):
        event.save()

    assert _snapshot() == before


@pytest.mark.django_db
def test_deleting_an_event_is_refused(two_events):
    before = _snapshot()

    with pytest.raises(AppendOnlyError, match="append-only"):
        AuditEvent.objects.get(seq=1).delete()

    assert _snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "operation", [lambda qs: qs.update(action="forged"), lambda qs: qs.delete()]
)
def test_queryset_update_and_delete_are_refused(two_events, operation):
    before = _snapshot()

    with pytest.raises(AppendOnlyError, match="append-only"):
        operation(AuditEvent.objects.filter(seq=1))

    assert _snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "operation",
    [
        lambda: AuditEvent._base_manager.filter(seq=1).update(action="forged"),
        lambda: AuditEvent._base_manager.filter(seq=1).delete(),
    ],
)
def test_the_database_refuses_orm_writes_that_skip_the_model_guard(two_events, operation):
    before = _snapshot()

    with pytest.raises(DatabaseError, match="audit log is append-only"), transaction.atomic():
        operation()

    assert _snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'forged' WHERE seq = 1",
        "UPDATE audit_auditevent SET data = '{}'",
        "DELETE FROM audit_auditevent WHERE seq = 2",
    ],
)
def test_the_database_refuses_raw_update_and_delete(two_events, sql):
    # given the database in use (SQLite or PostgreSQL) carries the append-only triggers
    before = _snapshot()

    # when / then
    with (
        pytest.raises(DatabaseError, match="audit log is append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert _snapshot() == before


@pytest.mark.django_db
def test_the_database_refuses_wiping_the_table(two_events):
    # given PostgreSQL's TRUNCATE, or SQLite's whole-table DELETE (it has no TRUNCATE)
    wipe = {"postgresql": "TRUNCATE audit_auditevent"}.get(
        connection.vendor, "DELETE FROM audit_auditevent"
    )
    before = _snapshot()

    with (
        pytest.raises(DatabaseError, match="audit log is append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(wipe)

    assert _snapshot() == before


@pytest.mark.django_db
def test_str_names_seq_and_action(two_events):
    assert str(two_events[1]) == "#2 auth.logout"
