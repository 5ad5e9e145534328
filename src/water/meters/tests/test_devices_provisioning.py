"""Provisioning tokens and device enrolment: single use, expiring, bound to tenant and serial."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from core.audit.models import AuditEvent
from water.meters.devices import protocol
from water.meters.devices.provisioning import token_hash
from water.meters.models import Meter, MeterStatus, ProvisioningToken
from water.meters.tests.test_devices_support import device_post, enrolled, reading
from water.tests.factories import MeterFactory
from water.tests.helpers import Api, authority, tenant_url

pytestmark = pytest.mark.django_db
ENROL = "/api/v1/water/devices/enrol"


def _issue(api: Api, meter: Meter) -> dict:
    response = api.post(tenant_url(meter.tenant, f"/meters/{meter.pk}/provisioning-token"))
    assert response.status_code == 201, response.content
    return response.json()


def _enrol(serial: str, token: str):
    return HttpClient().post(
        ENROL, data={"serial": serial, "token": token}, content_type="application/json"
    )


def _state(meter: Meter) -> tuple:
    meter.refresh_from_db()
    return meter.device_key, meter.device_key_id


def test_operator_issues_a_token_stored_only_as_its_hash_valid_24_hours():
    # given an operator of a water authority with a registered meter
    world = authority("tirta")
    meter = MeterFactory(tenant=world.tenant, serial="IW-0001")
    before = timezone.now()
    # when the operator asks for a provisioning token
    body = _issue(Api(world.operator), meter)
    # then the clear token is returned once and only its SHA-256 is stored
    row = ProvisioningToken.objects.get(meter=meter)
    assert row.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert body["token"] not in row.token_hash
    assert body["meter_id"] == meter.pk
    assert row.tenant_id == world.tenant.pk
    assert row.created_by_id == world.operator.pk
    lifetime = row.expires_at - before
    assert timedelta(hours=24) <= lifetime < timedelta(hours=24, seconds=5)
    assert AuditEvent.objects.filter(action="water.provisioning_token_created").count() == 1


def test_a_meter_of_another_authority_answers_404_and_issues_nothing():
    # given two authorities, and a meter of the second
    mine, theirs = authority("tirta"), authority("other")
    meter = MeterFactory(tenant=theirs.tenant)
    # when the first one's admin names that meter under their own tenant
    response = Api(mine.admin).post(
        tenant_url(mine.tenant, f"/meters/{meter.pk}/provisioning-token")
    )
    # then it is not found, exactly like a missing meter, and no token exists
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert ProvisioningToken.objects.count() == 0


def test_a_new_token_retires_the_unused_older_one():
    world = authority("tirta")
    meter = MeterFactory(tenant=world.tenant)
    first = _issue(Api(world.admin), meter)["token"]
    second = _issue(Api(world.admin), meter)["token"]
    assert _enrol(meter.serial, first).status_code == 401
    assert _enrol(meter.serial, second).status_code == 200


def test_enrolment_spends_the_token_and_stores_the_key_encrypted():
    # given a token for meter IW-0001
    world = authority("tirta")
    meter = MeterFactory(tenant=world.tenant, serial="IW-0001")
    token = _issue(Api(world.operator), meter)["token"]
    # when the device enrols with its serial and the token
    response = _enrol("IW-0001", token)
    # then it receives its key once, its key id and its topics
    assert response.status_code == 200, response.content
    body = response.json()
    key = protocol.decode_key(body["device_key"])
    assert len(key) == 32
    assert body["meter_id"] == meter.pk
    assert body["topics"] == {
        "readings": "indowater/IW-0001/readings",
        "acks": "indowater/IW-0001/acks",
        "commands": "indowater/IW-0001/commands",
    }
    meter.refresh_from_db()
    assert meter.device_key_id == body["key_id"]
    assert meter.device_key == body["device_key"]  # read back through the encrypted field
    assert ProvisioningToken.objects.get(meter=meter).used_at is not None


def test_the_stored_key_column_holds_ciphertext_not_the_key():
    world = authority("tirta")
    meter = MeterFactory(tenant=world.tenant)
    token = _issue(Api(world.operator), meter)["token"]
    body = _enrol(meter.serial, token).json()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT device_key FROM water_meters_meter WHERE id = %s", [meter.pk])
        (stored,) = cursor.fetchone()
    assert stored
    assert body["device_key"] not in stored


@pytest.mark.parametrize("case", ["reused", "expired", "wrong_serial", "unknown", "retired"])
def test_a_bad_enrolment_answers_401_and_changes_nothing(case):
    # given a meter that enrolled once, and a fresh token for it
    world = authority("tirta")
    meter = MeterFactory(tenant=world.tenant, serial="IW-0001")
    MeterFactory(tenant=world.tenant, serial="IW-0002")
    used = _issue(Api(world.admin), meter)["token"]
    assert _enrol("IW-0001", used).status_code == 200
    token = _issue(Api(world.admin), meter)["token"]
    serial = "IW-0001"
    if case == "reused":
        token = used
    elif case == "expired":
        ProvisioningToken.objects.filter(token_hash=token_hash(token)).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif case == "wrong_serial":
        serial = "IW-0002"
    elif case == "unknown":
        token = "not-a-token-anyone-issued"
    else:
        Meter.objects.filter(pk=meter.pk).update(status=MeterStatus.RETIRED)
    before = (_state(meter), list(ProvisioningToken.objects.values_list("used_at", flat=True)))
    # when the device tries to enrol
    response = _enrol(serial, token)
    # then it is refused with the device code and nothing changed
    assert response.status_code == 401
    assert response.json()["code"] == "device_auth_failed"
    assert (_state(meter), list(ProvisioningToken.objects.values_list("used_at", flat=True))) == (
        before
    )


def test_re_enrolment_issues_a_new_key_and_the_old_one_stops_working():
    # given an enrolled meter
    world = authority("tirta")
    meter = MeterFactory(tenant=world.tenant)
    old = enrolled(meter)
    ok = device_post(old, "/readings", {"readings": [reading("2026-03-02T08:00:00+07:00", 10)]})
    assert ok.status_code == 200, ok.content
    # when it enrols again with a new token
    new = enrolled(meter)
    # then the new key works and the old one is refused
    assert new.key != old.key
    assert new.key_id != old.key_id
    refused = device_post(
        old, "/readings", {"readings": [reading("2026-03-02T08:05:00+07:00", 20)]}
    )
    assert refused.status_code == 401
    accepted = device_post(
        new, "/readings", {"readings": [reading("2026-03-02T08:05:00+07:00", 20)]}
    )
    assert accepted.status_code == 200
    assert meter.readings.count() == 2
