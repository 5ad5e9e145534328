"""Matrix cases of the platform superadmin's workspace (IndoWater portal, /water/platform/).

Every page is for the superadmin alone: a client administrator gets 403 and anonymous
callers are sent to sign in. The writes are tried with valid bodies, so the allowed caller
really changes something while refused callers are stopped before the service runs.
"""

from __future__ import annotations

from typing import Any

from tests.authz.cases import Case, Ctx, static
from water.registry.models import VerificationStatus
from water.registry.tests.factories import (
    ClientFactory,
    PropertyDocumentFactory,
    PropertyFactory,
)

P = "/water/platform"


def _client(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    client = ClientFactory()
    return (
        f"{P}/clients/{client.tenant_id}/",
        {"form": "status", "status": "suspended", "reason": "Matrix check"},
    )


def _new_client(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    return (
        f"{P}/clients/new/",
        {
            "name": "PDAM Matrix",
            "slug": "pdam-matrix",
            "legal_name": "Perumda Air Minum Matrix",
            "npwp": "012345678901000",
            "timezone": "Asia/Jakarta",
            "contact_name": "Matrix",
            "contact_email": "matrix@example.test",
        },
    )


def _property(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    prop = PropertyFactory(verification_status=VerificationStatus.PENDING)
    return f"{P}/verification/{prop.pk}/", {"action": "start_review"}


def _document(ctx: Ctx) -> tuple[str, None]:
    document = PropertyDocumentFactory(
        property=PropertyFactory(verification_status=VerificationStatus.PENDING)
    )
    return f"{P}/verification/{document.property_id}/documents/{document.pk}/", None


CASES: dict[tuple[str, str], Case] = {
    ("*", f"{P}/"): static(f"{P}/"),
    ("*", f"{P}/clients/"): static(f"{P}/clients/"),
    ("*", f"{P}/clients/new/"): Case(build=_new_client, method="POST", ok=frozenset({303})),
    ("*", f"{P}/clients/<int:tenant_id>/"): Case(build=_client, method="POST", ok=frozenset({303})),
    ("*", f"{P}/verification/"): static(f"{P}/verification/"),
    ("*", f"{P}/verification/<int:property_id>/"): Case(
        build=_property, method="POST", ok=frozenset({303})
    ),
    ("*", f"{P}/verification/<int:property_id>/documents/<int:document_id>/"): Case(
        build=_document
    ),
    ("*", f"{P}/audit/"): static(f"{P}/audit/", method="POST", body={"verify": "1"}),
}
