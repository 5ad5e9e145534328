"""Gateway classes by name, and the credentials each tenant's payments use.

A tenant's own enabled credential wins; otherwise the platform's (the row without a tenant).
The sandbox needs no credential: it signs with a key derived from SECRET_KEY, and exists
only where PAYMENTS_SANDBOX is on (the embedded mode, demos, tests).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from importlib import import_module

from django.conf import settings
from django.db import models

from core.payments.gateways.base import Credentials, Gateway, GatewayMisconfigured

BUILTIN = {
    "sandbox": "core.payments.gateways.sandbox.adapter.SandboxGateway",
    "midtrans": "core.payments.gateways.midtrans.adapter.MidtransGateway",
    "doku": "core.payments.gateways.doku.adapter.DokuGateway",
    "wipay": "core.payments.gateways.wipay.adapter.WiPayGateway",
    "fac": "core.payments.gateways.fac.adapter.FacGateway",
}
_classes: dict[str, type[Gateway]] = {}


def load_builtin() -> None:
    """Import every adapter the platform ships (called once when the app is ready)."""
    for name, dotted in BUILTIN.items():
        module_name, _, class_name = dotted.rpartition(".")
        _classes[name] = getattr(import_module(module_name), class_name)


def gateway_class(name: str) -> type[Gateway]:
    if not _classes:
        load_builtin()
    try:
        return _classes[name]
    except KeyError:
        raise GatewayMisconfigured(f"There is no payment gateway called {name!r}.") from None


def gateway_names() -> list[str]:
    if not _classes:
        load_builtin()
    return [name for name in _classes if name != "sandbox" or settings.PAYMENTS_SANDBOX]


def sandbox_server_key() -> str:
    """The sandbox's signing key: stable per deployment, never configured by hand."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"payments-sandbox", hashlib.sha256)
    return "SB-Sandbox-server-" + digest.hexdigest()[:32]


def credentials_for(tenant_id: int | None, gateway: str) -> Credentials:
    """The credentials a tenant's payments at `gateway` use (its own, else the platform's)."""
    from core.payments.models import GatewayCredential

    if gateway == "sandbox":
        if not settings.PAYMENTS_SANDBOX:
            raise GatewayMisconfigured("The sandbox gateway is switched off here.")
        return Credentials("sandbox", False, {"server_key": sandbox_server_key()})
    rows = GatewayCredential.objects.filter(gateway=gateway, enabled=True)
    own = rows.filter(tenant_id=tenant_id).first() if tenant_id is not None else None
    row = own or rows.filter(tenant__isnull=True).first()
    if row is None:
        raise GatewayMisconfigured(f"No {gateway} account is set up for this organisation.")
    return Credentials(gateway, row.production, json.loads(row.secrets), row.base_url)


def gateway_for(tenant_id: int | None, gateway: str) -> Gateway:
    return gateway_class(gateway)(credentials_for(tenant_id, gateway))


def gateways_available(tenant_id: int | None, currency: str) -> list[str]:
    """Gateways a tenant's payers can use now: configured (own or platform) and in `currency`.

    Real gateways come first, in the order of BUILTIN; the sandbox last, where it is on.
    """
    from core.payments.models import GatewayCredential

    configured = set(
        GatewayCredential.objects.filter(enabled=True)
        .filter(models.Q(tenant_id=tenant_id) | models.Q(tenant__isnull=True))
        .values_list("gateway", flat=True)
    )
    names = [
        name
        for name in gateway_names()
        if (name in configured or name == "sandbox") and currency in gateway_class(name).currencies
    ]
    return sorted(names, key=lambda name: name == "sandbox")
