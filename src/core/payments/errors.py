"""Payment error codes."""

from __future__ import annotations

from core.errors import ApplicationError


class PaymentInvalid(ApplicationError):
    """The request cannot become a payment (amount, method, currency, purpose)."""

    code = "payment_invalid"
    status = 422
    title = "Invalid payment"


class PaymentConflict(ApplicationError):
    """The payment's state or an earlier request with the same key does not allow this."""

    code = "payment_conflict"
    status = 409
    title = "Payment conflict"


class GatewayUnavailable(ApplicationError):
    """The gateway refused or could not be reached; nothing was charged."""

    code = "gateway_unavailable"
    status = 502
    title = "Payment gateway unavailable"


class GatewayNotConfigured(ApplicationError):
    """The organisation has no usable account at the chosen gateway."""

    code = "gateway_not_configured"
    status = 422
    title = "Payment gateway not set up"


class RefundInvalid(ApplicationError):
    """The refund exceeds what was paid, or the payment is not paid."""

    code = "refund_invalid"
    status = 422
    title = "Invalid refund"


class RefundRefused(ApplicationError):
    """The gateway declined the refund (e.g. not yet settled there); nothing was refunded."""

    code = "refund_refused"
    status = 409
    title = "Refund refused by the gateway"
