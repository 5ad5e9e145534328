"""RoadSide+ hooks: who is told what as a job moves, and an SOS that cannot be silenced."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.notifications.errors import PreferenceError
from core.notifications.models import Notification, Preference
from core.notifications.services import preferences_set
from core.realtime.models import LiveEvent
from roadside import events, notify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sms_to_files(settings, tmp_path):
    settings.SMS_FILE_PATH = tmp_path


def _channels(notification: Notification) -> list[str]:
    return sorted(notification.deliveries.values_list("channel", flat=True))


def _live() -> list[tuple[str, dict]]:
    rows = LiveEvent.objects.filter(kind="roadside.job").order_by("pk")
    return list(rows.values_list("audience", "data"))


def test_a_job_offer_is_urgent_and_shows_its_expiry_in_trinidad_time(user_factory):
    technician = user_factory(phone="+18687654321")
    # 2026-03-02 18:45 UTC is 14:45 in Port of Spain (UTC-4)
    expires = datetime(2026, 3, 2, 18, 45, tzinfo=UTC)
    offer = notify.job_offered(
        technician=technician,
        job_reference="RS-1001",
        service="Flat tyre",
        place="Churchill-Roosevelt Highway, Arima",
        expires_at=expires,
    )
    assert offer is not None
    assert offer.event == events.JOB_OFFER
    assert offer.title == "New job offer: Flat tyre"
    assert offer.body == (
        "Flat tyre at Churchill-Roosevelt Highway, Arima (job RS-1001). Accept before "
        "March 2, 2026, 2:45 p.m., or the offer goes to another technician."
    )
    assert offer.link == "/roadside/jobs/RS-1001/"
    assert offer.in_app is True
    assert _channels(offer) == ["push", "sms"]
    assert _live() == [(f"user:{technician.pk}", {"reference": "RS-1001", "status": "offered"})]
    # the same offer again (a retried call) is not a second message
    again = notify.job_offered(
        technician=technician,
        job_reference="RS-1001",
        service="Flat tyre",
        place="Churchill-Roosevelt Highway, Arima",
        expires_at=expires,
    )
    assert again is not None
    assert again.pk == offer.pk
    assert Notification.objects.count() == 1


@pytest.mark.parametrize(
    ("status", "extra", "title", "body"),
    [
        (
            "accepted",
            {},
            "Job RS-1001 accepted",
            "A technician accepted your job RS-1001 and will set off shortly.",
        ),
        (
            "en_route",
            {"eta_minutes": 25},
            "Your technician is on the way (RS-1001)",
            "Your technician is on the way for job RS-1001 and should arrive in about 25 minutes.",
        ),
        (
            "arrived",
            {},
            "Your technician has arrived (RS-1001)",
            "Your technician has arrived for job RS-1001.",
        ),
        (
            "completed",
            {"amount_minor": 45_000},
            "Job RS-1001 completed",
            "Job RS-1001 is complete. Amount: TT$450.00.",
        ),
    ],
)
def test_the_motorist_follows_the_job(user_factory, status, extra, title, body):
    motorist, technician = user_factory(phone=""), user_factory(phone="")
    (told,) = notify.job_status_changed(
        motorist=motorist, job_reference="RS-1001", status=status, technician=technician, **extra
    )
    assert told.user == motorist
    assert told.event == f"roadside.job_{status}"
    assert (told.title, told.body) == (title, body)
    assert _channels(told) == ["email", "push"]
    live = {"reference": "RS-1001", "status": status}
    assert _live() == [(f"user:{motorist.pk}", live), (f"user:{technician.pk}", live)]
    # each status is told once per job
    notify.job_status_changed(motorist=motorist, job_reference="RS-1001", status=status, **extra)
    assert Notification.objects.count() == 1


def test_a_cancellation_names_who_and_why_to_both_sides(user_factory):
    motorist, technician = user_factory(phone=""), user_factory(phone="")
    told = notify.job_status_changed(
        motorist=motorist,
        job_reference="RS-1001",
        status="cancelled",
        cancelled_by="Keisha Ramdass (dispatch)",
        reason="The motorist's car was towed by the police.",
        technician=technician,
    )
    assert [n.user for n in told] == [motorist, technician]
    assert {(n.title, n.body) for n in told} == {
        (
            "Job RS-1001 cancelled",
            "Job RS-1001 was cancelled by Keisha Ramdass (dispatch). Reason: The motorist's "
            "car was towed by the police.",
        )
    }


def test_a_status_without_its_values_is_refused(user_factory):
    motorist = user_factory()
    for status, missing in [("en_route", "eta_minutes"), ("completed", "amount_minor")]:
        with pytest.raises(ValueError, match=missing):
            notify.job_status_changed(motorist=motorist, job_reference="RS-1", status=status)
    with pytest.raises(ValueError, match="cancelled_by and reason"):
        notify.job_status_changed(motorist=motorist, job_reference="RS-1", status="cancelled")
    with pytest.raises(ValueError, match="Unknown job status"):
        notify.job_status_changed(motorist=motorist, job_reference="RS-1", status="towed")
    assert Notification.objects.count() == 0
    assert LiveEvent.objects.count() == 0


def test_an_sos_reaches_every_responder_on_every_required_channel(user_factory):
    officer = user_factory(phone="+18681112222")
    dispatcher = user_factory(phone="+18683334444")
    # even a responder who chose to mute the jobs category
    preferences_set(user=dispatcher, choices={("jobs", "push"): False})
    told = notify.sos_raised(
        recipients=[officer, dispatcher],
        job_reference="RS-1001",
        place="Uriah Butler Highway near Chaguanas",
        motorist_name="Andre Mohammed",
    )
    assert [n.user for n in told] == [officer, dispatcher]
    for notification in told:
        assert notification.title == "SOS: Andre Mohammed needs help (RS-1001)"
        assert notification.body == (
            "Andre Mohammed raised an SOS during job RS-1001 at Uriah Butler Highway near "
            "Chaguanas. Respond now. If a life is in danger call 999 (police), 990 (fire) or "
            "811 (ambulance)."
        )
        assert notification.in_app is True
        assert _channels(notification) == ["push", "sms"]
    live = {"reference": "RS-1001", "status": "sos"}
    assert _live() == [(f"user:{officer.pk}", live), (f"user:{dispatcher.pk}", live)]


@pytest.mark.parametrize("channel", ["push", "in_app", "sms"])
def test_sos_channels_cannot_be_turned_off(user_factory, channel):
    officer = user_factory()
    with pytest.raises(PreferenceError, match="required"):
        preferences_set(user=officer, choices={("emergency", channel): False})
    assert not Preference.objects.filter(user=officer).exists()
    # turning one on (already on) is accepted
    assert preferences_set(user=officer, choices={("emergency", channel): True}) == 1
