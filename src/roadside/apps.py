from django.apps import AppConfig


class RoadsideConfig(AppConfig):
    name = "roadside"
    verbose_name = "RoadSide+ TT"

    def ready(self) -> None:
        from roadside import events  # noqa: F401 - registers the RoadSide+ events
