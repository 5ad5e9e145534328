"""Who may open /ws/live/: session or bearer token, Origin checked, refusals as close codes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone

from core.accounts import tokens
from core.accounts.roles import Role
from core.accounts.services.sessions import SEEN_KEY, STARTED_KEY
from core.realtime.consumers import LiveConsumer
from core.realtime.services import publish
from core.realtime.tests.conftest import (
    ORIGIN,
    communicator,
    open_sockets,
    run,
    session_cookie,
    sign_in,
    token_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def _refused_with(comm) -> tuple[tuple[bool, str | None], dict]:
    accepted = await comm.connect()
    closed = await comm.receive_output()
    await comm.disconnect()
    return accepted, closed


def test_a_signed_in_customer_connects_with_the_session_cookie(customer, password):
    client = sign_in(customer, password)
    before = open_sockets()

    async def scenario():
        comm = communicator(headers=[ORIGIN, session_cookie(client)])
        accepted = await comm.connect()
        during = open_sockets()
        await comm.send_json_to({"type": "ping"})
        pong = await comm.receive_json_from()
        await comm.disconnect()
        return accepted, during, pong

    accepted, during, pong = run(scenario)

    assert accepted == (True, None)
    assert pong == {"kind": "pong"}
    assert during == before + 1
    assert open_sockets() == before


def test_a_bearer_token_subprotocol_signs_in_and_is_echoed(customer):
    token = token_for(customer)

    async def scenario():
        comm = communicator(subprotocols=["bearer", token])
        accepted = await comm.connect()
        await comm.send_json_to({"type": "ping"})
        pong = await comm.receive_json_from()
        await comm.disconnect()
        return accepted, pong

    assert run(scenario) == ((True, "bearer"), {"kind": "pong"})


@pytest.mark.parametrize("token", ["not-a-jwt", "", "eyJhbGciOiJub25lIn0.e30."])
def test_a_bad_token_is_closed_with_4401(customer, token):
    before = open_sockets()
    protocols = ["bearer", token] if token else ["bearer"]

    accepted, closed = run(lambda: _refused_with(communicator(subprotocols=protocols)))

    assert accepted == (True, "bearer")
    assert closed == {"type": "websocket.close", "code": 4401}
    assert open_sockets() == before


def test_an_expired_token_is_closed_with_4401(customer, monkeypatch):
    monkeypatch.setattr(tokens, "_now", lambda: timezone.now() - timedelta(minutes=16))
    token = token_for(customer)
    monkeypatch.undo()

    accepted, closed = run(lambda: _refused_with(communicator(subprotocols=["bearer", token])))

    assert accepted == (True, "bearer")
    assert closed == {"type": "websocket.close", "code": 4401}


def test_a_token_of_a_deactivated_user_is_closed_with_4401(customer):
    token = token_for(customer)
    customer.is_active = False
    customer.save(update_fields=["is_active"])

    _accepted, closed = run(lambda: _refused_with(communicator(subprotocols=["bearer", token])))

    assert closed == {"type": "websocket.close", "code": 4401}


def test_anonymous_is_closed_with_4401():
    accepted, closed = run(lambda: _refused_with(communicator(headers=[ORIGIN])))

    assert accepted == (True, None)
    assert closed == {"type": "websocket.close", "code": 4401}


def test_a_session_cookie_without_origin_does_not_sign_in(customer, password):
    client = sign_in(customer, password)

    _accepted, closed = run(lambda: _refused_with(communicator(headers=[session_cookie(client)])))

    assert closed == {"type": "websocket.close", "code": 4401}


@pytest.mark.parametrize(
    "origin", [b"https://evil.example", b"null", b"http://testserver.evil.example"]
)
def test_a_foreign_origin_is_refused_at_the_handshake(customer, password, origin):
    client = sign_in(customer, password)
    before = open_sockets()

    async def scenario():
        comm = communicator(headers=[(b"origin", origin), session_cookie(client)])
        accepted = await comm.connect()
        await comm.disconnect()
        return accepted

    # a close before accept is an HTTP 403 to the browser
    assert run(scenario) == (False, 1000)
    assert open_sockets() == before


def test_a_foreign_origin_is_refused_even_with_a_valid_token(customer):
    token = token_for(customer)

    async def scenario():
        comm = communicator(
            headers=[(b"origin", b"https://evil.example")], subprotocols=["bearer", token]
        )
        accepted = await comm.connect()
        await comm.disconnect()
        return accepted

    assert run(scenario) == (False, 1000)


def test_staff_with_a_valid_session_connects(operator, password):
    client = sign_in(operator, password, operator.totp_secret)

    async def scenario():
        comm = communicator(headers=[ORIGIN, session_cookie(client)])
        accepted = await comm.connect()
        await comm.disconnect()
        return accepted

    assert run(scenario) == (True, None)


def test_staff_without_mfa_are_closed_with_4403(user_factory, membership_factory, password):
    staff = user_factory(email="new-operator@tirta.id")
    membership_factory(user=staff, role=Role.CLIENT_OPERATOR)
    client = sign_in(staff, password)  # lands on MFA enrolment, but is signed in

    _accepted, closed = run(
        lambda: _refused_with(communicator(headers=[ORIGIN, session_cookie(client)]))
    )

    assert closed == {"type": "websocket.close", "code": 4403}


@pytest.mark.parametrize(("idle", "age"), [(31 * 60, 40 * 60), (60, 12 * 3600 + 60)])
def test_an_expired_staff_session_is_closed_with_4401(operator, password, idle, age):
    client = sign_in(operator, password, operator.totp_secret)
    _age(client, idle=idle, age=age)

    _accepted, closed = run(
        lambda: _refused_with(communicator(headers=[ORIGIN, session_cookie(client)]))
    )

    assert closed == {"type": "websocket.close", "code": 4401}


def test_a_customer_session_has_no_idle_limit(customer, password):
    client = sign_in(customer, password)
    _age(client, idle=31 * 60, age=13 * 3600)

    async def scenario():
        comm = communicator(headers=[ORIGIN, session_cookie(client)])
        accepted = await comm.connect()
        await comm.disconnect()
        return accepted

    assert run(scenario) == (True, None)


def test_an_open_socket_closes_when_its_staff_session_goes_idle(operator, password, monkeypatch):
    monkeypatch.setattr(LiveConsumer, "recheck_seconds", 0.05)
    client = sign_in(operator, password, operator.totp_secret)
    before = open_sockets()

    async def scenario():
        comm = communicator(headers=[ORIGIN, session_cookie(client)])
        accepted = await comm.connect()
        await asyncio.sleep(0.2)
        still_open = await comm.receive_nothing(timeout=0.1)
        await _aged_async(client, idle=31 * 60, age=40 * 60)
        closed = await comm.receive_output(timeout=2)
        await comm.disconnect()
        return accepted, still_open, closed

    accepted, still_open, closed = run(scenario)

    assert accepted == (True, None)
    assert still_open is True
    assert closed == {"type": "websocket.close", "code": 4401}
    assert open_sockets() == before


def test_an_open_socket_closes_when_the_user_signs_out(customer, password, monkeypatch):
    monkeypatch.setattr(LiveConsumer, "recheck_seconds", 0.05)
    client = sign_in(customer, password)

    async def scenario():
        comm = communicator(headers=[ORIGIN, session_cookie(client)])
        await comm.connect()
        await _sync(lambda: client.post("/accounts/logout/"))
        closed = await comm.receive_output(timeout=2)
        await comm.disconnect()
        return closed

    assert run(scenario) == {"type": "websocket.close", "code": 4401}


def test_a_closed_socket_no_longer_receives_its_users_events(customer, password, monkeypatch):
    monkeypatch.setattr(LiveConsumer, "recheck_seconds", 0.05)
    client = sign_in(customer, password)

    async def scenario():
        comm = communicator(headers=[ORIGIN, session_cookie(client)])
        await comm.connect()
        await _aged_async(client, idle=0, age=0, drop=True)
        closed = await comm.receive_output(timeout=2)
        await _sync(lambda: publish("balance.changed", {"x": 1}, users=[customer.pk]))
        nothing = await comm.receive_nothing(timeout=0.2)
        await comm.disconnect()
        return closed, nothing

    assert run(scenario) == ({"type": "websocket.close", "code": 4401}, True)


def _age(client, *, idle: float, age: float) -> None:
    import time  # noqa: PLC0415

    session = client.session
    now = time.time()
    session[SEEN_KEY] = now - idle
    session[STARTED_KEY] = now - age
    session.save()


async def _sync(fn):
    from channels.db import database_sync_to_async  # noqa: PLC0415

    return await database_sync_to_async(fn)()


async def _aged_async(client, *, idle: float, age: float, drop: bool = False) -> None:
    def change():
        if drop:
            client.session.delete()
        else:
            _age(client, idle=idle, age=age)

    await _sync(change)
