"""Background work of the payments core: the sandbox's notifications."""

from __future__ import annotations

from core.payments.gateways.base import Inbound
from core.payments.gateways.registry import sandbox_server_key
from core.payments.gateways.sandbox import book
from core.tasks.queue import background

WEBHOOK_PATH = "/payments/webhooks/sandbox/"


@background(retries=5, retry_delay=10, name="payments.sandbox_notify")
def sandbox_notify(order_id: str) -> str:
    """Send the sandbox charge's current state to our webhook handler, signed like Midtrans."""
    from core.payments.services import notification_receive

    charge = book.charge_get(order_id)
    if charge is None:
        return "unknown"
    body = book.notification_body(charge, sandbox_server_key())
    ack = notification_receive(
        "sandbox",
        Inbound(
            method="POST",
            path=WEBHOOK_PATH,
            headers={"content-type": "application/json", "user-agent": "Sandbox-Notifier/1.0"},
            body=body,
        ),
    )
    return str(ack.status)
