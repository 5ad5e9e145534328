"""The platform overview: each water authority's figures, the totals, and a fixed query count."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from core.payments.models import Payment
from tests.factories import TenantFactory, UserFactory
from water.meters.models import MeterStatus, ValveState
from water.portal.platform.selectors import platform_overview
from water.registry.models import VerificationStatus
from water.tests.factories import (
    AlertFactory,
    ClientFactory,
    CustomerFactory,
    MeterFactory,
    PropertyFactory,
)
from water.tests.helpers import authority
from water.valves.models import AlertStatus

pytestmark = pytest.mark.django_db

PAGE = "/water/platform/"
NOW = dt.datetime(2026, 11, 15, 3, 0, tzinfo=dt.UTC)
_refs = itertools.count(1)


def _root(mfa_enrol):
    user = UserFactory(email="root@platform.test", is_superuser=True, is_staff=True)
    mfa_enrol(user)
    return user


def _topup(tenant, amount, settled_at, *, purpose="water.topup", state="settled"):
    n = next(_refs)
    return Payment.objects.create(
        reference=f"IW-T-{n:06d}",
        tenant=tenant,
        purpose=purpose,
        purpose_ref="1",
        description="Water credit",
        currency="IDR",
        amount_minor=amount,
        fee_minor=350,
        total_minor=amount + 350,
        gateway="sandbox",
        method="qris",
        state=state,
        settled_at=settled_at,
    )


def _populate(now):
    """Bandung (WIB) and Jayapura (WIT, UTC+9) with distinct figures."""
    bdg = authority("pdam-bandung")
    jpr = authority("pdam-jayapura")
    jpr.client.timezone = "Asia/Jayapura"
    jpr.client.save(update_fields=["timezone"])
    fresh, stale = now - dt.timedelta(minutes=5), now - dt.timedelta(hours=2)
    for _ in range(3):
        CustomerFactory(tenant=bdg.tenant)
    CustomerFactory(tenant=jpr.tenant)
    online = MeterFactory(tenant=bdg.tenant, last_seen_at=fresh, valve_state=ValveState.OPEN)
    MeterFactory(tenant=bdg.tenant, last_seen_at=fresh, valve_state=ValveState.CLOSED)
    MeterFactory(tenant=bdg.tenant, last_seen_at=stale, valve_state=ValveState.CLOSED)
    MeterFactory(tenant=bdg.tenant, status=MeterStatus.RETIRED, valve_state=ValveState.CLOSED)
    MeterFactory(tenant=jpr.tenant, last_seen_at=None)
    AlertFactory(meter=online)
    AlertFactory(meter=online, kind="leak", status=AlertStatus.ACKNOWLEDGED)
    AlertFactory(meter=online, kind="tamper", status=AlertStatus.RESOLVED)
    _topup(bdg.tenant, 50_000, now - dt.timedelta(days=3))
    _topup(bdg.tenant, 25_000, now - dt.timedelta(days=1), state="refunded")
    _topup(bdg.tenant, 99_000, dt.datetime(2026, 10, 31, 16, 30, tzinfo=dt.UTC))  # Oct in WIB
    _topup(bdg.tenant, 10_000, now - dt.timedelta(days=1), purpose="roadside.job")
    _topup(bdg.tenant, 10_000, None, state="pending")
    _topup(jpr.tenant, 100_000, dt.datetime(2026, 10, 31, 16, 30, tzinfo=dt.UTC))  # Nov in WIT
    PropertyFactory(tenant=bdg.tenant, verification_status=VerificationStatus.PENDING)
    PropertyFactory(tenant=jpr.tenant, verification_status=VerificationStatus.UNDER_REVIEW)
    PropertyFactory(tenant=jpr.tenant, verification_status=VerificationStatus.REJECTED)
    return bdg, jpr


def test_the_overview_counts_each_authority_in_its_own_month(mfa_enrol):
    bdg, jpr = _populate(NOW)
    overview = platform_overview(actor=_root(mfa_enrol), now=NOW)
    rows = {
        r.client.tenant.slug: (
            r.customers,
            r.meters,
            r.online,
            r.offline,
            r.valves_closed,
            r.open_alerts,
            r.topup_minor,
            r.topup_count,
        )
        for r in overview.rows
    }
    assert rows == {
        "pdam-bandung": (3, 3, 2, 1, 2, 2, 75_000, 2),
        "pdam-jayapura": (1, 1, 0, 1, 0, 0, 100_000, 1),
    }
    assert overview.totals == {
        "customers": 4,
        "meters": 4,
        "online": 2,
        "offline": 2,
        "valves_closed": 2,
        "open_alerts": 2,
        "topup_minor": 175_000,
        "topup_count": 3,
        "clients": 2,
        "active_clients": 2,
    }
    assert overview.awaiting_verification == 2


def test_the_overview_page_shows_the_figures(client, mfa_enrol):
    now = timezone.now()
    _populate(now)
    client.force_login(_root(mfa_enrol))
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-total="customers">4<' in html
    assert 'data-total="valves_closed">2<' in html
    assert 'data-total="open_alerts">2<' in html
    assert "2 properties are waiting for verification." in html
    assert 'href="/water/platform/verification/" data-link="verification"' in html
    assert 'data-col="online">2<' in html
    assert 'hx-trigger="live:water.alert from:body' in html
    assert "<script>" not in html


def test_the_fragment_alone_answers_htmx(client, mfa_enrol):
    client.force_login(_root(mfa_enrol))
    response = client.get(PAGE, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'data-total="clients">0<' in html
    assert "No water authority yet" in html


def _clients(n):
    for i in range(n):
        tenant = TenantFactory(
            slug=f"pdam-q{i}", timezone="Asia/Makassar" if i % 2 else "Asia/Jakarta"
        )
        ClientFactory(tenant=tenant, timezone=tenant.timezone)
        MeterFactory(tenant=tenant, last_seen_at=timezone.now())
        CustomerFactory(tenant=tenant)
        _topup(tenant, 20_000, timezone.now() - dt.timedelta(seconds=30))


def _count_queries(client, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        assert client.get(PAGE, headers={"HX-Request": "true"}).status_code == 200


@pytest.mark.parametrize("n", [2, 6])
def test_the_overview_takes_the_same_number_of_queries_for_two_or_six_clients(
    client, mfa_enrol, django_assert_num_queries, n
):
    _clients(n)
    client.force_login(_root(mfa_enrol))
    client.get(PAGE)  # the session row and first-visit bookkeeping
    # session, user, the user's roles and MFA (session policy), then the page's own three:
    # clients with their counts, the month's top-ups, the verification queue's length
    _count_queries(client, django_assert_num_queries, 7)


def test_a_client_admin_is_refused_and_anonymous_is_sent_to_sign_in(client, mfa_enrol):
    world = authority("pdam-bogor")
    mfa_enrol(world.admin)
    assert client.get(PAGE).status_code == 302
    assert client.get(PAGE)["Location"].startswith("/accounts/login/")
    client.force_login(world.admin)
    assert client.get(PAGE).status_code == 403


def test_in_indonesian_money_uses_dots(client, mfa_enrol):
    bdg = authority("pdam-bandung")
    _topup(bdg.tenant, 75_000, timezone.now() - dt.timedelta(seconds=5))
    client.force_login(_root(mfa_enrol))
    html = client.get(PAGE, headers={"accept-language": "id"}).content.decode()
    assert 'data-col="topup">Rp 75.000<' in html
