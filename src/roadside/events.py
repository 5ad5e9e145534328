"""RoadSide+ events: job offers to technicians, job progress to motorists, SOS to responders.

An SOS always goes by push, in-app and SMS: the responders cannot turn those off. Moments are
shown in Trinidad and Tobago time and amounts in TT dollars (see `roadside.notify`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.notifications.events import EMAIL, IN_APP, PUSH, SMS, Category, EventType, register

JOB_OFFER = "roadside.job_offer"
JOB_ACCEPTED = "roadside.job_accepted"
JOB_EN_ROUTE = "roadside.job_en_route"
JOB_ARRIVED = "roadside.job_arrived"
JOB_COMPLETED = "roadside.job_completed"
JOB_CANCELLED = "roadside.job_cancelled"
SOS_RAISED = "roadside.sos_raised"

JOB_DEFAULTS = frozenset({EMAIL, PUSH, IN_APP})
SOS_CHANNELS = frozenset({PUSH, IN_APP, SMS})

register(
    EventType(
        key=JOB_OFFER,
        category=Category.JOBS,
        title=_("New job offer: %(service)s"),
        body=_(
            "%(service)s at %(place)s (job %(reference)s). Accept before %(expires_at)s, "
            "or the offer goes to another technician."
        ),
        defaults=frozenset({PUSH, IN_APP, SMS}),
        urgent=True,
    ),
    EventType(
        key=JOB_ACCEPTED,
        category=Category.JOBS,
        title=_("Job %(reference)s accepted"),
        body=_("A technician accepted your job %(reference)s and will set off shortly."),
        defaults=JOB_DEFAULTS,
    ),
    EventType(
        key=JOB_EN_ROUTE,
        category=Category.JOBS,
        title=_("Your technician is on the way (%(reference)s)"),
        body=_(
            "Your technician is on the way for job %(reference)s and should arrive in about "
            "%(eta_minutes)s minutes."
        ),
        defaults=JOB_DEFAULTS,
    ),
    EventType(
        key=JOB_ARRIVED,
        category=Category.JOBS,
        title=_("Your technician has arrived (%(reference)s)"),
        body=_("Your technician has arrived for job %(reference)s."),
        defaults=JOB_DEFAULTS,
    ),
    EventType(
        key=JOB_COMPLETED,
        category=Category.JOBS,
        title=_("Job %(reference)s completed"),
        body=_("Job %(reference)s is complete. Amount: %(amount)s."),
        defaults=JOB_DEFAULTS,
    ),
    EventType(
        key=JOB_CANCELLED,
        category=Category.JOBS,
        title=_("Job %(reference)s cancelled"),
        body=_("Job %(reference)s was cancelled by %(cancelled_by)s. Reason: %(reason)s"),
        defaults=JOB_DEFAULTS,
    ),
    EventType(
        key=SOS_RAISED,
        category=Category.EMERGENCY,
        title=_("SOS: %(motorist_name)s needs help (%(reference)s)"),
        body=_(
            "%(motorist_name)s raised an SOS during job %(reference)s at %(place)s. Respond "
            "now. If a life is in danger call 999 (police), 990 (fire) or 811 (ambulance)."
        ),
        channels=SOS_CHANNELS,
        defaults=SOS_CHANNELS,
        required=SOS_CHANNELS,
        urgent=True,
    ),
)
