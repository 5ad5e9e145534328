from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "core.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from core.notifications import catalogue  # noqa: F401 - registers the payment events
