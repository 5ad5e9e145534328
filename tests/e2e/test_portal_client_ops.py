"""A water authority's operator in a real browser: dashboard, meters, a new meter, a valve."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from core.payments.models import Payment, State
from tests.e2e.conftest import screenshot as _screenshot
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, TenantFactory, UserFactory
from water.billing.models import DailyUsage, LedgerEntry, PrepaidAccount
from water.meters.models import Meter, MeterStatus, ValveState
from water.portal.client.ops_common import ops_workspace_get
from water.tests.factories import (
    AlertFactory,
    ClientFactory,
    CustomerFactory,
    MeterFactory,
    PropertyFactory,
)
from water.valves.models import CommandStatus, ValveCommand
from water.valves.services import valve_commands_publish

pytestmark = [pytest.mark.browser]

PEOPLE = [
    ("Sari Wulandari", "Jl. Cihampelas No. 112", 86_500, ValveState.OPEN, 4),
    ("Budi Santoso", "Jl. Dago No. 21", 7_500, ValveState.OPEN, 12),
    ("Dewi Lestari", "Jl. Riau No. 8", -3_200, ValveState.CLOSED, 6),
    ("Agus Pratama", "Jl. Braga No. 45", 152_000, ValveState.OPEN, 240),
    ("Rina Kusuma", "Jl. Setiabudi No. 77", 41_000, ValveState.OPEN, 9),
    ("Hendra Wijaya", "Jl. Pasteur No. 3", 0, ValveState.CLOSED, 2),
]


def screenshot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    _screenshot(page, name)


def _both_widths(page, name: str) -> None:
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size({"width": 360, "height": 780})
    # Chart.js follows its box on the next animation frames.
    page.wait_for_timeout(400)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{name} scrolls sideways on a phone ({width}px)"
    screenshot(page, f"{name}-phone")
    page.set_viewport_size({"width": 1280, "height": 900})


def _in_a_thread(make, *args):
    """Database work that may publish live events runs off the browser's event loop."""
    made = []
    worker = threading.Thread(target=lambda: made.append(make(*args)))
    worker.start()
    worker.join(timeout=30)
    return made[0]


def _authority(enrol_mfa):
    tenant = TenantFactory(name="Perumda Tirtawening Kota Bandung", slug="tirtawening")
    ClientFactory(tenant=tenant, legal_name="Perumda Air Minum Tirtawening")
    operator = UserFactory(email="rudi@tirtawening.test", full_name="Rudi Hartono")
    MembershipFactory(user=operator, tenant=tenant, role="client_operator")
    _secret, codes = enrol_mfa(operator)
    now = timezone.now()
    today = ops_workspace_get(tenant_id=tenant.pk).today()
    for n, (name, address, balance, valve, minutes) in enumerate(PEOPLE):
        customer = CustomerFactory(
            tenant=tenant, full_name=name, customer_number=f"TW-{2024100 + n}"
        )
        home = PropertyFactory(
            tenant=tenant,
            code=f"BDG-{n + 1:04d}",
            name=f"Rumah {name.split()[0]}",
            address=address,
        )
        meter = MeterFactory(
            tenant=tenant,
            property=home,
            customer=customer,
            serial=f"IW-BDG-00421{n:02d}",
            valve_state=valve,
            last_seen_at=now - timedelta(minutes=minutes),
            last_reading_at=now - timedelta(minutes=minutes),
            last_register_litres=184_250 + n * 37_115,
            battery_pct=88 - n * 7,
            signal_dbm=-71 - n,
        )
        PrepaidAccount.objects.create(tenant=tenant, meter=meter, balance_idr=balance)
        for day in range(30):
            litres = 380 + (day * 53 + n * 91) % 420
            DailyUsage.objects.create(
                tenant=tenant,
                meter=meter,
                day=today - timedelta(days=day),
                litres=litres,
                charge_idr=litres * 5,
                readings=24,
            )
        if n == 2:
            ValveCommand.objects.create(
                tenant=tenant,
                meter=meter,
                kind="close",
                reason="Credit exhausted",
                status=CommandStatus.ACKNOWLEDGED,
                sent_at=now - timedelta(hours=5),
                acknowledged_at=now - timedelta(hours=5),
                expires_at=now + timedelta(hours=19),
                attempts=1,
            )
            ValveCommand.objects.filter(meter=meter).update(
                created_at=now - timedelta(hours=5, minutes=2)
            )
            account = PrepaidAccount.objects.get(meter=meter)
            for kind, amount, after, memo in (
                ("topup", 20_000, 20_000, "Cash at the Dago counter"),
                ("monthly_charge", -5_000, 15_000, "Fixed charge November"),
                ("consumption", -9_800, 5_200, ""),
                ("consumption", -8_400, -3_200, ""),
            ):
                LedgerEntry.objects.create(
                    tenant=tenant,
                    account=account,
                    kind=kind,
                    amount_idr=amount,
                    balance_after_idr=after,
                    memo=memo,
                )
    PropertyFactory(tenant=tenant, code="BDG-0100", name="Ruko Jl. Merdeka No. 5")
    MeterFactory(tenant=tenant, serial="IW-BDG-0099001", status=MeterStatus.RETIRED)
    meters = list(Meter.objects.filter(tenant=tenant).order_by("pk"))
    AlertFactory(
        meter=meters[3], kind="offline", severity="critical", message="No report for 4 hours."
    )
    AlertFactory(
        meter=meters[1],
        kind="low_balance",
        severity="warning",
        message="Balance Rp 7,500 is under Rp 10,000.",
    )
    AlertFactory(
        meter=meters[2],
        kind="zero_balance",
        severity="critical",
        message="Credit exhausted; the valve was closed.",
    )
    AlertFactory(
        meter=meters[0],
        kind="leak",
        severity="warning",
        message="Water ran all night between 01:00 and 04:00.",
    )
    for n, amount in enumerate((50_000, 100_000, 25_000)):
        Payment.objects.create(
            reference=f"IW-E2E-{n}",
            tenant=tenant,
            purpose="water.topup",
            purpose_ref="1",
            description="Water credit",
            currency="IDR",
            amount_minor=amount,
            fee_minor=350,
            total_minor=amount + 350,
            gateway="sandbox",
            method="qris",
            state=State.SETTLED,
            settled_at=now - timedelta(minutes=10 * n),
        )
    return tenant, operator, codes


def _command_sent(command_id: int) -> None:
    with transaction.atomic():
        command = ValveCommand.objects.get(pk=command_id)
        command.status = CommandStatus.SENT
        command.sent_at = timezone.now()
        command.attempts = 1
        command.save(update_fields=["status", "sent_at", "attempts"])
        valve_commands_publish([command])


def test_an_operator_registers_a_meter_and_closes_its_valve(asgi_server, page, mfa_enrol):
    tenant, operator, codes = _in_a_thread(_authority, mfa_enrol)
    base = f"{asgi_server.url}/water/t/{tenant.pk}"

    # signs in: password, then a recovery code as the second step
    page.goto(f"{base}/")
    page.fill("input[name=email]", operator.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(f"{asgi_server.url}/accounts/login/verify/**")
    page.fill("input[name=code]", codes[0])
    page.click("main form[method=post] button[type=submit]")

    # the dashboard
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator('[data-figure="customers"]')).to_have_text("6")
    expect(page.locator('[data-figure="online"]')).to_have_text("5")
    expect(page.locator('[data-figure="sold_today"]')).to_have_text("Rp 175,000")
    expect(page.locator(".ops-chart.is-drawn canvas")).to_be_visible()
    # with the chart drawn, the same figures as a table fold away (they stay open without JS)
    expect(page.locator(".ops-table-toggle table")).to_be_hidden()
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "online")
    _both_widths(page, "client-ops-dashboard")

    # the meter list, filtered to low credit
    page.get_by_role("link", name="Meters", exact=True).click()
    expect(page.locator(".ops-table tbody tr")).to_have_count(7)
    _both_widths(page, "client-ops-meters")
    page.check("input[name=low_credit]")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".ops-table tbody tr")).to_have_count(3)

    # registers a meter and sees its provisioning token once
    page.get_by_role("link", name="Register a meter").first.click()
    page.fill("#id_serial", "IW-BDG-0050001")
    page.fill("#id_property_code", "BDG-0100")
    page.fill("#id_model", "IndoWater SM-200")
    screenshot(page, "client-ops-meter-new-desktop")
    page.get_by_role("button", name="Register the meter").click()
    expect(page.get_by_role("heading", name="Meter IW-BDG-0050001 registered")).to_be_visible()
    expect(page.locator("[data-token]")).not_to_be_empty()
    screenshot(page, "client-ops-meter-registered-desktop")

    # opens its page and closes the valve with a reason
    page.get_by_role("link", name="Open the meter's page").click()
    expect(page.get_by_role("heading", name="Meter IW-BDG-0050001")).to_be_visible()
    page.fill("#valve-reason", "Installation not finished: keep the supply off")
    page.get_by_role("button", name="Close valve").click()
    expect(page.get_by_text("Valve command queued: Close valve.")).to_be_visible()
    status = page.locator("[data-command-status]").first
    expect(status).to_have_attribute("data-command-status", "pending")
    command = ValveCommand.objects.get(meter__serial="IW-BDG-0050001")
    assert (command.kind, command.reason) == (
        "close",
        "Installation not finished: keep the supply off",
    )

    # the command's delivery shows up live, without a reload
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "online")
    _in_a_thread(_command_sent, command.pk)
    expect(status).to_have_attribute("data-command-status", "sent")

    # a busy meter's page at both widths
    busy = Meter.objects.get(serial="IW-BDG-0042102")
    page.goto(f"{base}/meters/{busy.pk}/")
    expect(page.locator(".ops-chart.is-drawn canvas")).to_be_visible()
    _both_widths(page, "client-ops-meter-detail")

    # the alerts inbox: acknowledge one
    page.get_by_role("link", name="Alerts", exact=True).click()
    expect(page.locator(".ops-alert")).to_have_count(4)
    _both_widths(page, "client-ops-alerts")
    page.locator(".ops-alert", has_text="Water ran all night").get_by_role(
        "button", name="Acknowledge"
    ).click()
    expect(page.get_by_text("Alert acknowledged.")).to_be_visible()
    expect(page.locator(".ops-alert")).to_have_count(3)
    page.get_by_role("link", name="Acknowledged").click()
    expect(page.locator(".ops-alert", has_text="Water ran all night")).to_have_count(1)
    assert page.problems == []
