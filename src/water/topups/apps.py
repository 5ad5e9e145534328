from django.apps import AppConfig


class TopupsConfig(AppConfig):
    name = "water.topups"
    label = "water_topups"
    verbose_name = "IndoWater top-ups"

    def ready(self) -> None:
        from core.payments.purposes import register
        from water.topups.purpose import WaterTopup

        register(WaterTopup())
