"""Documents supporting a property's verification (multipart upload)."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.accounts.permissions import access
from core.accounts.roles import Role
from core.api.schemas import Page, PageIn, page_of
from water.registry import schemas, selectors
from water.registry.api._common import actor
from water.registry.models import DocumentType, PropertyDocument
from water.registry.services import documents as services

router = Router(tags=["water: properties"])
STAFF = {Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR, Role.SUPERADMIN}
BASE = "/tenants/{tenant_id}/properties/{property_id}/documents"

# The body is read after the access check (so a foreign tenant answers 404, not 422); the
# OpenAPI still describes it.
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "document_type"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "PDF, JPEG or PNG, at most 5 MB",
                        },
                        "document_type": {"type": "string", "enum": DocumentType.values},
                    },
                }
            }
        },
    }
}


@router.get(BASE, response=Page[schemas.DocumentOut], summary="A property's documents")
@access(roles=STAFF, tenant_kwarg="tenant_id")
def documents_list(
    request: HttpRequest,
    tenant_id: int,
    property_id: int,
    page: Query[PageIn],
) -> dict[str, Any]:
    documents = selectors.property_document_list_for(
        actor=actor(request), tenant_id=tenant_id, property_id=property_id
    )
    return page_of(documents, page)


@router.post(
    BASE,
    response={201: schemas.DocumentOut},
    openapi_extra=_UPLOAD_BODY,
    summary="Upload a document (multipart: file, document_type) while not approved",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def documents_upload(request: HttpRequest, tenant_id: int, property_id: int) -> Status[Any]:
    document: PropertyDocument = services.property_document_upload(
        actor=actor(request),
        tenant_id=tenant_id,
        property_id=property_id,
        document_type=request.POST.get("document_type", ""),
        upload=request.FILES.get("file"),
    )
    return Status(201, document)


@router.delete(
    BASE + "/{document_id}",
    response={204: None},
    summary="Remove a document while the property is not approved",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def documents_delete(
    request: HttpRequest, tenant_id: int, property_id: int, document_id: int
) -> Status[Any]:
    services.property_document_delete(
        actor=actor(request), tenant_id=tenant_id, property_id=property_id, document_id=document_id
    )
    return Status(204, None)
