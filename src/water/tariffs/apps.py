from django.apps import AppConfig


class TariffsConfig(AppConfig):
    name = "water.tariffs"
    label = "water_tariffs"
    verbose_name = "IndoWater tariffs"
