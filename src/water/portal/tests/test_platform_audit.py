"""The audit log viewer: filters, pagination, request metadata and the chain check."""

from __future__ import annotations

import datetime as dt

import pytest

from core.audit.models import AuditEvent
from core.audit.services import audit_record
from core.audit.testing import audit_append_only_suspended
from tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/water/platform/audit/"


@pytest.fixture
def root(client, mfa_enrol):
    user = UserFactory(email="root@platform.test", is_superuser=True, is_staff=True)
    mfa_enrol(user)
    client.force_login(user)
    return user


def _seqs(html):
    return [int(part.split('"', 1)[0]) for part in html.split('data-seq="')[1:]]


def _tamper(event, **changes):
    """Change a row behind the log's back (the append-only triggers lifted for a moment)."""
    with audit_append_only_suspended():
        AuditEvent._base_manager.filter(pk=event.pk).update(**changes)


@pytest.fixture
def log(root):
    """Five events across two tenants and two actors (chain seq 1..5 after set-up rows)."""
    t1 = TenantFactory(name="PDAM Bandung", slug="pdam-bandung")
    t2 = TenantFactory(name="PDAM Bogor", slug="pdam-bogor")
    alice = UserFactory(email="alice@bandung.test")
    start = AuditEvent.objects.count()
    rows = [
        audit_record(action="water.client_created", actor=root, tenant=t1, data={"slug": "a"}),
        audit_record(action="config.changed", actor=alice, tenant=t1, data={"k": 1}),
        audit_record(action="config.changed", actor=root, tenant=t2, data={"k": 2}),
        audit_record(action="auth.login", actor=alice),
        audit_record(action="water.client_created", actor=root, tenant=t2, data={"slug": "b"}),
    ]
    return {"t1": t1, "t2": t2, "rows": rows, "start": start}


def test_events_come_newest_first_with_tenant_names(client, log):
    html = client.get(PAGE).content.decode()
    seqs = [r.seq for r in log["rows"]]
    assert _seqs(html)[:5] == sorted(seqs, reverse=True)
    assert "PDAM Bogor" in html
    assert "alice@bandung.test" in html


def test_filters_select_exact_rows(client, log):
    rows = log["rows"]
    html = client.get(PAGE, {"action": "config.changed"}).content.decode()
    assert _seqs(html) == [rows[2].seq, rows[1].seq]
    html = client.get(PAGE, {"tenant": log["t1"].pk}).content.decode()
    assert _seqs(html) == [rows[1].seq, rows[0].seq]
    html = client.get(PAGE, {"actor": "ALICE@"}).content.decode()
    assert _seqs(html) == [rows[3].seq, rows[1].seq]
    target = rows[0]
    html = client.get(
        PAGE, {"target_type": target.target_type, "target_id": target.target_id}
    ).content.decode()
    assert target.seq in _seqs(html)
    html = client.get(
        PAGE, {"action": "config.changed", "tenant": log["t2"].pk, "actor": "root@"}
    ).content.decode()
    assert _seqs(html) == [rows[2].seq]


def test_the_action_filter_offers_the_actions_that_occur(client, log):
    html = client.get(PAGE).content.decode()
    for action in ("auth.login", "config.changed", "water.client_created"):
        assert f'<option value="{action}">{action}</option>' in html


def test_the_date_range_is_whole_days_in_western_indonesia_time(client, log):
    rows = log["rows"]
    wib = dt.timezone(dt.timedelta(hours=7))
    _tamper(rows[0], created_at=dt.datetime(2026, 3, 9, 23, 30, tzinfo=wib))
    _tamper(rows[1], created_at=dt.datetime(2026, 3, 10, 0, 10, tzinfo=wib))
    _tamper(rows[2], created_at=dt.datetime(2026, 3, 11, 23, 59, tzinfo=wib))
    _tamper(rows[3], created_at=dt.datetime(2026, 3, 12, 0, 0, tzinfo=wib))
    html = client.get(PAGE, {"since": "2026-03-10", "until": "2026-03-11"}).content.decode()
    assert _seqs(html) == [rows[2].seq, rows[1].seq]
    refused = client.get(PAGE, {"since": "2026-03-11", "until": "2026-03-10"}).content.decode()
    assert "The end date is before the start date." in refused
    assert _seqs(refused) == []


def test_fifty_events_a_page(client, root, django_assert_num_queries):
    for i in range(55):
        audit_record(action="config.changed", actor=root, data={"i": i})
    first = AuditEvent.objects.filter(action="config.changed").order_by("seq").first()
    client.get(PAGE)
    # session, user, roles, MFA, the bell, tenants, actions, count, rows
    with django_assert_num_queries(9):
        html = client.get(PAGE, {"action": "config.changed"}).content.decode()
    assert len(_seqs(html)) == 50
    assert "?action=config.changed&amp;page=2" in html
    html = client.get(PAGE, {"action": "config.changed", "page": 2}).content.decode()
    assert len(_seqs(html)) == 5
    assert _seqs(html)[-1] == first.seq


def test_a_request_is_recorded_with_its_id_and_ip_and_shown(client, root):
    response = client.post(
        "/water/platform/clients/new/",
        {
            "name": "PDAM Kahuripan",
            "slug": "pdam-kahuripan",
            "legal_name": "Perumda Kahuripan",
            "npwp": "012345678901000",
            "timezone": "Asia/Jakarta",
            "contact_name": "Siti",
            "contact_email": "siti@kahuripan.test",
        },
        headers={"X-Request-ID": "req-platform-0001"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 303
    event = AuditEvent.objects.get(action="water.client_created")
    assert (event.request_id, event.ip_address) == ("req-platform-0001", "203.0.113.9")
    html = client.get(PAGE, {"action": "water.client_created"}).content.decode()
    assert "req-platform-0001" in html
    assert "203.0.113.9" in html


def test_verify_chain_reports_an_intact_chain(client, log):
    response = client.post(PAGE, {"verify": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-chain="ok"' in html
    total = AuditEvent.objects.count()
    assert f"{total} rows were checked." in html


def test_verify_chain_names_the_first_broken_row(client, log):
    broken = log["rows"][2]
    _tamper(broken, action="tampered")
    html = client.post(PAGE, {"verify": "1"}).content.decode()
    assert 'data-chain="broken"' in html
    assert f"The chain is broken at row #{broken.seq}." in html
    assert "row content does not match its hash" in html


def test_client_admins_cannot_read_the_platform_log(client, mfa_enrol):
    tenant = TenantFactory()
    admin = UserFactory()
    admin.memberships.create(tenant=tenant, role="client_admin")
    mfa_enrol(admin)
    client.force_login(admin)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"verify": "1"}).status_code == 403
