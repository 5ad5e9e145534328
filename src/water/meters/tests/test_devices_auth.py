"""Signed device requests: only the meter's current key, fresh and once, is accepted."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client as HttpClient

from water.meters.devices import protocol
from water.meters.models import Meter, MeterStatus, Reading
from water.meters.tests.test_devices_support import (
    DEVICES,
    device_get,
    device_post,
    enrolled,
    reading,
    signed_headers,
)
from water.tests.factories import MeterFactory

pytestmark = pytest.mark.django_db
BATCH = {"readings": [reading("2026-03-02T08:00:00+07:00", 1_000)]}


def test_the_worked_example_of_the_protocol_document():
    # given the key, request and nonce of docs/device-protocol.md
    key = protocol.decode_key("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    body = b'{"readings":[{"taken_at":"2026-01-01T07:00:00+07:00","register_litres":123456}]}'
    # when it is signed
    signature = protocol.sign(
        key,
        method="POST",
        path="/api/v1/water/devices/readings",
        timestamp=1767225600,
        nonce="3f9c2a7e5b1d4c6a8e0f1a2b3c4d5e6f",
        body=body,
    )
    # then the digest and the signature are those printed there (checked with openssl)
    assert protocol.body_digest(body) == (
        "26b306f83f1060536e17156354f75ddc74a95c49812f4ab7724bd7b9c1f767e6"
    )
    assert signature == "Te0acEgPRgxaGwRPZCDYxhNQQ+ltsggkhj4xMdrYPw0="


def test_a_correctly_signed_batch_is_stored():
    device = enrolled(MeterFactory())
    response = device_post(device, "/readings", BATCH)
    assert response.status_code == 200, response.content
    assert Reading.objects.filter(meter=device.meter).count() == 1


def _tampered_body(device):
    body = json.dumps(BATCH).encode()
    headers = signed_headers(device, "POST", f"{DEVICES}/readings", body)
    forged = json.dumps({"readings": [reading("2026-03-02T08:00:00+07:00", 1)]}).encode()
    return HttpClient().post(
        f"{DEVICES}/readings", data=forged, content_type="application/json", **headers
    )


def _unknown_key_id(device):
    ghost = type(device)(meter=device.meter, key_id="knosuchkey0000000000", key=device.key)
    return device_post(ghost, "/readings", BATCH)


def _retired(device):
    Meter.objects.filter(pk=device.meter.pk).update(status=MeterStatus.RETIRED)
    return device_post(device, "/readings", BATCH)


ATTACKS = {
    "wrong key": lambda d: device_post(d, "/readings", BATCH, key=bytes(32)),
    "tampered body": _tampered_body,
    "old timestamp": lambda d: device_post(d, "/readings", BATCH, timestamp=int(time.time()) - 302),
    "future timestamp": lambda d: device_post(
        d, "/readings", BATCH, timestamp=int(time.time()) + 302
    ),
    "malformed nonce": lambda d: device_post(d, "/readings", BATCH, nonce="short"),
    "unknown key id": _unknown_key_id,
    "retired meter": _retired,
    "unsigned": lambda d: HttpClient().post(
        f"{DEVICES}/readings", data=BATCH, content_type="application/json"
    ),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_bad_signature_answers_401_and_stores_nothing(attack):
    # given an enrolled meter
    device = enrolled(MeterFactory())
    # when a request arrives that is not correctly signed by its current key, fresh and new
    response = ATTACKS[attack](device)
    # then it is refused with the device code and nothing is stored
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "device_auth_failed"
    assert Reading.objects.count() == 0
    assert Meter.objects.get(pk=device.meter.pk).last_seen_at is None


def test_a_replayed_nonce_is_refused_even_with_a_fresh_signature():
    # given a meter whose request with nonce N was accepted
    device = enrolled(MeterFactory())
    nonce = protocol.new_nonce()
    assert device_post(device, "/readings", BATCH, nonce=nonce).status_code == 200
    seen = Meter.objects.get(pk=device.meter.pk).last_seen_at
    # when another correctly signed request reuses N within the window
    later = {"readings": [reading("2026-03-02T08:15:00+07:00", 1_500)]}
    response = device_post(device, "/readings", later, nonce=nonce)
    # then it is refused and only the first reading exists
    assert response.status_code == 401
    assert response.json()["code"] == "device_auth_failed"
    assert list(Reading.objects.values_list("register_litres", flat=True)) == [1_000]
    assert Meter.objects.get(pk=device.meter.pk).last_seen_at == seen


def test_a_signature_for_another_path_is_refused():
    # given a signature made for the commands endpoint
    device = enrolled(MeterFactory())
    body = json.dumps(BATCH).encode()
    headers = signed_headers(device, "POST", f"{DEVICES}/commands", body)
    # when it is presented on the readings endpoint
    response = HttpClient().post(
        f"{DEVICES}/readings", data=body, content_type="application/json", **headers
    )
    # then it is refused
    assert response.status_code == 401
    assert Reading.objects.count() == 0


def test_a_signed_in_person_is_not_a_device():
    # given a superadmin's Bearer token and no device signature
    from water.tests.helpers import Api, superadmin

    device = enrolled(MeterFactory())
    # when they call a device endpoint
    response = Api(superadmin()).get(f"{DEVICES}/commands")
    # then they are refused like any unsigned caller
    assert response.status_code == 401
    assert device.meter.commands.count() == 0


def test_a_get_is_signed_over_the_empty_body():
    device = enrolled(MeterFactory())
    response = device_get(device, "/commands")
    assert response.status_code == 200, response.content
    assert response.json() == {"commands": []}
