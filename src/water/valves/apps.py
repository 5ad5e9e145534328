from django.apps import AppConfig


class ValvesConfig(AppConfig):
    name = "water.valves"
    label = "water_valves"
    verbose_name = "IndoWater valves"

    def ready(self) -> None:
        from water import events

        events.receivers_connect()  # registers the water events and their receivers
