"""The platform superadmin's workspace in a real browser, at desktop and phone widths."""

from __future__ import annotations

import datetime as dt
import threading

from django.utils import timezone
from playwright.sync_api import expect

from core.audit.services import audit_record
from core.payments.models import Payment
from tests.e2e.conftest import screenshot as _screenshot
from tests.e2e.conftest import sign_in
from tests.factories import TenantFactory, UserFactory
from water.meters.models import ValveState
from water.registry.models import VerificationStatus
from water.registry.tests.factories import PropertyDocumentFactory
from water.tests.factories import (
    AlertFactory,
    ClientFactory,
    CustomerFactory,
    MeterFactory,
    PropertyFactory,
)

WIDTHS = {"desktop": (1280, 900), "phone": (360, 780)}


def _shoot(page, name: str) -> None:
    """The page as it is now at 1280 px and at 360 px, back at 1280 px afterwards."""
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("window.scrollTo(0, 0)")
        _screenshot(page, f"platform-{name}-{label}")
    page.set_viewport_size({"width": 1280, "height": 900})


def _authority(slug, name, legal, city, tz, *, meters, customers, topups):
    tenant = TenantFactory(slug=slug, name=name, timezone=tz)
    client = ClientFactory(tenant=tenant, legal_name=legal, city=city, timezone=tz)
    for i in range(customers):
        CustomerFactory(tenant=tenant, full_name=f"Pelanggan {i}")
    now = timezone.now()
    made = []
    for i in range(meters):
        seen = now - dt.timedelta(minutes=5 if i % 4 else 90)
        valve = ValveState.CLOSED if i % 5 == 0 else ValveState.OPEN
        made.append(MeterFactory(tenant=tenant, last_seen_at=seen, valve_state=valve))
    AlertFactory(meter=made[0])
    for i, amount in enumerate(topups):
        Payment.objects.create(
            reference=f"IW-{slug[:6].upper()}-{i:04d}",
            tenant=tenant,
            purpose="water.topup",
            purpose_ref=str(made[i % meters].pk),
            description="Water credit",
            currency="IDR",
            amount_minor=amount,
            fee_minor=350,
            total_minor=amount + 350,
            gateway="sandbox",
            method="qris",
            state="settled",
            settled_at=now - dt.timedelta(minutes=30 + i),
        )
    return client


def _seed(enrol_mfa):
    root = UserFactory(email="admin@indowater.id", full_name="Platform Admin", is_superuser=True)
    root.is_staff = True
    root.save(update_fields=["is_staff"])
    enrol_mfa(root)
    bandung = _authority(
        "tirtawening",
        "Perumda Tirtawening Kota Bandung",
        "Perumda Air Minum Tirtawening",
        "Bandung",
        "Asia/Jakarta",
        meters=8,
        customers=7,
        topups=[50_000, 100_000, 25_000],
    )
    _authority(
        "tirta-kahuripan",
        "PDAM Tirta Kahuripan",
        "Perumda Air Minum Tirta Kahuripan",
        "Bogor",
        "Asia/Jakarta",
        meters=4,
        customers=4,
        topups=[75_000],
    )
    _authority(
        "tirta-jayapura",
        "PDAM Jayapura",
        "Perumda Air Minum Jayapura",
        "Jayapura",
        "Asia/Jayapura",
        meters=3,
        customers=2,
        topups=[],
    )
    house = PropertyFactory(
        tenant=bandung.tenant,
        code="BDG-00117",
        name="Rumah Ibu Sari",
        address="Jl. Cihampelas No. 112",
        verification_status=VerificationStatus.PENDING,
    )
    PropertyDocumentFactory(
        property=house,
        document_type="ownership_certificate",
        original_name="sertifikat-hak-milik.png",
    )
    PropertyFactory(
        tenant=bandung.tenant,
        code="BDG-00118",
        name="Ruko Pasar Baru",
        property_type="shop_house",
        verification_status=VerificationStatus.UNDER_REVIEW,
    )
    audit_record(action="water.client_created", actor=root, tenant=bandung.tenant, target=bandung)
    return root, house


def _outside_the_browser_loop(make, *args):
    made = []
    worker = threading.Thread(target=lambda: made.append(make(*args)))
    worker.start()
    worker.join(timeout=60)
    return made[0]


def test_the_superadmin_reviews_and_approves_a_property(asgi_server, page, mfa_enrol):
    root, house = _outside_the_browser_loop(_seed, mfa_enrol)
    sign_in(page, asgi_server.url, root)
    base = f"{asgi_server.url}/water/platform"

    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    expect(page.locator('[data-total="customers"]')).to_have_text("13")
    expect(page.locator('[data-total="topup"]')).to_have_text("Rp 250,000")
    _shoot(page, "overview")

    page.goto(f"{base}/clients/")
    expect(page.locator("tr[data-client]")).to_have_count(3)
    _shoot(page, "clients")
    page.get_by_role("link", name="PDAM Tirta Kahuripan").click()
    expect(page.get_by_role("heading", name="Suspend this water authority")).to_be_visible()
    _shoot(page, "client")
    page.goto(f"{base}/clients/new/")
    page.get_by_role("button", name="Create the water authority").click()
    expect(page.locator(".field-errors").first).to_be_visible()
    _shoot(page, "client-new")

    page.goto(f"{base}/")
    page.get_by_role("link", name="Open the queue").click()
    expect(page.locator("tr[data-property]")).to_have_count(2)
    _shoot(page, "verification")
    page.get_by_role("link", name="BDG-00117 · Rumah Ibu Sari").click()
    expect(page.get_by_role("link", name="Download")).to_be_visible()
    page.get_by_role("button", name="Start review").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "under_review")
    page.fill("textarea[name=notes]", "Certificate matches the address.")
    _shoot(page, "property")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "approved")
    expect(page.get_by_text("The property was approved.")).to_be_visible()
    house.refresh_from_db()
    assert house.verification_status == VerificationStatus.APPROVED

    page.goto(f"{base}/audit/")
    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator('[data-chain="ok"]')).to_be_visible()
    expect(page.locator("tr[data-seq]").first).to_contain_text("water.property_verification")
    _shoot(page, "audit")
    # The empty form was answered 422 on purpose; nothing else may complain (CSP, scripts).
    assert [p for p in page.problems if "status of 422" not in p] == []
