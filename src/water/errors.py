"""Error codes of IndoWater."""

from __future__ import annotations

from core.errors import ApplicationError


class InvalidTransition(ApplicationError):
    code = "invalid_transition"
    status = 409
    title = "This change is not allowed in the object's current state"


class ValidationFailed(ApplicationError):
    code = "validation_failed"
    status = 422
    title = "The data is not valid"


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    title = "The object already exists"


class DeviceAuthFailed(ApplicationError):
    code = "device_auth_failed"
    status = 401
    title = "The device could not be authenticated"
