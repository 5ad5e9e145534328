from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "core.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from core.payments.gateways import registry

        registry.load_builtin()
