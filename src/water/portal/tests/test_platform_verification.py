"""The verification queue and a property's review: documents, approve / reject, history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.audit.models import AuditEvent
from tests.factories import UserFactory
from water.registry.models import Property, PropertyEvent, VerificationStatus
from water.registry.services.documents import property_document_upload
from water.tests.factories import PropertyFactory
from water.tests.helpers import authority

pytestmark = pytest.mark.django_db

QUEUE = "/water/platform/verification/"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def root(client, mfa_enrol):
    user = UserFactory(email="root@platform.test", is_superuser=True, is_staff=True)
    mfa_enrol(user)
    client.force_login(user)
    return user


def _waiting(tenant, code, *, status=VerificationStatus.PENDING, days=0):
    prop = PropertyFactory(tenant=tenant, code=code, verification_status=status)
    Property.objects.filter(pk=prop.pk).update(
        verification_status_changed_at=timezone.now() - dt.timedelta(days=days)
    )
    return prop


def test_the_queue_lists_waiting_properties_oldest_first_by_client(
    client, root, django_assert_num_queries
):
    bdg, bgr = authority("pdam-bandung"), authority("pdam-bogor")
    _waiting(bdg.tenant, "BDG-2", days=1)
    _waiting(bgr.tenant, "BGR-1", status=VerificationStatus.UNDER_REVIEW, days=5)
    _waiting(bdg.tenant, "BDG-1", days=3)
    _waiting(bdg.tenant, "BDG-OK", status=VerificationStatus.APPROVED, days=9)
    _waiting(bdg.tenant, "BDG-NO", status=VerificationStatus.REJECTED, days=9)
    client.get(QUEUE)
    # session, user, roles, MFA, the bell, the page's count, its rows, the client filter
    with django_assert_num_queries(8):
        html = client.get(QUEUE).content.decode()
    codes = [c for c in ("BGR-1", "BDG-1", "BDG-2") if f'data-property="{c}"' in html]
    assert codes == ["BGR-1", "BDG-1", "BDG-2"]
    assert html.index('data-property="BGR-1"') < html.index('data-property="BDG-1"')
    assert html.index('data-property="BDG-1"') < html.index('data-property="BDG-2"')
    assert "BDG-OK" not in html
    assert "BDG-NO" not in html
    html = client.get(QUEUE, {"tenant": bdg.tenant.pk}).content.decode()
    assert html.count("data-property=") == 2
    assert "BGR-1" not in html


def test_an_empty_queue_says_so(client, root):
    assert "The queue is empty" in client.get(QUEUE).content.decode()


def test_the_review_shows_documents_and_serves_them(client, root):
    bdg = authority("pdam-bandung")
    prop = _waiting(bdg.tenant, "BDG-1")
    upload = SimpleUploadedFile("sertifikat.pdf", PDF, content_type="application/pdf")
    document = property_document_upload(
        actor=root,
        tenant_id=bdg.tenant.pk,
        property_id=prop.pk,
        document_type="ownership_certificate",
        upload=upload,
    )
    html = client.get(f"{QUEUE}{prop.pk}/").content.decode()
    link = f"/water/platform/verification/{prop.pk}/documents/{document.pk}/"
    assert link in html
    assert "Ownership certificate" in html
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="sertifikat.pdf"'
    assert b"".join(response.streaming_content) == PDF
    other = _waiting(bdg.tenant, "BDG-2")
    wrong = f"/water/platform/verification/{other.pk}/documents/{document.pk}/"
    assert client.get(wrong).status_code == 404


def test_start_review_then_approve_moves_the_state_and_records_history(client, root):
    bdg = authority("pdam-bandung")
    prop = _waiting(bdg.tenant, "BDG-1")
    url = f"{QUEUE}{prop.pk}/"
    assert client.post(url, {"action": "start_review"}).status_code == 303
    response = client.post(url, {"action": "approve", "notes": "Certificate matches"})
    assert response.status_code == 303
    assert response["Location"] == url
    prop.refresh_from_db()
    assert prop.verification_status == VerificationStatus.APPROVED
    assert list(
        PropertyEvent.objects.filter(property=prop).values_list(
            "action", "from_status", "to_status", "actor_id"
        )
    ) == [
        ("start_review", "pending", "under_review", root.pk),
        ("approve", "under_review", "approved", root.pk),
    ]
    audited = AuditEvent.objects.filter(action="water.property_verification").order_by("seq")
    assert [e.data["to"] for e in audited] == ["under_review", "approved"]
    html = client.get(url).content.decode()
    assert "The property was approved." in html
    assert 'data-status="approved"' in html


def test_rejecting_needs_a_reason(client, root):
    bdg = authority("pdam-bandung")
    prop = _waiting(bdg.tenant, "BDG-1", status=VerificationStatus.UNDER_REVIEW)
    url = f"{QUEUE}{prop.pk}/"
    refused = client.post(url, {"action": "reject", "notes": "   "})
    assert refused.status_code == 422
    assert "Give the reason or the changes needed." in refused.content.decode()
    prop.refresh_from_db()
    assert prop.verification_status == VerificationStatus.UNDER_REVIEW
    assert not PropertyEvent.objects.exists()

    assert client.post(url, {"action": "reject", "notes": "Not our area"}).status_code == 303
    prop.refresh_from_db()
    assert (prop.verification_status, prop.verification_notes) == ("rejected", "Not our area")
    event = PropertyEvent.objects.get(property=prop)
    assert (event.action, event.notes) == ("reject", "Not our area")


def test_a_step_the_state_does_not_allow_changes_nothing(client, root):
    bdg = authority("pdam-bandung")
    prop = _waiting(bdg.tenant, "BDG-1")
    response = client.post(f"{QUEUE}{prop.pk}/", {"action": "approve"})
    assert response.status_code == 409
    assert "A property that is pending cannot take &#x27;approve&#x27;." in (
        response.content.decode()
    )
    prop.refresh_from_db()
    assert prop.verification_status == VerificationStatus.PENDING
    assert not PropertyEvent.objects.exists()
    assert not AuditEvent.objects.filter(action="water.property_verification").exists()


def test_client_staff_cannot_review(client, mfa_enrol):
    bdg = authority("pdam-bandung")
    prop = _waiting(bdg.tenant, "BDG-1", status=VerificationStatus.UNDER_REVIEW)
    mfa_enrol(bdg.admin)
    client.force_login(bdg.admin)
    assert client.post(f"{QUEUE}{prop.pk}/", {"action": "approve"}).status_code == 403
    prop.refresh_from_db()
    assert prop.verification_status == VerificationStatus.UNDER_REVIEW
    assert client.get(QUEUE).status_code == 403


def test_an_unknown_property_answers_404(client, root):
    assert client.get(f"{QUEUE}999999/").status_code == 404
