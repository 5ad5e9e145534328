"""Documents supporting a property's verification, kept in Django's default storage.

The file's type is decided by its own first bytes (PDF, JPEG or PNG), never by the name or
content type the client sent. An approved property's documents are frozen.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from core.audit.services import audit_record
from core.errors import NotFound
from water.errors import InvalidTransition, ValidationFailed
from water.registry import actions
from water.registry.models import DocumentType, Property, PropertyDocument, VerificationStatus
from water.registry.services._common import require_staff
from water.registry.validators import MAX_DOCUMENT_BYTES, document_sniff

if TYPE_CHECKING:
    from core.accounts.models import User

_SNIFF_BYTES = 16


def _invalid(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(
        message, extra={"errors": [{"field": field, "message": message, "code": code}]}
    )


def _lock_unapproved(tenant_id: int, property_id: int) -> Property:
    prop = Property.objects.select_for_update().filter(pk=property_id, tenant_id=tenant_id).first()
    if prop is None:
        raise NotFound("Property not found.")
    if prop.verification_status == VerificationStatus.APPROVED:
        raise InvalidTransition("An approved property's documents cannot change.")
    return prop


def document_files_delete_on_commit(names: Iterable[str]) -> None:
    """Remove stored files once the rows that named them are gone for good."""
    names = [name for name in names if name]

    def remove() -> None:
        for name in names:
            default_storage.delete(name)

    if names:
        transaction.on_commit(remove)


def property_document_upload(
    *,
    actor: User,
    tenant_id: int,
    property_id: int,
    document_type: str,
    upload: UploadedFile[bytes] | None,
) -> PropertyDocument:
    """Store a PDF, JPEG or PNG of at most 5 MB for a property that is not approved."""
    require_staff(actor, tenant_id)
    if document_type not in DocumentType.values:
        raise _invalid("document_type", "Unknown document type.", "invalid_choice")
    if upload is None:
        raise _invalid("file", "Attach the document as the multipart field 'file'.", "required")
    if upload.size is None or upload.size > MAX_DOCUMENT_BYTES:
        raise _invalid("file", "The file is larger than 5 MB.", "file_too_large")
    upload.seek(0)
    content_type, extension = document_sniff(upload.read(_SNIFF_BYTES))
    upload.seek(0)
    original = PurePath((upload.name or "").replace("\\", "/")).name[:200] or "document"
    stored = ""
    try:
        with transaction.atomic():
            prop = _lock_unapproved(tenant_id, property_id)
            document = PropertyDocument(
                property=prop,
                document_type=document_type,
                original_name=original,
                content_type=content_type,
                size_bytes=upload.size,
                uploaded_by=actor,
            )
            # A random stored name: the client's file name never reaches the file system.
            document.file.save(f"{secrets.token_hex(16)}.{extension}", upload, save=False)
            stored = document.file.name or ""
            document.save()
            audit_record(
                action=actions.PROPERTY_DOCUMENT_ADDED,
                actor=actor,
                tenant=tenant_id,
                target=document,
                data={"property_id": prop.pk, "document_type": document_type, "size": upload.size},
            )
    except Exception:
        if stored:
            default_storage.delete(stored)  # the row was rolled back: leave no orphan file
        raise
    return document


def property_document_delete(
    *, actor: User, tenant_id: int, property_id: int, document_id: int
) -> None:
    """Remove a document of a property that is not approved; the file goes after commit."""
    require_staff(actor, tenant_id)
    with transaction.atomic():
        prop = _lock_unapproved(tenant_id, property_id)
        document = PropertyDocument.objects.filter(pk=document_id, property=prop).first()
        if document is None:
            raise NotFound("Document not found.")
        audit_record(
            action=actions.PROPERTY_DOCUMENT_DELETED,
            actor=actor,
            tenant=tenant_id,
            target=document,
            data={"property_id": prop.pk, "document_type": document.document_type},
        )
        name = document.file.name or ""
        document.delete()
        document_files_delete_on_commit([name])
