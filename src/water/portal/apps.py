from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "water.portal"
    label = "water_portal"
    verbose_name = "IndoWater portals"

    def ready(self) -> None:
        from core.web.portals import register_home
        from water.portal.shell import workspace_of

        register_home("water", workspace_of)
