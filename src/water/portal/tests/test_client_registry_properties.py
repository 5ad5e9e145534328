"""Staff pages of properties: list, registration, editing, documents and resubmission."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from water.registry.models import Property, PropertyDocument, PropertyEvent, VerificationStatus
from water.tests.factories import MeterFactory, PropertyFactory
from water.tests.helpers import authority

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
# Sign-in, access check, frame and header, plus one count and one page of rows.
LIST_QUERIES = 13
PENDING = VerificationStatus.PENDING


@pytest.fixture
def pdam(mfa_enrol, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path)
    world = authority("tirta")
    mfa_enrol(world.admin)
    mfa_enrol(world.operator)
    return world


def _url(world, suffix: str = "") -> str:
    return f"/water/t/{world.tenant.pk}/properties/{suffix}"


def _codes(response) -> list[str]:
    return [p.code for p in response.context["page"].object_list]


def _form_data(**overrides):
    data = {
        "code": "RMH-001",
        "name": "Rumah Ibu Sari",
        "property_type": "house",
        "address": "Jl. Cihampelas No. 112",
        "city": "Bandung",
        "province": "Jawa Barat",
        "postal_code": "40131",
        "latitude": "-6.893000",
        "longitude": "107.604000",
    }
    data.update(overrides)
    return data


def test_list_searches_and_filters_with_a_fixed_number_of_queries(
    client, pdam, django_assert_num_queries
):
    PropertyFactory(
        tenant=pdam.tenant,
        code="A-1",
        name="Kos Melati",
        address="Jl. Dago 1",
        verification_status=PENDING,
    )
    PropertyFactory(
        tenant=pdam.tenant,
        code="A-2",
        name="Ruko",
        property_type="shop_house",
        verification_status=VerificationStatus.APPROVED,
    )
    PropertyFactory(
        tenant=pdam.tenant, code="B-1", name="Gudang", city="Cimahi", verification_status=PENDING
    )
    PropertyFactory(code="A-9")  # another tenant's
    for n in range(3):
        MeterFactory(tenant=pdam.tenant, property=Property.objects.get(code="A-2"), serial=f"M{n}")
    client.force_login(pdam.operator)
    client.get(_url(pdam))

    with django_assert_num_queries(LIST_QUERIES):
        everything = client.get(_url(pdam))

    assert [(p.code, p.meter_count) for p in everything.context["page"]] == [
        ("A-1", 0),
        ("A-2", 3),
        ("B-1", 0),
    ]
    assert _codes(client.get(_url(pdam), {"q": "a-"})) == ["A-1", "A-2"]
    assert _codes(client.get(_url(pdam), {"q": "dago"})) == ["A-1"]
    assert _codes(client.get(_url(pdam), {"q": "cimahi"})) == ["B-1"]
    assert _codes(client.get(_url(pdam), {"status": "approved"})) == ["A-2"]
    assert _codes(client.get(_url(pdam), {"type": "shop_house"})) == ["A-2"]


def test_list_pages_by_25_keeping_the_filter(client, pdam, django_assert_num_queries):
    for n in range(26):
        PropertyFactory(tenant=pdam.tenant, code=f"P-{n:02d}", verification_status=PENDING)
    client.force_login(pdam.operator)
    client.get(_url(pdam))

    with django_assert_num_queries(LIST_QUERIES):
        first = client.get(_url(pdam), {"status": "pending"})
    second = client.get(_url(pdam), {"status": "pending", "page": "2"})

    assert len(_codes(first)) == 25
    assert _codes(second) == ["P-25"]
    assert "?status=pending&amp;page=2" in first.content.decode()


def test_operator_registers_a_property_pending_verification(client, pdam):
    client.force_login(pdam.operator)

    response = client.post(_url(pdam, "new/"), _form_data())

    prop = Property.objects.get()
    assert response.status_code == 303
    assert response["Location"] == _url(pdam, f"{prop.pk}/?created=1")
    assert (prop.code, prop.verification_status, str(prop.latitude)) == (
        "RMH-001",
        "pending",
        "-6.893000",
    )
    assert list(PropertyEvent.objects.values_list("action", flat=True)) == ["submitted"]


def test_property_errors_are_shown_by_the_field_and_nothing_is_stored(client, pdam):
    PropertyFactory(tenant=pdam.tenant, code="TAKEN")
    client.force_login(pdam.operator)

    half = client.post(_url(pdam, "new/"), _form_data(longitude=""))
    taken = client.post(_url(pdam, "new/"), _form_data(code="TAKEN"))

    assert half.status_code == 422
    assert half.context["form"].errors["longitude"] == ["Give latitude and longitude together."]
    assert taken.context["form"].errors["code"] == [
        "A property with this code already exists for this client."
    ]
    assert list(Property.objects.values_list("code", flat=True)) == ["TAKEN"]


def test_a_new_address_sends_an_approved_property_back_to_pending(client, pdam):
    prop = PropertyFactory(
        tenant=pdam.tenant, code="RMH-001", verification_status=VerificationStatus.APPROVED
    )
    client.force_login(pdam.operator)

    response = client.post(_url(pdam, f"{prop.pk}/"), _form_data(address="Jl. Baru 1"))

    prop.refresh_from_db()
    assert response.status_code == 303
    assert (prop.address, prop.verification_status) == ("Jl. Baru 1", "pending")
    assert list(prop.events.values_list("action", flat=True)) == ["address_changed"]


def test_detail_shows_documents_and_the_verification_history(client, pdam):
    prop = PropertyFactory(tenant=pdam.tenant, name="Kos Melati", verification_status=PENDING)
    client.force_login(pdam.operator)
    client.post(
        _url(pdam, f"{prop.pk}/documents/"),
        {"document_type": "photo", "file": SimpleUploadedFile("depan.pdf", PDF)},
    )

    response = client.get(_url(pdam, f"{prop.pk}/"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "depan.pdf" in body
    assert [d.document_type for d in response.context["documents"]] == ["photo"]


def test_upload_is_refused_for_a_file_that_is_not_pdf_jpeg_or_png(client, pdam):
    prop = PropertyFactory(tenant=pdam.tenant, verification_status=PENDING)
    client.force_login(pdam.operator)

    response = client.post(
        _url(pdam, f"{prop.pk}/documents/"),
        {"document_type": "photo", "file": SimpleUploadedFile("x.pdf", b"MZ not a pdf")},
    )

    assert response.status_code == 422
    assert response.context["document_form"].errors["file"] == [
        "Only PDF, JPEG and PNG files are accepted."
    ]
    assert PropertyDocument.objects.count() == 0


def test_upload_is_refused_once_the_property_is_approved(client, pdam):
    prop = PropertyFactory(tenant=pdam.tenant, verification_status=VerificationStatus.APPROVED)
    client.force_login(pdam.operator)

    response = client.post(
        _url(pdam, f"{prop.pk}/documents/"),
        {"document_type": "photo", "file": SimpleUploadedFile("a.pdf", PDF)},
    )

    assert response.status_code == 422
    assert PropertyDocument.objects.count() == 0


def test_staff_resubmit_a_rejected_property(client, pdam):
    prop = PropertyFactory(tenant=pdam.tenant, verification_status=VerificationStatus.REJECTED)
    client.force_login(pdam.operator)

    response = client.post(_url(pdam, f"{prop.pk}/resubmit/"), {"notes": "New permit attached"})

    prop.refresh_from_db()
    assert response.status_code == 303
    assert prop.verification_status == "pending"
    assert list(prop.events.values_list("action", "notes")) == [("resubmit", "New permit attached")]


def test_resubmitting_a_pending_property_is_refused_and_changes_nothing(client, pdam):
    prop = PropertyFactory(tenant=pdam.tenant, verification_status=PENDING)
    client.force_login(pdam.operator)

    response = client.post(_url(pdam, f"{prop.pk}/resubmit/"), {"notes": ""})

    prop.refresh_from_db()
    assert response.status_code == 409
    assert prop.verification_status == "pending"
    assert prop.events.count() == 0


def test_another_tenants_property_answers_404(client, pdam):
    foreign = PropertyFactory(name="Foreign")
    client.force_login(pdam.admin)

    assert client.get(_url(pdam, f"{foreign.pk}/")).status_code == 404
    response = client.post(
        _url(pdam, f"{foreign.pk}/documents/"),
        {"document_type": "photo", "file": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 404
    assert PropertyDocument.objects.count() == 0
