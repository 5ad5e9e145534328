from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "core.tasks"
    label = "tasks"
    verbose_name = "Background tasks"

    def ready(self) -> None:
        from core.tasks.schedule import register_periodic_jobs

        register_periodic_jobs()
