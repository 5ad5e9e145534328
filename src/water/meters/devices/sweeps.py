"""Periodic checks of the fleet: meters gone silent, and water running all night.

Both are idempotent: running them again in the same minute (or on the same day) raises
nothing new.

Offline: an active meter heard from before (`last_seen_at` set) but not in the last 30
minutes gets an OFFLINE alert; the alert resolves when the meter reports again (ingestion)
or, here, when a later sweep finds it heard from again.

Leak (continuous night flow): the night is the client's local 01:00–04:00 of the latest
night that has ended (today's if local time is past 04:00, else yesterday's). A meter is
suspected of leaking when it has at least `LEAK_MIN_READINGS` readings taken in that window
(01:00 inclusive, 04:00 exclusive), the first and last at least `LEAK_MIN_SPAN` apart, and
every one of them shows consumption > 0 litres. One LEAK alert per night: the night is kept
in the alert's data, and an open alert already carrying it is left alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from water.meters.models import Meter, MeterStatus, Reading
from water.registry.models import Client
from water.valves.models import Alert, AlertKind, AlertStatus
from water.valves.services import alert_raise, alert_resolve_kind

OFFLINE_AFTER = timedelta(minutes=30)
NIGHT_START = time(1, 0)
NIGHT_END = time(4, 0)
LEAK_MIN_READINGS = 3
LEAK_MIN_SPAN = timedelta(hours=2)
DEFAULT_TIMEZONE = "Asia/Jakarta"


@dataclass(frozen=True)
class FleetSweep:
    """Alerts the sweep opened or resolved."""

    offline_raised: int
    offline_resolved: int
    leaks_raised: int


def _open_alert_meter_ids(kind: str) -> set[int]:
    return set(
        Alert.objects.filter(kind=kind)
        .exclude(status=AlertStatus.RESOLVED)
        .values_list("meter_id", flat=True)
    )


def meters_offline_sweep(*, now: datetime | None = None) -> tuple[int, int]:
    """Raise OFFLINE for silent active meters; resolve it for meters heard again."""
    current = now or timezone.now()
    cutoff = current - OFFLINE_AFTER
    already = _open_alert_meter_ids(AlertKind.OFFLINE)
    silent = Meter.objects.filter(
        status=MeterStatus.ACTIVE, last_seen_at__isnull=False, last_seen_at__lt=cutoff
    ).exclude(pk__in=already)
    raised = 0
    for meter in silent:
        alert_raise(
            meter=meter,
            kind=AlertKind.OFFLINE,
            message=f"No report since {meter.last_seen_at:%Y-%m-%d %H:%M} UTC.",
            data={"last_seen_at": meter.last_seen_at.isoformat() if meter.last_seen_at else ""},
        )
        raised += 1
    resolved = 0
    for meter in Meter.objects.filter(pk__in=already, last_seen_at__gte=cutoff):
        resolved += alert_resolve_kind(meter=meter, kind=AlertKind.OFFLINE)
    return raised, resolved


def last_night(local_now: datetime) -> date:
    """The local date of the latest 01:00–04:00 window that has ended."""
    today = local_now.date()
    return today if local_now.time() >= NIGHT_END else today - timedelta(days=1)


def night_window_utc(night: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants of local 01:00 and 04:00 on `night`."""
    start = datetime.combine(night, NIGHT_START, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(night, NIGHT_END, tzinfo=zone).astimezone(UTC)
    return start, end


def meters_leak_sweep(*, now: datetime | None = None) -> int:
    """Raise one LEAK alert per meter and night of continuous night flow (see module doc)."""
    current = now or timezone.now()
    zones: dict[str, list[int]] = defaultdict(list)
    zone_of_tenant = dict(Client.objects.values_list("tenant_id", "timezone"))
    for tenant_id in (
        Meter.objects.filter(status=MeterStatus.ACTIVE)
        .values_list("tenant_id", flat=True)
        .distinct()
    ):
        zones[zone_of_tenant.get(tenant_id) or DEFAULT_TIMEZONE].append(tenant_id)
    raised = 0
    for zone_name, tenant_ids in zones.items():
        zone = ZoneInfo(zone_name)
        night = last_night(current.astimezone(zone))
        start, end = night_window_utc(night, zone)
        rows = (
            Reading.objects.filter(
                tenant_id__in=tenant_ids,
                meter__status=MeterStatus.ACTIVE,
                taken_at__gte=start,
                taken_at__lt=end,
            )
            .values("meter_id")
            .annotate(
                total=Count("pk"),
                dry=Count("pk", filter=Q(consumption_litres__lte=0)),
                first=Min("taken_at"),
                last=Max("taken_at"),
            )
            .filter(total__gte=LEAK_MIN_READINGS, dry=0)
        )
        suspects = {
            row["meter_id"]: row for row in rows if row["last"] - row["first"] >= LEAK_MIN_SPAN
        }
        if not suspects:
            continue
        flagged = set(
            Alert.objects.filter(
                kind=AlertKind.LEAK, meter_id__in=suspects, data__night=night.isoformat()
            )
            .exclude(status=AlertStatus.RESOLVED)
            .values_list("meter_id", flat=True)
        )
        for meter in Meter.objects.filter(pk__in=set(suspects) - flagged):
            alert_raise(
                meter=meter,
                kind=AlertKind.LEAK,
                message=f"Water ran all night on {night:%Y-%m-%d} (01:00–04:00 local).",
                data={"night": night.isoformat(), "readings": suspects[meter.pk]["total"]},
            )
            raised += 1
    return raised


def fleet_sweep(*, now: datetime | None = None) -> FleetSweep:
    """Run the offline and leak checks once."""
    raised, resolved = meters_offline_sweep(now=now)
    return FleetSweep(
        offline_raised=raised, offline_resolved=resolved, leaks_raised=meters_leak_sweep(now=now)
    )
