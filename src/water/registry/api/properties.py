"""Properties of a client and their verification."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.accounts.permissions import access
from core.accounts.roles import Role
from core.api.schemas import Page, PageIn, page_of
from water.registry import schemas, selectors
from water.registry.api._common import actor, changes_of
from water.registry.models import Property
from water.registry.services import properties as services
from water.registry.services.verification import property_verification_transition

router = Router(tags=["water: properties"])
STAFF = {Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR, Role.SUPERADMIN}
BASE = "/tenants/{tenant_id}/properties"


@router.get(
    "/properties/verification-queue",
    response=Page[schemas.QueueItemOut],
    summary="Properties of every client awaiting review, the longest waiting first",
)
@access(roles={Role.SUPERADMIN})
def verification_queue(request: HttpRequest, page: Query[PageIn]) -> dict[str, Any]:
    queue = selectors.property_verification_queue(actor=actor(request))
    return page_of(queue, page)


@router.get(BASE, response=Page[schemas.PropertyOut], summary="The client's properties")
@access(roles=STAFF, tenant_kwarg="tenant_id")
def properties_list(
    request: HttpRequest,
    tenant_id: int,
    filters: Query[schemas.PropertyFilters],
) -> dict[str, Any]:
    properties = selectors.property_list_for(
        actor=actor(request),
        tenant_id=tenant_id,
        status=filters.verification_status,
        q=filters.q,
    )
    return page_of(properties, filters)


@router.post(BASE, response={201: schemas.PropertyOut}, summary="Register a property")
@access(roles=STAFF, tenant_kwarg="tenant_id")
def properties_create(
    request: HttpRequest, tenant_id: int, payload: schemas.PropertyIn
) -> Status[Any]:
    prop = services.property_create(
        actor=actor(request), tenant_id=tenant_id, **payload.model_dump()
    )
    return Status(201, prop)


@router.get(BASE + "/{property_id}", response=schemas.PropertyOut, summary="One property")
@access(roles=STAFF, tenant_kwarg="tenant_id")
def property_get(request: HttpRequest, tenant_id: int, property_id: int) -> Property:
    return selectors.property_get_for(
        actor=actor(request), tenant_id=tenant_id, property_id=property_id
    )


@router.patch(
    BASE + "/{property_id}",
    response=schemas.PropertyOut,
    summary="Edit a property (a new address sends an approved one back to pending)",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def property_update(
    request: HttpRequest, tenant_id: int, property_id: int, payload: schemas.PropertyUpdateIn
) -> Property:
    changes = changes_of(payload, nullable=frozenset({"latitude", "longitude"}))
    return services.property_update(
        actor=actor(request), tenant_id=tenant_id, property_id=property_id, changes=changes
    )


@router.delete(
    BASE + "/{property_id}", response={204: None}, summary="Remove a property without meters"
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def property_delete(request: HttpRequest, tenant_id: int, property_id: int) -> Status[Any]:
    services.property_delete(actor=actor(request), tenant_id=tenant_id, property_id=property_id)
    return Status(204, None)


def _verification(request: HttpRequest, tenant_id: int, property_id: int) -> dict[str, Any]:
    events = selectors.property_event_list_for(
        actor=actor(request), tenant_id=tenant_id, property_id=property_id
    )
    prop = selectors.property_get_for(
        actor=actor(request), tenant_id=tenant_id, property_id=property_id
    )
    return {"property": prop, "events": list(events)}


@router.get(
    BASE + "/{property_id}/verification",
    response=schemas.VerificationOut,
    summary="A property's verification status and history",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def verification_get(request: HttpRequest, tenant_id: int, property_id: int) -> dict[str, Any]:
    return _verification(request, tenant_id, property_id)


@router.post(
    BASE + "/{property_id}/verification",
    response=schemas.VerificationOut,
    summary="Review (superadmin: start_review, approve, reject, request_update) or resubmit",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def verification_act(
    request: HttpRequest, tenant_id: int, property_id: int, payload: schemas.VerificationIn
) -> dict[str, Any]:
    property_verification_transition(
        actor=actor(request),
        tenant_id=tenant_id,
        property_id=property_id,
        action=payload.action,
        notes=payload.notes,
    )
    return _verification(request, tenant_id, property_id)
