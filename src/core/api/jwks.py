"""The public JSON Web Key Set that lets other services verify our access tokens."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from core.accounts.permissions import access
from core.accounts.tokens import jwks

JWKS_MAX_AGE = 300


@require_GET
@access(public=True)
def jwks_view(request: HttpRequest) -> JsonResponse:
    """Every public key that currently verifies tokens (active and within overlap)."""
    response = JsonResponse(jwks())
    response["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE}"
    return response
