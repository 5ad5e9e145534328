"""A periodic job run by a real `manage.py worker` process updates a page held by the web process.

The worker's scheduler enqueues the minute's periodic jobs on the Redis queue; the device
sweep finds a valve command that went unanswered, requeues it and publishes `water.valve`
to the client's staff; channels-redis carries it to the staff member's socket on the web
process. Needs PostgreSQL and Redis (the CI pass that has them); the SQLite pass skips it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone
from websockets.sync.client import connect

from core.accounts.roles import Role
from core.api.tests.helpers import jwt_keys_in
from core.realtime.tests.conftest import token_for
from core.realtime.tests.test_cross_process import ROOT, _environment, _why_not, web_process
from water.tests.factories import ValveCommandFactory
from water.valves.models import CommandStatus, ValveCommand

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(_why_not() is not None, reason=str(_why_not())),
]


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        return process.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[1]


def test_the_worker_process_sweep_reaches_a_staff_socket_through_redis(
    tmp_path, user_factory, membership_factory, mfa_enrol
):
    # given an unanswered valve command and an operator of its water authority
    command = ValveCommandFactory(kind="close")
    ValveCommand.objects.filter(pk=command.pk).update(
        status=CommandStatus.SENT, attempts=1, sent_at=timezone.now() - timedelta(seconds=90)
    )
    operator = user_factory(email="operator@tirta.id")
    membership_factory(user=operator, tenant=command.tenant, role=Role.CLIENT_OPERATOR)
    mfa_enrol(operator)
    env = _environment(tmp_path)
    worker_env = {**env, "HUEY_IMMEDIATE": "0", "WORKER_THREADS": "2"}

    with jwt_keys_in(tmp_path / "test-keys" / "jwt"), web_process(env) as port:
        token = token_for(operator, tenant_id=command.tenant_id)
        worker = None
        try:
            with connect(
                f"ws://127.0.0.1:{port}/ws/live/", subprotocols=["bearer", token], open_timeout=10
            ) as socket:
                socket.send(json.dumps({"type": "resume", "after": 0}))
                # earlier events (the operator's MFA notice) replay first, then "ready"
                while json.loads(socket.recv(timeout=10))["kind"] != "ready":
                    pass
                # when a worker process starts: its scheduler claims this minute and
                # enqueues the periodic jobs, which its threads then run
                worker = subprocess.Popen(  # noqa: S603 - our interpreter, our manage.py
                    [sys.executable, "manage.py", "worker"],
                    cwd=ROOT,
                    env=worker_env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                received = json.loads(socket.recv(timeout=90))
        finally:
            worker_log = _stop(worker) if worker is not None else ""

    # then the operator's open page heard the requeued command, from the worker's sweep
    assert received["kind"] == "water.valve", worker_log[-2000:]
    assert received["data"] == {
        "meter_id": command.meter_id,
        "valve_state": command.meter.valve_state,
        "command_id": command.pk,
        "status": "pending",
    }
    command.refresh_from_db()
    assert (command.status, command.attempts) == (CommandStatus.PENDING, 1)
