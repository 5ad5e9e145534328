"""Matrix cases of the notification centre, its API and the preferences (core.notifications).

Every route is for any signed-in person and acts on their own notifications only; another
person's notification id answers 404 (proven in src/core/notifications/tests).
"""

from __future__ import annotations

from core.notifications.models import Notification
from tests.authz.cases import Case, Ctx, api, static

API = "/api/v1/notifications"


def _own(ctx: Ctx) -> int:
    row = Notification.objects.create(
        user=ctx.owner, event="account.mfa_enabled", category="security", title="T", body="B"
    )
    return row.pk


CASES: dict[tuple[str, str], Case] = {
    ("GET", API): api(lambda ctx: (API, None)),
    ("GET", f"{API}/unread-count"): api(lambda ctx: (f"{API}/unread-count", None)),
    ("GET", f"{API}/{{notification_id}}"): api(lambda ctx: (f"{API}/{_own(ctx)}", None)),
    ("POST", f"{API}/{{notification_id}}/read"): api(lambda ctx: (f"{API}/{_own(ctx)}/read", None)),
    ("POST", f"{API}/read-all"): api(lambda ctx: (f"{API}/read-all", None)),
    ("GET", "/api/v1/notification-preferences"): api(
        lambda ctx: ("/api/v1/notification-preferences", None)
    ),
    ("PUT", "/api/v1/notification-preferences"): api(
        lambda ctx: (
            "/api/v1/notification-preferences",
            {"preferences": [{"category": "security", "channel": "push", "enabled": False}]},
        )
    ),
    ("*", "/notifications/"): static("/notifications/"),
    ("*", "/notifications/bell/"): static("/notifications/bell/"),
    ("*", "/notifications/<int:notification_id>/read/"): Case(
        build=lambda ctx: (f"/notifications/{_own(ctx)}/read/", None),
        method="POST",
        ok=frozenset({302}),
    ),
    ("*", "/notifications/read-all/"): static("/notifications/read-all/", method="POST", ok=(302,)),
    ("*", "/notifications/preferences/"): static("/notifications/preferences/"),
}
