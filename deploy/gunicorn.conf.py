"""gunicorn settings for the production image: uvicorn workers, JSON logs from the app.

Tunables come from the environment the container was started with (WEB_CONCURRENCY,
GUNICORN_TIMEOUT, PORT); the application's own settings are read by config.env.
"""

import os
from pathlib import Path

from prometheus_client import multiprocess

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# uvicorn 0.54 still ships its gunicorn worker (deprecated in favour of the separate
# uvicorn-worker package, which is not a dependency); it speaks HTTP and WebSocket.
worker_class = "uvicorn.workers.UvicornWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then; the jitter keeps them from doing it at once
max_requests_jitter = 200
accesslog = None  # core.ops.middleware.AccessLogMiddleware writes one JSON line per request
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def on_starting(server):
    """Start every deployment with an empty metrics directory (stale files would add up)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    """Tell prometheus_client a worker is gone so its live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
