"""`manage.py serve`: the embedded web server (uvicorn, one process, this settings module)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

Stop = Callable[[], None]


def start_background_services() -> list[Stop]:
    """Start each `SERVE_BACKGROUND` starter (a dotted path); returns their stop callables.

    A starter launches its threads (task consumer, meter simulators) and returns a function
    that stops them; they live in this process so the in-memory channel layer reaches them.
    """
    stops: list[Stop] = []
    try:
        for dotted in getattr(settings, "SERVE_BACKGROUND", []):
            stops.append(import_string(dotted)())
    except BaseException:
        stop_all(stops)
        raise
    return stops


def stop_all(stops: list[Stop]) -> None:
    """Stop what was started, newest first."""
    for stop in reversed(stops):
        stop()


class Command(BaseCommand):
    help = "Collect static files and serve the site with uvicorn under the current settings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to bind.")
        parser.add_argument("--port", type=int, default=8000, help="Port to bind.")

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"]
        port: int = options["port"]
        if not 0 < port < 65536:
            raise CommandError(f"Port {port} is out of range.")
        call_command("collectstatic", interactive=False, verbosity=0)
        # The application object is imported here, after this command's settings are loaded
        # (config/asgi.py only sets a default module); uvicorn's "config.asgi:application"
        # string would start a fresh import that defaults to production.
        application = import_string(settings.ASGI_APPLICATION)
        server = uvicorn.Server(
            uvicorn.Config(
                application,
                host=host,
                port=port,
                lifespan="off",
                log_config=None,
                access_log=False,  # core.ops.middleware.AccessLogMiddleware logs requests
                server_header=False,
                ws="websockets-sansio",  # the live-update sockets at /ws/live/
            )
        )
        stops = start_background_services()
        display_host = f"[{host}]" if ":" in host else host
        url = f"http://{display_host}:{port}/"
        self.stdout.write(f"Serving {url} ({settings.SETTINGS_MODULE}); Ctrl-C stops.")
        self.stdout.flush()
        try:
            server.run()
        except KeyboardInterrupt:
            pass  # uvicorn already shut down gracefully and re-raised the signal
        finally:
            stop_all(stops)
        if not server.started:
            raise CommandError(f"Could not serve on {host}:{port}.")
        self.stdout.write("Stopped.")
