"""A client's customers, their portal access, and customers' own records."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from core.accounts.permissions import access
from core.accounts.roles import Role
from core.api.schemas import Page, PageIn, page_of
from water.registry import schemas, selectors
from water.registry.api._common import actor, changes_of
from water.registry.models import Customer
from water.registry.services import customers as services
from water.registry.validators import nik_mask

router = Router(tags=["water: customers"])
STAFF = {Role.CLIENT_ADMIN, Role.CLIENT_OPERATOR, Role.SUPERADMIN}
ADMINS = {Role.CLIENT_ADMIN, Role.SUPERADMIN}
BASE = "/tenants/{tenant_id}/customers"


def customer_out(customer: Customer, *, reveal_nik: bool = False) -> dict[str, Any]:
    """A customer as the API shows it; NIK masked unless `reveal_nik`."""
    return {
        "id": customer.pk,
        "tenant_id": customer.tenant_id,
        "customer_number": customer.customer_number,
        "full_name": customer.full_name,
        "email": customer.email,
        "phone": customer.phone,
        "nik": customer.nik if reveal_nik else nik_mask(customer.nik),
        "address": customer.address,
        "customer_class": customer.customer_class,
        "status": customer.status,
        "has_portal_account": customer.user_id is not None,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


@router.get(BASE, response=Page[schemas.CustomerOut], summary="The client's customers")
@access(roles=STAFF, tenant_kwarg="tenant_id")
def customers_list(
    request: HttpRequest,
    tenant_id: int,
    filters: Query[schemas.CustomerFilters],
) -> dict[str, Any]:
    customers = selectors.customer_list_for(
        actor=actor(request),
        tenant_id=tenant_id,
        q=filters.q,
        nik=filters.nik,
        status=filters.status,
    )
    return page_of(customers, filters, item=customer_out)


@router.post(BASE, response={201: schemas.CustomerOut}, summary="Register a customer")
@access(roles=STAFF, tenant_kwarg="tenant_id")
def customers_create(
    request: HttpRequest, tenant_id: int, payload: schemas.CustomerIn
) -> Status[Any]:
    customer = services.customer_create(
        actor=actor(request), tenant_id=tenant_id, **payload.model_dump()
    )
    return Status(201, customer_out(customer))


@router.get(
    BASE + "/{customer_id}",
    response=schemas.CustomerOut,
    summary="One customer (the client's administrators see the whole NIK)",
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def customer_get(request: HttpRequest, tenant_id: int, customer_id: int) -> dict[str, Any]:
    caller = actor(request)
    customer = selectors.customer_get_for(
        actor=caller, tenant_id=tenant_id, customer_id=customer_id
    )
    reveal = selectors.actor_holds(caller, tenant_id, {Role.CLIENT_ADMIN})
    return customer_out(customer, reveal_nik=reveal)


@router.patch(BASE + "/{customer_id}", response=schemas.CustomerOut, summary="Edit a customer")
@access(roles=STAFF, tenant_kwarg="tenant_id")
def customer_update(
    request: HttpRequest, tenant_id: int, customer_id: int, payload: schemas.CustomerUpdateIn
) -> dict[str, Any]:
    customer = services.customer_update(
        actor=actor(request),
        tenant_id=tenant_id,
        customer_id=customer_id,
        changes=changes_of(payload),
    )
    return customer_out(customer)


@router.delete(
    BASE + "/{customer_id}", response={204: None}, summary="Remove a customer without meters"
)
@access(roles=STAFF, tenant_kwarg="tenant_id")
def customer_delete(request: HttpRequest, tenant_id: int, customer_id: int) -> Status[Any]:
    services.customer_delete(actor=actor(request), tenant_id=tenant_id, customer_id=customer_id)
    return Status(204, None)


@router.post(
    BASE + "/{customer_id}/portal-access",
    response=schemas.CustomerOut,
    summary="Link the customer to a portal account (created or found by email)",
)
@access(roles=ADMINS, tenant_kwarg="tenant_id")
def customer_portal_access(
    request: HttpRequest, tenant_id: int, customer_id: int, payload: schemas.PortalAccessIn
) -> dict[str, Any]:
    customer = services.customer_portal_access_grant(
        actor=actor(request), tenant_id=tenant_id, customer_id=customer_id, email=payload.email
    )
    return customer_out(customer)


@router.get(
    "/me/customers",
    response=Page[schemas.CustomerOut],
    summary="The caller's own customer records, across water authorities",
)
@access(roles={Role.CUSTOMER})
def my_customers(request: HttpRequest, filters: Query[PageIn]) -> dict[str, Any]:
    customers = selectors.customer_list_of_user(user=actor(request))
    return page_of(customers, filters, item=customer_out)
