"""Matrix cases of the registry API (IndoWater clients, properties, customers).

The document upload is sent as multipart/form-data with a real PDF, so allowed callers
store it (201) while refused ones are stopped before the body is read.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.authz.cases import Case, Ctx, api, static
from water.registry.models import VerificationStatus
from water.registry.tests.factories import (
    ClientFactory,
    ClientHolidayFactory,
    CustomerFactory,
    PropertyDocumentFactory,
    PropertyFactory,
)

W = "/api/v1/water"
T = W + "/tenants/{tenant_id}"


def _url(ctx: Ctx, suffix: str) -> str:
    return f"{W}/tenants/{ctx.tenant.pk}{suffix}"


def _client_url(ctx: Ctx, suffix: str = "") -> str:
    ClientFactory(tenant=ctx.tenant)
    return _url(ctx, suffix)


def _property_url(ctx: Ctx, suffix: str = "", **fields: Any) -> str:
    prop = PropertyFactory(tenant=ctx.tenant, **fields)
    return _url(ctx, f"/properties/{prop.pk}{suffix}")


def _customer_url(ctx: Ctx, suffix: str = "") -> str:
    customer = CustomerFactory(tenant=ctx.tenant)
    return _url(ctx, f"/customers/{customer.pk}{suffix}")


def _holiday(ctx: Ctx) -> tuple[str, None]:
    holiday = ClientHolidayFactory(tenant=ClientFactory(tenant=ctx.tenant).tenant)
    return _url(ctx, f"/holidays/{holiday.pk}"), None


def _document(ctx: Ctx) -> tuple[str, None]:
    document = PropertyDocumentFactory(property=PropertyFactory(tenant=ctx.tenant))
    return _url(ctx, f"/properties/{document.property_id}/documents/{document.pk}"), None


def _suspend(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    client = ClientFactory()
    return f"{W}/tenants/{client.tenant_id}/client/status", {"status": "suspended"}


NEW_CLIENT = {
    "name": "PDAM Matrix",
    "slug": "pdam-matrix",
    "legal_name": "Perumda Air Minum Matrix",
    "npwp": "01.234.567.8-901.000",
    "contact_name": "Budi",
    "contact_email": "budi@example.test",
}
NEW_PROPERTY = {
    "code": "MX-1",
    "name": "Rumah Matrix",
    "property_type": "house",
    "address": "Jl. Sudirman 1",
    "city": "Jakarta",
    "province": "DKI Jakarta",
}

CASES: dict[tuple[str, str], Case] = {
    # Clients (superadmin) and the client's own profile, settings and holidays
    ("GET", W + "/clients"): static(W + "/clients"),
    ("POST", W + "/clients"): api(lambda ctx: (W + "/clients", NEW_CLIENT), ok=(201,)),
    ("GET", T + "/client"): api(lambda ctx: (_client_url(ctx, "/client"), None)),
    ("PATCH", T + "/client"): api(
        lambda ctx: (_client_url(ctx, "/client"), {"low_balance_threshold_idr": 20_000})
    ),
    ("POST", T + "/client/status"): api(_suspend),
    ("GET", T + "/holidays"): api(lambda ctx: (_client_url(ctx, "/holidays"), None)),
    ("POST", T + "/holidays"): api(
        lambda ctx: (
            _client_url(ctx, "/holidays"),
            {"date": "2027-08-17", "name": "Hari Kemerdekaan"},
        ),
        ok=(201,),
    ),
    ("DELETE", T + "/holidays/{holiday_id}"): api(_holiday, ok=(204,)),
    # Properties and their verification
    ("GET", W + "/properties/verification-queue"): static(W + "/properties/verification-queue"),
    ("GET", T + "/properties"): api(lambda ctx: (_url(ctx, "/properties"), None)),
    ("POST", T + "/properties"): api(
        lambda ctx: (_url(ctx, "/properties"), NEW_PROPERTY), ok=(201,)
    ),
    ("GET", T + "/properties/{property_id}"): api(lambda ctx: (_property_url(ctx), None)),
    ("PATCH", T + "/properties/{property_id}"): api(
        lambda ctx: (_property_url(ctx), {"name": "Renamed"})
    ),
    ("DELETE", T + "/properties/{property_id}"): api(
        lambda ctx: (_property_url(ctx), None), ok=(204,)
    ),
    ("GET", T + "/properties/{property_id}/verification"): api(
        lambda ctx: (_property_url(ctx, "/verification"), None)
    ),
    ("POST", T + "/properties/{property_id}/verification"): api(
        lambda ctx: (
            _property_url(
                ctx, "/verification", verification_status=VerificationStatus.NEEDS_UPDATE
            ),
            {"action": "resubmit"},
        )
    ),
    ("GET", T + "/properties/{property_id}/documents"): api(
        lambda ctx: (_property_url(ctx, "/documents"), None)
    ),
    ("POST", T + "/properties/{property_id}/documents"): Case(
        build=lambda ctx: (
            _property_url(ctx, "/documents"),
            {
                "document_type": "building_permit",
                "file": SimpleUploadedFile(
                    "permit.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "application/pdf"
                ),
            },
        ),
        ok=frozenset({201}),
        multipart=True,
    ),
    ("DELETE", T + "/properties/{property_id}/documents/{document_id}"): api(_document, ok=(204,)),
    # Customers
    ("GET", T + "/customers"): api(lambda ctx: (_url(ctx, "/customers"), None)),
    ("POST", T + "/customers"): api(
        lambda ctx: (_url(ctx, "/customers"), {"customer_number": "MX-1", "full_name": "Siti"}),
        ok=(201,),
    ),
    ("GET", T + "/customers/{customer_id}"): api(lambda ctx: (_customer_url(ctx), None)),
    ("PATCH", T + "/customers/{customer_id}"): api(
        lambda ctx: (_customer_url(ctx), {"full_name": "Siti Aminah"})
    ),
    ("DELETE", T + "/customers/{customer_id}"): api(
        lambda ctx: (_customer_url(ctx), None), ok=(204,)
    ),
    ("POST", T + "/customers/{customer_id}/portal-access"): api(
        lambda ctx: (_customer_url(ctx, "/portal-access"), {"email": "siti@example.test"})
    ),
    ("GET", W + "/me/customers"): static(W + "/me/customers"),
}
