"""The First Atlantic Commerce adapter against a local PowerTranz API."""

from __future__ import annotations

import json
import socket
import uuid
from decimal import Decimal

import pytest
import requests

from core.payments.gateways.base import (
    Checkout,
    CheckoutRequest,
    Credentials,
    EventStatus,
    GatewayError,
    GatewayEvent,
    GatewayMisconfigured,
    Inbound,
    InvalidNotification,
    RefundResult,
    Unsupported,
)
from core.payments.gateways.fac import webhooks
from core.payments.gateways.fac.adapter import FacGateway
from core.payments.gateways.registry import gateway_class
from core.payments.tests.servers.fac import (
    PAGE_NAME,
    PAGE_SET,
    POWERTRANZ_ID,
    POWERTRANZ_PASSWORD,
    FakePowerTranz,
)

RETURN_URL = "https://platform.example.test/payments/return/fac/"
APPROVE, DECLINE = "4111111111111111", "4111111111113333"


@pytest.fixture
def fac():
    with FakePowerTranz() as server:
        yield server


def gateway(server, **values) -> FacGateway:
    secrets = {
        "powertranz_id": POWERTRANZ_ID,
        "powertranz_password": POWERTRANZ_PASSWORD,
        "page_set": PAGE_SET,
        "page_name": PAGE_NAME,
        **values,
    }
    return FacGateway(Credentials("fac", False, secrets, server.api_root))


def checkout_request(**overrides) -> CheckoutRequest:
    fields = {
        "reference": "RS-261122-0001",
        "amount_minor": 12000,
        "currency": "TTD",
        "method": "card",
        "description": "Towing, Port of Spain",
        "return_url": RETURN_URL,
        "notify_url": "https://platform.example.test/payments/webhooks/fac/",
        **overrides,
    }
    return CheckoutRequest(**fields)


def posted(form: dict[str, str]) -> Inbound:
    """The browser's POST to MerchantResponseUrl, as the view hands it over."""
    return Inbound(
        method="POST",
        path="/payments/return/fac/",
        headers={"content-type": "application/x-www-form-urlencoded"},
        form=form,
    )


def paid(server, adapter, card=APPROVE, **overrides) -> tuple[Checkout, Inbound]:
    checkout = adapter.create(checkout_request(**overrides))
    return checkout, posted(server.hosted_page_submit(checkout.extra["spi_token"], card))


def test_the_registry_finds_the_adapter():
    assert gateway_class("fac") is FacGateway
    assert FacGateway.currencies == frozenset({"TTD", "USD"})
    assert FacGateway.methods == ("card",)
    assert FacGateway.secret_names == ("powertranz_id", "powertranz_password")
    assert (FacGateway.supports_refund, FacGateway.supports_partial_refund) == (True, True)
    assert FacGateway.supports_query is False


@pytest.mark.parametrize(
    ("production", "root"),
    [(False, "https://staging.ptranz.com/api"), (True, "https://gateway.ptranz.com/api")],
)
def test_the_root_follows_the_environment(production, root):
    assert FacGateway(Credentials("fac", production, {})).root == root


def test_create_posts_the_sale_and_returns_the_spi_token(fac):
    checkout = gateway(fac).create(checkout_request())

    [received] = fac.received
    body = json.loads(received.body, parse_float=Decimal)
    txn = body["TransactionIdentifier"]
    sale = fac.sales[txn]
    assert received.path == "/api/spi/sale"
    assert received.headers["content-type"] == "application/json"
    assert received.headers["powertranz-powertranzid"] == POWERTRANZ_ID
    assert received.headers["powertranz-powertranzpassword"] == POWERTRANZ_PASSWORD
    assert str(uuid.UUID(txn, version=4)) == txn
    assert b'"TotalAmount": 120.00' in received.body
    assert body == {
        "TransactionIdentifier": txn,
        "CurrencyCode": "780",
        "ThreeDSecure": True,
        "OrderIdentifier": "RS-261122-0001",
        "AddressMatch": False,
        "ExtendedData": {
            "ThreeDSecure": {"ChallengeWindowSize": 4, "ChallengeIndicator": "01"},
            "MerchantResponseUrl": RETURN_URL,
            "HostedPage": {"PageSet": "PTZ/RoadSidePlus", "PageName": "CardPayment"},
        },
        "TotalAmount": Decimal("120.00"),
    }
    assert checkout == Checkout(
        gateway_txn_id=txn,
        redirect_url="",
        extra={
            "spi_token": sale.spi_token,
            "redirect_html": (
                "<!DOCTYPE html><html><head></head><body>"
                f'<form method="post" action="{fac.origin}/hpp/{sale.spi_token}"></form>'
                "</body></html>"
            ),
        },
    )


@pytest.mark.parametrize(
    ("amount_minor", "currency", "raw", "code"),
    [
        (12050, "TTD", b'"TotalAmount": 120.50', "780"),
        (5, "TTD", b'"TotalAmount": 0.05', "780"),
        (1234567, "USD", b'"TotalAmount": 12345.67', "840"),
    ],
)
def test_amounts_are_exact_numbers_with_two_decimals(fac, amount_minor, currency, raw, code):
    gateway(fac).create(checkout_request(amount_minor=amount_minor, currency=currency))

    body = fac.received[0].body
    assert raw in body
    assert json.loads(body)["CurrencyCode"] == code


def test_each_sale_gets_a_new_transaction_identifier(fac):
    adapter = gateway(fac)

    first = adapter.create(checkout_request())
    second = adapter.create(checkout_request(reference="RS-261122-0002"))

    assert first.gateway_txn_id != second.gateway_txn_id
    assert len(fac.sales) == 2


def test_a_currency_fac_does_not_take_here_is_refused_before_any_request(fac):
    with pytest.raises(GatewayError) as error:
        gateway(fac).create(checkout_request(currency="IDR", amount_minor=50000))

    assert (error.value.code, error.value.retry) == ("currency", False)
    assert fac.received == []


def test_a_missing_hosted_page_is_misconfigured(fac):
    with pytest.raises(GatewayMisconfigured):
        gateway(fac, page_name="").create(checkout_request())
    assert fac.received == []


def test_a_page_set_without_the_portal_prefix_is_refused_by_powertranz(fac):
    with pytest.raises(GatewayError) as error:
        gateway(fac, page_set="RoadSidePlus").create(checkout_request())

    assert (error.value.code, error.value.retry) == ("30", False)
    assert str(error.value) == "PowerTranz: Hosted page not found"
    assert fac.sales == {}


def test_a_plain_http_return_url_is_refused_by_powertranz(fac):
    with pytest.raises(GatewayError) as error:
        gateway(fac).create(checkout_request(return_url="http://platform.example.test/r/"))

    assert (error.value.code, str(error.value)) == (
        "30",
        "PowerTranz: MerchantResponseUrl must be an https URL",
    )


def test_a_wrong_password_is_misconfigured(fac):
    with pytest.raises(GatewayMisconfigured) as error:
        gateway(fac, powertranz_password="wrong").create(checkout_request())

    assert (error.value.code, error.value.retry) == ("401", False)
    assert "wrong" not in str(error.value)
    assert fac.sales == {}


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_and_throttling_are_retryable(fac, status):
    fac.outage = status

    with pytest.raises(GatewayError) as error:
        gateway(fac).create(checkout_request())

    assert (error.value.code, error.value.retry) == (str(status), True)


def test_connection_refused_is_retryable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    secrets = {
        "powertranz_id": POWERTRANZ_ID,
        "powertranz_password": POWERTRANZ_PASSWORD,
        "page_set": PAGE_SET,
        "page_name": PAGE_NAME,
    }
    adapter = FacGateway(Credentials("fac", False, secrets, f"http://127.0.0.1:{port}/api"))

    with pytest.raises(GatewayError) as error:
        adapter.create(checkout_request())

    assert (error.value.code, error.value.retry) == ("network", True)


def sale_body(**overrides) -> dict:
    return {
        "TransactionIdentifier": str(uuid.uuid4()),
        "TotalAmount": 120.00,
        "CurrencyCode": "780",
        "ThreeDSecure": True,
        "OrderIdentifier": "RS-261122-0009",
        "AddressMatch": False,
        "ExtendedData": {
            "MerchantResponseUrl": RETURN_URL,
            "HostedPage": {"PageSet": PAGE_SET, "PageName": PAGE_NAME},
        },
        **overrides,
    }


def post_sale(server, body) -> dict:
    headers = {
        "PowerTranz-PowerTranzId": POWERTRANZ_ID,
        "PowerTranz-PowerTranzPassword": POWERTRANZ_PASSWORD,
    }
    response = requests.post(server.api_root + "/spi/sale", json=body, headers=headers, timeout=5)
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"TransactionIdentifier": "RS-261122-0009"}, "TransactionIdentifier must be a GUID"),
        ({"CurrencyCode": "TTD"}, "CurrencyCode must be an ISO 4217 numeric code"),
        ({"CurrencyCode": 780}, "CurrencyCode must be an ISO 4217 numeric code"),
        ({"TotalAmount": "120.00"}, "TotalAmount must be a number"),
        ({"TotalAmount": 120.005}, "TotalAmount has more than 2 decimals"),
        ({"OrderIdentifier": ""}, "OrderIdentifier is required"),
    ],
)
def test_the_local_server_refuses_malformed_sales(fac, overrides, message):
    answer = post_sale(fac, sale_body(**overrides))

    assert (answer["Approved"], answer["IsoResponseCode"], answer["ResponseMessage"]) == (
        False,
        "30",
        message,
    )
    assert fac.sales == {}


def test_the_local_server_refuses_a_reused_transaction_identifier(fac):
    body = sale_body()
    assert post_sale(fac, body)["IsoResponseCode"] == "SP4"

    answer = post_sale(fac, {**body, "OrderIdentifier": "RS-261122-0010"})

    assert (answer["IsoResponseCode"], answer["ResponseMessage"]) == (
        "94",
        "Duplicate TransactionIdentifier",
    )
    assert [sale.order for sale in fac.sales.values()] == ["RS-261122-0009"]


def test_an_approved_card_is_completed_and_settles(fac):
    adapter = gateway(fac)
    checkout, inbound = paid(fac, adapter)

    event = adapter.parse_return(inbound)

    txn = checkout.gateway_txn_id
    completion = fac.received[-1]
    assert completion.path == "/api/spi/payment"
    assert completion.body == json.dumps(checkout.extra["spi_token"]).encode()
    assert completion.headers["content-type"] == "application/json"
    assert "powertranz-powertranzpassword" not in completion.headers
    assert event == GatewayEvent(
        reference="RS-261122-0001",
        status=EventStatus.SETTLED,
        gateway_status="00 Transaction is approved",
        dedupe_id=f"fac:{txn}:settled",
        amount_minor=12000,
        currency="TTD",
        gateway_txn_id=txn,
        payload={
            "TransactionType": 2,
            "Approved": True,
            "TransactionIdentifier": txn,
            "TotalAmount": "120.0",
            "CurrencyCode": "780",
            "CardBrand": "Visa",
            "IsoResponseCode": "00",
            "ResponseMessage": "Transaction is approved",
            "OrderIdentifier": "RS-261122-0001",
            "AuthorizationCode": "123456",
            "RRN": "633012345678",
            "PanToken": "tk-1",
        },
    )


def test_usd_with_cents_settles_in_usd(fac):
    adapter = gateway(fac)
    _, inbound = paid(fac, adapter, amount_minor=2599, currency="USD")

    event = adapter.parse_return(inbound)

    assert (event.status, event.amount_minor, event.currency) == (EventStatus.SETTLED, 2599, "USD")


def test_a_declined_card_fails(fac):
    adapter = gateway(fac)
    checkout, inbound = paid(fac, adapter, card=DECLINE)

    event = adapter.parse_return(inbound)

    txn = checkout.gateway_txn_id
    assert (event.status, event.gateway_status, event.dedupe_id, event.amount_minor) == (
        EventStatus.FAILED,
        "05 Do not honor",
        f"fac:{txn}:failed",
        None,
    )
    assert event.reference == "RS-261122-0001"


@pytest.mark.parametrize(
    ("card", "status", "gateway_status"),
    [
        ("4111111111111111", EventStatus.SETTLED, "00 Transaction is approved"),
        ("5111111111111111", EventStatus.SETTLED, "00 Transaction is approved"),
        ("4111111111113333", EventStatus.FAILED, "05 Do not honor"),
        ("5111111111113333", EventStatus.FAILED, "05 Do not honor"),
        ("5555666666662222", EventStatus.FAILED, "05 Do not honor"),
    ],
)
def test_completion_outcomes_map(fac, card, status, gateway_status):
    adapter = gateway(fac)
    _, inbound = paid(fac, adapter, card=card)

    event = adapter.parse_return(inbound)

    assert (event.status, event.gateway_status) == (status, gateway_status)


@pytest.mark.parametrize(
    ("approved", "iso", "status"),
    [
        (True, "00", EventStatus.SETTLED),
        (True, "10", EventStatus.FAILED),
        (False, "00", EventStatus.FAILED),
        (False, "05", EventStatus.FAILED),
        (False, "51", EventStatus.FAILED),
        (False, "91", EventStatus.FAILED),
        ("true", "00", EventStatus.FAILED),
    ],
)
def test_the_status_table(approved, iso, status):
    assert webhooks.map_status(approved, iso) == status


def test_the_payment_is_completed_only_once(fac):
    adapter = gateway(fac)
    checkout, inbound = paid(fac, adapter)
    first = adapter.parse_return(inbound)

    again = adapter.parse_return(inbound)

    txn = checkout.gateway_txn_id
    assert first.status == EventStatus.SETTLED
    assert (again.status, again.gateway_status, again.dedupe_id) == (
        EventStatus.FAILED,
        "12 SpiToken not usable",
        f"fac:{txn}:failed",
    )
    assert fac.completions == 1


def test_a_token_older_than_five_minutes_is_refused(fac):
    adapter = gateway(fac)
    _, inbound = paid(fac, adapter)
    fac.advance(301)

    event = adapter.parse_return(inbound)

    assert (event.status, event.gateway_status) == (EventStatus.FAILED, "12 SpiToken expired")
    assert fac.completions == 0


def test_a_completion_before_the_hosted_page_is_refused(fac):
    adapter = gateway(fac)
    checkout = adapter.create(checkout_request())
    response = {
        "IsoResponseCode": "HP0",
        "TransactionIdentifier": checkout.gateway_txn_id,
        "OrderIdentifier": "RS-261122-0001",
        "SpiToken": checkout.extra["spi_token"],
    }

    event = adapter.parse_return(posted({"Response": json.dumps(response)}))

    assert (event.status, event.gateway_status) == (EventStatus.FAILED, "12 SpiToken not usable")
    assert fac.completions == 0


def test_the_browser_post_is_not_trusted(fac):
    adapter = gateway(fac)
    checkout, inbound = paid(fac, adapter)
    forged = json.loads(inbound.form["Response"])
    forged |= {"TotalAmount": 1.00, "OrderIdentifier": "RS-261122-0099", "CurrencyCode": "840"}

    event = adapter.parse_return(posted({"Response": json.dumps(forged)}))

    assert (event.reference, event.amount_minor, event.currency) == ("RS-261122-0001", 12000, "TTD")


def test_a_forged_token_gets_nothing(fac):
    adapter = gateway(fac)
    response = {
        "IsoResponseCode": "HP0",
        "TransactionIdentifier": str(uuid.uuid4()),
        "OrderIdentifier": "RS-261122-0001",
        "SpiToken": "made-up",
    }

    with pytest.raises(InvalidNotification, match="12 SpiToken not found"):
        adapter.parse_return(posted({"Response": json.dumps(response)}))
    assert fac.completions == 0


def test_a_hosted_page_post_other_than_hp0_fails_without_completing(fac):
    adapter = gateway(fac)
    checkout = adapter.create(checkout_request())
    txn = checkout.gateway_txn_id
    response = {
        "Approved": False,
        "IsoResponseCode": "3D1",
        "ResponseMessage": "3DS not supported",
        "TransactionIdentifier": txn,
        "OrderIdentifier": "RS-261122-0001",
    }

    event = adapter.parse_return(posted({"Response": json.dumps(response)}))

    assert event == GatewayEvent(
        reference="RS-261122-0001",
        status=EventStatus.FAILED,
        gateway_status="3D1 3DS not supported",
        dedupe_id=f"fac:{txn}:failed",
        gateway_txn_id=txn,
        payload=response,
    )
    assert [r.path for r in fac.received] == ["/api/spi/sale"]


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"Response": "not json"},
        {"Response": "[1, 2]"},
        {"Response": json.dumps({"IsoResponseCode": "HP0", "OrderIdentifier": "RS-1"})},
        {"Response": json.dumps({"IsoResponseCode": "05", "OrderIdentifier": "RS-1"})},
    ],
)
def test_an_unreadable_post_is_invalid(fac, form):
    with pytest.raises(InvalidNotification):
        gateway(fac).parse_return(posted(form))
    assert fac.received == []


def test_completion_server_errors_are_retryable(fac):
    adapter = gateway(fac)
    _, inbound = paid(fac, adapter)
    fac.outage = 502

    with pytest.raises(GatewayError) as error:
        adapter.parse_return(inbound)

    assert (error.value.code, error.value.retry) == ("502", True)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"TotalAmount": Decimal("120.005"), "CurrencyCode": "780"}, "more decimals"),
        ({"TotalAmount": Decimal("120.5"), "CurrencyCode": "360"}, "more decimals"),
        ({"TotalAmount": Decimal("120.00"), "CurrencyCode": "999"}, "Unknown CurrencyCode"),
        ({"TotalAmount": "120.00", "CurrencyCode": "780"}, "no TotalAmount"),
        ({"TotalAmount": Decimal("120.00"), "OrderIdentifier": ""}, "names no order"),
    ],
)
def test_an_unusable_approval_is_a_gateway_error(answer, message):
    data = {
        "Approved": True,
        "IsoResponseCode": "00",
        "TransactionIdentifier": "t",
        "OrderIdentifier": "RS-1",
        **answer,
    }

    with pytest.raises(GatewayError, match=message):
        webhooks.completion_event(data)


def test_the_reference_is_peeked_from_the_posted_response():
    form = {"Response": json.dumps({"OrderIdentifier": "RS-261122-0001"})}

    assert FacGateway.peek_reference(posted(form)) == "RS-261122-0001"
    assert FacGateway.peek_reference(posted({"Response": "{"})) == ""
    assert FacGateway.peek_reference(posted({})) == ""


def settled(server, adapter) -> Checkout:
    checkout, inbound = paid(server, adapter)
    assert adapter.parse_return(inbound).status == EventStatus.SETTLED
    return checkout


def refund(adapter, checkout, amount_minor, key):
    return adapter.refund(
        reference="RS-261122-0001",
        gateway_txn_id=checkout.gateway_txn_id,
        amount_minor=amount_minor,
        currency="TTD",
        reason="Service cancelled",
        refund_key=key,
    )


def test_a_full_refund(fac):
    adapter = gateway(fac)
    checkout = settled(fac, adapter)

    result = refund(adapter, checkout, 12000, "RF-0001")

    received = fac.received[-1]
    assert received.path == "/api/refund"
    assert received.headers["powertranz-powertranzid"] == POWERTRANZ_ID
    assert b'"TotalAmount": 120.00' in received.body
    assert json.loads(received.body) == {
        "Refund": True,
        "TransactionIdentifier": checkout.gateway_txn_id,
        "CurrencyCode": "780",
        "ExternalIdentifier": "RF-0001",
        "TotalAmount": 120.0,
    }
    assert result == RefundResult(
        refund_id="RF-0001",
        status="succeeded",
        payload={
            "TransactionType": 5,
            "Approved": True,
            "TransactionIdentifier": checkout.gateway_txn_id,
            "ExternalIdentifier": "RF-0001",
            "TotalAmount": "120.0",
            "CurrencyCode": "780",
            "RRN": "633012340001",
            "IsoResponseCode": "00",
            "ResponseMessage": "Approved",
            "OrderIdentifier": "RS-261122-0001",
        },
    )
    assert fac.sales[checkout.gateway_txn_id].refunded == Decimal("120.00")


def test_partial_refunds_up_to_the_total(fac):
    adapter = gateway(fac)
    checkout = settled(fac, adapter)

    first = refund(adapter, checkout, 5050, "RF-0001")
    second = refund(adapter, checkout, 6950, "RF-0002")
    with pytest.raises(GatewayError) as error:
        refund(adapter, checkout, 1, "RF-0003")

    assert (first.refund_id, second.refund_id) == ("RF-0001", "RF-0002")
    assert (error.value.code, error.value.retry, str(error.value)) == (
        "13",
        False,
        "PowerTranz: Invalid amount",
    )
    assert fac.sales[checkout.gateway_txn_id].refunded == Decimal("120.00")


def test_a_refund_retried_with_the_same_key_refunds_once(fac):
    adapter = gateway(fac)
    checkout = settled(fac, adapter)

    first = refund(adapter, checkout, 5000, "RF-0001")
    again = refund(adapter, checkout, 5000, "RF-0001")

    assert first == again
    assert fac.sales[checkout.gateway_txn_id].refunded == Decimal("50.00")


def test_a_refund_of_a_declined_sale_is_refused(fac):
    adapter = gateway(fac)
    checkout, inbound = paid(fac, adapter, card=DECLINE)
    adapter.parse_return(inbound)

    with pytest.raises(GatewayError) as error:
        refund(adapter, checkout, 12000, "RF-0001")

    assert (error.value.code, str(error.value)) == (
        "12",
        "PowerTranz: Original transaction not found",
    )


def test_a_refund_with_a_wrong_password_is_misconfigured(fac):
    checkout = settled(fac, gateway(fac))

    with pytest.raises(GatewayMisconfigured):
        refund(gateway(fac, powertranz_password="wrong"), checkout, 12000, "RF-0001")
    assert fac.sales[checkout.gateway_txn_id].refunded == Decimal(0)


def test_there_is_no_status_inquiry(fac):
    with pytest.raises(Unsupported):
        gateway(fac).query("RS-261122-0001", "some-guid")
    assert fac.received == []
