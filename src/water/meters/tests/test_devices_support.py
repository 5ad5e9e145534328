"""Helpers of the device tests: enrolled meters and requests signed as the protocol says."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from django.test import Client as HttpClient

from water.meters.devices import protocol
from water.meters.devices.provisioning import device_enrol, provisioning_token_issue
from water.meters.models import Meter

DEVICES = "/api/v1/water/devices"


@dataclass(frozen=True)
class Device:
    """An enrolled meter as its firmware knows it."""

    meter: Meter
    key_id: str
    key: bytes


def enrolled(meter: Meter) -> Device:
    """Enrol `meter` through the real services and return its credentials."""
    issued = provisioning_token_issue(meter=meter, actor=None)
    enrolment = device_enrol(serial=meter.serial, token=issued.token)
    return Device(
        meter=meter, key_id=enrolment.key_id, key=protocol.decode_key(enrolment.device_key)
    )


def signed_headers(
    device: Device,
    method: str,
    url_path: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
    key: bytes | None = None,
) -> dict[str, str]:
    """Django test-client headers of a request signed as the protocol says."""
    stamp = int(time.time()) if timestamp is None else timestamp
    chosen_nonce = nonce or protocol.new_nonce()
    signature = protocol.sign(
        key or device.key,
        method=method,
        path=url_path,
        timestamp=stamp,
        nonce=chosen_nonce,
        body=body,
    )
    return {
        "HTTP_X_DEVICE_KEY_ID": device.key_id,
        "HTTP_X_DEVICE_TIMESTAMP": str(stamp),
        "HTTP_X_DEVICE_NONCE": chosen_nonce,
        "HTTP_X_DEVICE_SIGNATURE": signature,
    }


def device_post(device: Device, suffix: str, payload: dict[str, Any], **signing: Any) -> Any:
    """POST a signed JSON body to /api/v1/water/devices<suffix>."""
    body = json.dumps(payload).encode()
    url = f"{DEVICES}{suffix}"
    headers = signed_headers(device, "POST", url, body, **signing)
    return HttpClient().post(url, data=body, content_type="application/json", **headers)


def device_get(device: Device, suffix: str, **signing: Any) -> Any:
    """GET /api/v1/water/devices<suffix>, signed."""
    url = f"{DEVICES}{suffix}"
    return HttpClient().get(url, **signed_headers(device, "GET", url, b"", **signing))


def reading(taken_at: str, register_litres: int, **extra: Any) -> dict[str, Any]:
    """One reading as the device sends it."""
    return {"taken_at": taken_at, "register_litres": register_litres, **extra}
