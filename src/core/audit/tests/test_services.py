import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.accounts.models import User
from core.audit import actions
from core.audit.models import AuditChainHead, AuditEvent
from core.audit.services import GENESIS_HASH, _row_digest, audit_chain_verify, audit_record
from core.ops.context import RequestMeta, reset_request_meta, set_request_meta


@pytest.mark.django_db
def test_record_links_each_event_to_the_previous_hash(user_factory, tenant_factory):
    # given
    user, tenant = user_factory(email="admin@example.test"), tenant_factory()

    # when
    first = audit_record(action=actions.LOGIN_SUCCEEDED, actor=user, data={"channel": "web"})
    second = audit_record(action=actions.CONFIG_CHANGED, actor=user, tenant=tenant, target=tenant)

    # then
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert (second.actor_id, second.actor_email, second.tenant_id) == (
        user.pk,
        "admin@example.test",
        tenant.pk,
    )
    assert (second.target_type, second.target_id) == ("tenant", str(tenant.pk))
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.last_hash) == (2, second.hash)
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_record_rolls_back_with_the_change_it_describes(user_factory):
    # given one committed event and a user
    first = audit_record(action=actions.LOGIN_SUCCEEDED, actor_email="a@example.test")
    user = user_factory(full_name="Before")

    def change_then_fail():
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(full_name="After")
            audit_record(action=actions.PROFILE_UPDATED, actor=user)
            raise RuntimeError("boom")

    # when the change and its audit row are in a transaction that fails
    with pytest.raises(RuntimeError, match="boom"):
        change_then_fail()

    # then neither the change nor the event exists, and the head did not move
    assert User.objects.get(pk=user.pk).full_name == "Before"
    assert list(AuditEvent.objects.values_list("seq", "action")) == [(1, actions.LOGIN_SUCCEEDED)]
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.last_hash) == (1, first.hash)
    following = audit_record(action=actions.LOGOUT)
    assert (following.seq, following.prev_hash) == (2, first.hash)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ip", "stored"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:0DB8:0000::0001", "2001:db8::1"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("not-an-ip", None),
        (None, None),
    ],
)
def test_record_stores_request_metadata_in_the_form_the_database_returns(ip, stored):
    token = set_request_meta(RequestMeta(request_id="req-1", ip=ip))
    try:
        event = audit_record(action=actions.LOGIN_FAILED, actor_email="x@example.test")
    finally:
        reset_request_meta(token)

    reloaded = AuditEvent.objects.get(pk=event.pk)
    assert (reloaded.ip_address, reloaded.request_id) == (stored, "req-1")
    assert audit_chain_verify().ok


@pytest.mark.django_db
def test_record_refuses_nan_and_writes_nothing():
    with pytest.raises(ValueError, match="Out of range float values"):
        audit_record(action=actions.MONEY_MOVED, data={"amount": float("nan")})

    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_record_stringifies_values_json_cannot_hold():
    event = audit_record(action=actions.CONFIG_CHANGED, data={"when": object, "n": 1e16})

    assert event.data == {"when": "<class 'object'>", "n": 10000000000000000}


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.dictionaries(st.text(max_size=8), json_values, max_size=4))
def test_any_json_data_survives_the_database_and_verifies(data):
    # when
    event = audit_record(action=actions.CONFIG_CHANGED, data=data)

    # then the row as read back from SQLite or PostgreSQL still matches its hash
    reloaded = AuditEvent.objects.get(pk=event.pk)
    assert reloaded.data == event.data
    assert _row_digest(reloaded) == event.hash
