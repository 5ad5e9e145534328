"""Hooks the RoadSide+ service calls as a job moves: each tells the people involved.

No roadside models exist yet, so the hooks take plain values. Each one stores the
notification(s) with `notify()` and a `roadside.job` live event ({reference, status}) for the
open pages of the users involved, both in the caller's transaction. Moments are shown in
Trinidad and Tobago time, amounts in TT dollars (minor units: cents).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction

from core.accounts.models import User
from core.notifications.models import Notification
from core.notifications.services import notify
from core.realtime.services import publish
from core.tenancy.models import Tenant
from roadside import events

TIMEZONE = "America/Port_of_Spain"
CURRENCY = "TTD"
LIVE_JOB = "roadside.job"

STATUS_EVENTS = {
    "accepted": events.JOB_ACCEPTED,
    "en_route": events.JOB_EN_ROUTE,
    "arrived": events.JOB_ARRIVED,
    "completed": events.JOB_COMPLETED,
    "cancelled": events.JOB_CANCELLED,
}


def _link(job_reference: str) -> str:
    return f"/roadside/jobs/{job_reference}/"


def job_offered(
    *,
    technician: User,
    job_reference: str,
    service: str,
    place: str,
    expires_at: datetime,
    tenant: Tenant | None = None,
) -> Notification | None:
    """Offer a job to a technician (urgent: push, in-app and SMS by default).

    Offering the same job again with a new expiry is a new offer; a retried call is not.
    """
    context = {
        "reference": job_reference,
        "service": service,
        "place": place,
        "expires_at": expires_at.isoformat(),
        "timezone": TIMEZONE,
    }
    with transaction.atomic():
        notification = notify(
            technician,
            events.JOB_OFFER,
            context,
            tenant=tenant,
            link=_link(job_reference),
            dedupe_key=f"offer:{job_reference}:{expires_at.isoformat()}",
        )
        publish(LIVE_JOB, {"reference": job_reference, "status": "offered"}, users=[technician.pk])
    return notification


def _status_context(
    status: str,
    job_reference: str,
    eta_minutes: int | None,
    amount_minor: int | None,
    cancelled_by: str,
    reason: str,
) -> dict[str, Any]:
    if status not in STATUS_EVENTS:
        raise ValueError(f"Unknown job status {status!r}.")
    context: dict[str, Any] = {"reference": job_reference, "timezone": TIMEZONE}
    if status == "en_route":
        if eta_minutes is None:
            raise ValueError("A job en route needs eta_minutes.")
        context["eta_minutes"] = int(eta_minutes)
    if status == "completed":
        if amount_minor is None:
            raise ValueError("A completed job needs amount_minor.")
        context["amount"] = {"minor": int(amount_minor), "currency": CURRENCY}
    if status == "cancelled":
        if not cancelled_by or not reason:
            raise ValueError("A cancelled job needs cancelled_by and reason.")
        context["cancelled_by"] = cancelled_by
        context["reason"] = reason
    return context


def job_status_changed(
    *,
    motorist: User,
    job_reference: str,
    status: str,
    eta_minutes: int | None = None,
    amount_minor: int | None = None,
    cancelled_by: str = "",
    reason: str = "",
    technician: User | None = None,
    tenant: Tenant | None = None,
) -> list[Notification]:
    """Tell the motorist (and, for a cancellation, the technician) where the job stands.

    `status` is accepted, en_route (with `eta_minutes`), arrived, completed (with
    `amount_minor` in TT cents) or cancelled (with `cancelled_by`, the name of who cancelled,
    and their `reason`). Each status is told once per job; the live event goes to both.
    """
    context = _status_context(
        status, job_reference, eta_minutes, amount_minor, cancelled_by, reason
    )
    recipients = [motorist]
    if status == "cancelled" and technician is not None:
        recipients.append(technician)
    sent: list[Notification] = []
    with transaction.atomic():
        for user in recipients:
            notification = notify(
                user,
                STATUS_EVENTS[status],
                context,
                tenant=tenant,
                link=_link(job_reference),
                dedupe_key=f"job:{job_reference}:{status}",
            )
            if notification is not None:
                sent.append(notification)
        involved = [motorist.pk] + ([technician.pk] if technician is not None else [])
        publish(LIVE_JOB, {"reference": job_reference, "status": status}, users=involved)
    return sent


def sos_raised(
    *,
    recipients: Iterable[User],
    job_reference: str,
    place: str,
    motorist_name: str,
    tenant: Tenant | None = None,
) -> list[Notification]:
    """Alert the security officers and dispatchers of an SOS: push, in-app and SMS, always.

    Every call alerts again (an SOS raised twice is never swallowed by a dedupe key).
    """
    context = {
        "reference": job_reference,
        "place": place,
        "motorist_name": motorist_name,
        "timezone": TIMEZONE,
    }
    people = list(recipients)
    sent: list[Notification] = []
    with transaction.atomic():
        for user in people:
            notification = notify(
                user, events.SOS_RAISED, context, tenant=tenant, link=_link(job_reference)
            )
            if notification is not None:
                sent.append(notification)
        publish(
            LIVE_JOB, {"reference": job_reference, "status": "sos"}, users=[u.pk for u in people]
        )
    return sent
