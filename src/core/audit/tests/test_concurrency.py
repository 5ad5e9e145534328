import threading

import pytest
from django.db import connection, connections, transaction

from core.audit import actions
from core.audit.models import AuditChainHead, AuditEvent
from core.audit.services import audit_chain_verify, audit_record

WRITERS = 8
EVENTS_EACH = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_valid_chain(audit_flushable):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks")
    # given writers released at the same moment, each with its own connection
    start, errors = threading.Barrier(WRITERS), []

    def write(writer):
        try:
            start.wait()
            for n in range(EVENTS_EACH):
                with transaction.atomic():
                    audit_record(action=actions.MONEY_MOVED, data={"writer": writer, "n": n})
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    total = WRITERS * EVENTS_EACH
    assert errors == []
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, total + 1))
    report = audit_chain_verify()
    assert (report.ok, report.checked) == (True, total)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.last_hash) == (total, AuditEvent.objects.get(seq=total).hash)
    written = sorted((e.data["writer"], e.data["n"]) for e in AuditEvent.objects.all())
    assert written == [(w, n) for w in range(WRITERS) for n in range(EVENTS_EACH)]
