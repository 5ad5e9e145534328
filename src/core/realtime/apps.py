from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "core.realtime"
    label = "realtime"
    verbose_name = "Real-time updates"
