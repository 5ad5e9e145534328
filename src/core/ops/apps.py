from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "core.ops"
    label = "ops"
