"""Replica routing: only reads inside use_replica(), outside transactions, reach the replica."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import router as db_router
from django.db import transaction
from django.test import override_settings

from core.accounts.models import User
from core.ops.db_router import ReplicaRouter, use_replica

ROUTER = ["core.ops.db_router.ReplicaRouter"]


def _with_replica() -> dict[str, dict[str, object]]:
    return {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}


@pytest.fixture
def replica_configured():
    with override_settings(DATABASES=_with_replica(), DATABASE_ROUTERS=ROUTER):
        yield


@pytest.mark.usefixtures("replica_configured")
def test_reads_stay_on_default_outside_use_replica():
    assert User.objects.all().db == "default"


@pytest.mark.usefixtures("replica_configured")
def test_reads_inside_use_replica_go_to_the_replica():
    # No database fixture: no transaction is open, as in a request outside atomic().
    with use_replica():
        inside = User.objects.all().db
    after = User.objects.all().db

    assert (inside, after) == ("replica", "default")


@pytest.mark.django_db  # runs the test inside a transaction on "default"
@pytest.mark.usefixtures("replica_configured")
def test_reads_inside_a_transaction_stay_on_default():
    with transaction.atomic(), use_replica():
        assert User.objects.all().db == "default"


@pytest.mark.django_db
@pytest.mark.usefixtures("replica_configured")
def test_writes_always_go_to_default(user_factory):
    with use_replica():
        routed = db_router.db_for_write(User)
        user = user_factory()

    assert routed == "default"
    assert user._state.db == "default"
    assert User.objects.filter(pk=user.pk).count() == 1


@override_settings(DATABASE_ROUTERS=ROUTER)
def test_without_a_replica_reads_stay_on_default():
    with use_replica():
        assert User.objects.all().db == "default"


def test_migrations_run_on_the_primary_only():
    router = ReplicaRouter()

    assert router.allow_migrate("default", "accounts") is True
    assert router.allow_migrate("replica", "accounts") is False
