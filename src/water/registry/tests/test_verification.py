"""The property verification state machine, its history and its audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.audit.models import AuditEvent
from water.registry import actions
from water.registry.models import Property, PropertyEvent
from water.registry.tests.factories import PropertyFactory

W = "/api/v1/water"
STATES = ["pending", "under_review", "approved", "rejected", "needs_update"]
ACTIONS = ["start_review", "approve", "reject", "request_update", "resubmit"]
# The whole table, written out: (from, action) → to. Every other pair is refused.
ALLOWED = {
    ("pending", "start_review"): "under_review",
    ("under_review", "approve"): "approved",
    ("under_review", "reject"): "rejected",
    ("under_review", "request_update"): "needs_update",
    ("needs_update", "resubmit"): "pending",
    ("rejected", "resubmit"): "pending",
}
TABLE = [(state, action, ALLOWED.get((state, action))) for state in STATES for action in ACTIONS]


def _url(prop: Property) -> str:
    return f"{W}/tenants/{prop.tenant_id}/properties/{prop.pk}/verification"


@pytest.mark.parametrize(
    ("state", "action", "expected"), TABLE, ids=[f"{s}-{a}" for s, a, _ in TABLE]
)
def test_transition_table(state, action, expected, client_a, admin, superadmin, api):
    prop = PropertyFactory(tenant=client_a.tenant, verification_status=state)
    caller = superadmin if action != "resubmit" else admin
    audit_rows = AuditEvent.objects.count()

    response = api(caller).post(_url(prop), {"action": action, "notes": "Sertifikat buram"})

    prop.refresh_from_db()
    if expected is None:
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "invalid_transition"
        assert prop.verification_status == state
        assert not PropertyEvent.objects.exists()
        assert AuditEvent.objects.count() == audit_rows
    else:
        assert response.status_code == 200, response.content
        assert prop.verification_status == expected
        event = PropertyEvent.objects.get()
        assert (event.actor_id, event.action, event.from_status, event.to_status, event.notes) == (
            caller.pk,
            action,
            state,
            expected,
            "Sertifikat buram",
        )
        audit = AuditEvent.objects.get(action=actions.PROPERTY_VERIFICATION)
        assert audit.data == {
            "action": action,
            "from": state,
            "to": expected,
            "notes": "Sertifikat buram",
        }
        assert response.json()["property"]["verification_status"] == expected


@pytest.mark.parametrize("action", ["start_review", "approve", "reject", "request_update"])
def test_only_the_superadmin_reviews(action, client_a, admin, api):
    state = "pending" if action == "start_review" else "under_review"
    prop = PropertyFactory(tenant=client_a.tenant, verification_status=state)

    response = api(admin).post(_url(prop), {"action": action, "notes": "x"})

    assert response.status_code == 403
    prop.refresh_from_db()
    assert prop.verification_status == state
    assert not PropertyEvent.objects.exists()


@pytest.mark.parametrize("action", ["reject", "request_update"])
def test_reject_and_request_update_need_notes(action, client_a, superadmin, api):
    prop = PropertyFactory(tenant=client_a.tenant, verification_status="under_review")

    response = api(superadmin).post(_url(prop), {"action": action, "notes": "   "})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "notes"
    prop.refresh_from_db()
    assert prop.verification_status == "under_review"
    assert not PropertyEvent.objects.exists()


def test_full_review_round_trip_keeps_the_history(client_a, operator, superadmin, api):
    prop = PropertyFactory(tenant=client_a.tenant)
    staff, root = api(operator), api(superadmin)

    root.post(_url(prop), {"action": "start_review"})
    root.post(_url(prop), {"action": "request_update", "notes": "Tambahkan IMB"})
    staff.patch(f"{W}/tenants/{prop.tenant_id}/properties/{prop.pk}", {"name": "Rumah Baru"})
    staff.post(_url(prop), {"action": "resubmit"})
    root.post(_url(prop), {"action": "start_review"})
    final = root.post(_url(prop), {"action": "approve"})
    history = staff.get(_url(prop))

    assert final.status_code == 200
    assert [(e["action"], e["from_status"], e["to_status"]) for e in history.json()["events"]] == [
        ("start_review", "pending", "under_review"),
        ("request_update", "under_review", "needs_update"),
        ("resubmit", "needs_update", "pending"),
        ("start_review", "pending", "under_review"),
        ("approve", "under_review", "approved"),
    ]
    assert history.json()["property"]["verification_status"] == "approved"


def test_another_tenants_property_is_not_found(client_a, client_b, admin, api):
    foreign = PropertyFactory(tenant=client_b.tenant, verification_status="rejected")

    response = api(admin).post(
        f"{W}/tenants/{client_a.tenant_id}/properties/{foreign.pk}/verification",
        {"action": "resubmit"},
    )

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.verification_status == "rejected"
    assert not PropertyEvent.objects.exists()


def test_verification_queue_lists_every_tenant_longest_waiting_first(
    client_a, client_b, superadmin, api, django_assert_num_queries
):
    now = timezone.now()
    newest = PropertyFactory(tenant=client_a.tenant, verification_status_changed_at=now)
    oldest = PropertyFactory(
        tenant=client_b.tenant, verification_status_changed_at=now - dt.timedelta(days=3)
    )
    reviewing = PropertyFactory(
        tenant=client_a.tenant,
        verification_status="under_review",
        verification_status_changed_at=now - dt.timedelta(days=1),
    )
    PropertyFactory(tenant=client_a.tenant, verification_status="approved")
    PropertyFactory(tenant=client_b.tenant, verification_status="needs_update")
    caller = api(superadmin)
    caller.get(W + "/properties/verification-queue")

    with django_assert_num_queries(3):
        response = caller.get(W + "/properties/verification-queue")

    items = response.json()["items"]
    assert [i["id"] for i in items] == [oldest.pk, reviewing.pk, newest.pk]
    assert [i["tenant_name"] for i in items] == ["PDAM B", "PDAM A", "PDAM A"]
    assert response.json()["count"] == 3
