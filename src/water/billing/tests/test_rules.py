"""disconnection_allowed: friendly credit in the client's local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from water.billing.services import disconnection_allowed
from water.registry.models import Client


def _client(**fields: object) -> Client:
    rules: dict[str, object] = {
        "timezone": "Asia/Jakarta",
        "no_disconnect_from": time(18, 0),
        "no_disconnect_until": time(7, 0),
        "no_disconnect_sundays": True,
        "emergency_credit_idr": 0,
        **fields,
    }
    return Client(**rules)


# Jakarta is UTC+7. 2026-03-02 is a Monday, 2026-03-08 a Sunday.
@pytest.mark.parametrize(
    ("now_utc", "expected"),
    [
        (datetime(2026, 3, 2, 1, 0, tzinfo=UTC), (True, "allowed")),  # Mon 08:00 local
        (datetime(2026, 3, 2, 10, 59, tzinfo=UTC), (True, "allowed")),  # Mon 17:59 local
        (datetime(2026, 3, 2, 11, 0, tzinfo=UTC), (False, "no-disconnect hours")),  # 18:00
        (datetime(2026, 3, 2, 17, 0, tzinfo=UTC), (False, "no-disconnect hours")),  # 00:00 Tue
        (datetime(2026, 3, 2, 23, 59, tzinfo=UTC), (False, "no-disconnect hours")),  # 06:59 Tue
        (datetime(2026, 3, 3, 0, 0, tzinfo=UTC), (True, "allowed")),  # Tue 07:00 local
    ],
)
def test_the_window_crosses_midnight_in_local_time(now_utc, expected):
    assert disconnection_allowed(_client(), set(), now_utc, -1) == expected


def test_local_time_decides_not_utc():
    # 2026-03-02 04:00 UTC is 11:00 in Jakarta (allowed) but would be in the window in UTC+0
    # terms for a client whose window is 00:00-06:00
    client = _client(no_disconnect_from=time(0), no_disconnect_until=time(6))
    now = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
    assert disconnection_allowed(client, set(), now, -1) == (True, "allowed")
    assert disconnection_allowed(
        _client(timezone="UTC", no_disconnect_from=time(0), no_disconnect_until=time(6)),
        set(),
        now,
        -1,
    ) == (False, "no-disconnect hours")


def test_a_window_within_one_day():
    client = _client(no_disconnect_from=time(12), no_disconnect_until=time(14))
    monday_1pm = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    monday_2pm = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert disconnection_allowed(client, set(), monday_1pm, -1) == (False, "no-disconnect hours")
    assert disconnection_allowed(client, set(), monday_2pm, -1) == (True, "allowed")


def test_an_empty_window_never_holds():
    client = _client(no_disconnect_from=time(0), no_disconnect_until=time(0))
    assert disconnection_allowed(client, set(), datetime(2026, 3, 2, 17, tzinfo=UTC), 0) == (
        True,
        "allowed",
    )


def test_sundays_are_local_sundays():
    # Saturday 2026-03-07 17:30 UTC is Sunday 00:30 in Jakarta; use a daytime-only window
    client = _client(no_disconnect_from=time(0), no_disconnect_until=time(0))
    sunday_local = datetime(2026, 3, 7, 17, 30, tzinfo=UTC)
    saturday_local = datetime(2026, 3, 7, 16, 30, tzinfo=UTC)
    assert disconnection_allowed(client, set(), sunday_local, -1) == (False, "sunday")
    assert disconnection_allowed(client, set(), saturday_local, -1) == (True, "allowed")
    no_sundays = _client(
        no_disconnect_from=time(0), no_disconnect_until=time(0), no_disconnect_sundays=False
    )
    assert disconnection_allowed(no_sundays, set(), sunday_local, -1) == (True, "allowed")


def test_holidays_are_local_dates():
    client = _client(no_disconnect_from=time(0), no_disconnect_until=time(0))
    # 2026-03-19 17:30 UTC is March 20th 00:30 in Jakarta
    now = datetime(2026, 3, 19, 17, 30, tzinfo=UTC)
    assert disconnection_allowed(client, {date(2026, 3, 20)}, now, -1) == (False, "holiday")
    assert disconnection_allowed(client, {date(2026, 3, 19)}, now, -1) == (True, "allowed")


@pytest.mark.parametrize(
    ("balance", "expected"),
    [
        (1, (False, "balance positive")),
        (0, (False, "emergency credit")),
        (-19_999, (False, "emergency credit")),
        (-20_000, (True, "allowed")),
        (-50_000, (True, "allowed")),
    ],
)
def test_emergency_credit_holds_until_the_balance_reaches_minus_its_amount(balance, expected):
    client = _client(
        emergency_credit_idr=20_000,
        no_disconnect_from=time(0),
        no_disconnect_until=time(0),
    )
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert disconnection_allowed(client, set(), now, balance) == expected


def test_zero_balance_without_emergency_credit_may_be_disconnected():
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert disconnection_allowed(_client(), set(), now, 0) == (True, "allowed")


def test_an_unsaved_default_client_uses_the_default_window():
    # a tenant without a client profile gets Client() defaults, whose times are strings
    client = Client(tenant_id=1)
    assert disconnection_allowed(client, set(), datetime(2026, 3, 2, 12, tzinfo=UTC), -1) == (
        False,
        "no-disconnect hours",
    )
