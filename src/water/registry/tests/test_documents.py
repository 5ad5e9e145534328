"""Property documents: multipart upload checked by magic bytes, listing and removal."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from core.audit.models import AuditEvent
from water.registry import actions
from water.registry.models import PropertyDocument
from water.registry.tests.factories import PropertyDocumentFactory, PropertyFactory

W = "/api/v1/water"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


def _url(prop, suffix: str = "") -> str:
    return f"{W}/tenants/{prop.tenant_id}/properties/{prop.pk}/documents{suffix}"


def _stored_files(path: str = "") -> set[str]:
    if path and not default_storage.exists(path):
        return set()
    folders, files = default_storage.listdir(path)
    found = {f"{path}/{name}".lstrip("/") for name in files}
    for folder in folders:
        found |= _stored_files(f"{path}/{folder}".lstrip("/"))
    return found


def _file(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(
    ("data", "declared", "proven"),
    [
        (PDF, "application/pdf", "application/pdf"),
        (PNG, "application/pdf", "image/png"),
        (JPEG, "text/plain", "image/jpeg"),
    ],
)
def test_upload_stores_the_type_the_bytes_prove(data, declared, proven, client_a, operator, api):
    prop = PropertyFactory(tenant=client_a.tenant)

    response = api(operator).upload(
        _url(prop),
        {
            "document_type": "ownership_certificate",
            "file": _file("../../sertifikat", data, declared),
        },
    )

    assert response.status_code == 201, response.content
    document = PropertyDocument.objects.get()
    assert (document.content_type, document.size_bytes, document.original_name) == (
        proven,
        len(data),
        "sertifikat",
    )
    assert document.uploaded_by_id == operator.pk
    assert default_storage.open(document.file.name).read() == data
    assert document.file.name in _stored_files()
    assert "sertifikat" not in document.file.name
    assert AuditEvent.objects.filter(action=actions.PROPERTY_DOCUMENT_ADDED).count() == 1


def test_a_pdf_that_is_really_html_is_refused(client_a, operator, api):
    prop = PropertyFactory(tenant=client_a.tenant)
    html = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    stored = _stored_files()

    response = api(operator).upload(
        _url(prop), {"document_type": "photo", "file": _file("bukti.pdf", html, "application/pdf")}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "file",
        "message": "Only PDF, JPEG and PNG files are accepted.",
        "code": "unsupported_file_type",
    }
    assert not PropertyDocument.objects.exists()
    assert _stored_files() == stored


def test_files_over_5_mb_are_refused(client_a, operator, api):
    prop = PropertyFactory(tenant=client_a.tenant)
    big = PDF + b"0" * (5 * 1024 * 1024)

    response = api(operator).upload(
        _url(prop), {"document_type": "photo", "file": _file("big.pdf", big, "application/pdf")}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "file_too_large"
    assert not PropertyDocument.objects.exists()


def test_upload_without_a_file_or_type_names_the_field(client_a, operator, api):
    prop = PropertyFactory(tenant=client_a.tenant)

    no_file = api(operator).upload(_url(prop), {"document_type": "photo"})
    no_type = api(operator).upload(_url(prop), {"file": _file("a.png", PNG, "image/png")})

    assert no_file.json()["errors"][0]["field"] == "file"
    assert no_type.json()["errors"][0]["field"] == "document_type"
    assert (no_file.status_code, no_type.status_code) == (422, 422)
    assert not PropertyDocument.objects.exists()


def test_approved_property_documents_are_frozen(client_a, admin, api):
    prop = PropertyFactory(tenant=client_a.tenant, verification_status="approved")
    kept = PropertyDocumentFactory(property=prop)

    upload = api(admin).upload(
        _url(prop), {"document_type": "photo", "file": _file("a.png", PNG, "image/png")}
    )
    removal = api(admin).delete(_url(prop, f"/{kept.pk}"))

    assert (upload.status_code, removal.status_code) == (409, 409)
    assert upload.json()["code"] == "invalid_transition"
    assert list(PropertyDocument.objects.all()) == [kept]
    assert default_storage.exists(kept.file.name)


def test_documents_are_listed_and_removed_with_their_file(client_a, operator, api):
    prop = PropertyFactory(tenant=client_a.tenant, verification_status="needs_update")
    first, second = PropertyDocumentFactory.create_batch(2, property=prop)
    PropertyDocumentFactory(property=PropertyFactory(tenant=client_a.tenant))

    listed = api(operator).get(_url(prop))
    removed = api(operator).delete(_url(prop, f"/{first.pk}"))

    assert [d["id"] for d in listed.json()["items"]] == [first.pk, second.pk]
    assert removed.status_code == 204
    assert not PropertyDocument.objects.filter(pk=first.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_removed_document_file_leaves_storage_after_commit(client_a, operator, api):
    prop = PropertyFactory(tenant=client_a.tenant)
    document = PropertyDocumentFactory(property=prop)
    name = document.file.name

    response = api(operator).delete(_url(prop, f"/{document.pk}"))

    assert response.status_code == 204
    assert not default_storage.exists(name)


def test_another_tenants_documents_are_not_found(client_a, client_b, admin, api):
    foreign = PropertyDocumentFactory(property=PropertyFactory(tenant=client_b.tenant))
    wrong_tenant = f"{W}/tenants/{client_a.tenant_id}/properties/{foreign.property_id}/documents"

    listed = api(admin).get(wrong_tenant)
    removed = api(admin).delete(f"{wrong_tenant}/{foreign.pk}")
    uploaded = api(admin).upload(
        wrong_tenant, {"document_type": "photo", "file": _file("a.png", PNG, "image/png")}
    )

    assert [r.status_code for r in (listed, removed, uploaded)] == [404, 404, 404]
    assert list(PropertyDocument.objects.all()) == [foreign]
