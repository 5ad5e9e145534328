"""The embedded default: no services needed. SQLite under var/, in-process cache and tasks."""

from __future__ import annotations

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR, channel_layers, huey_config
from core.crypto.keyring import ensure_local_keys
from core.notifications.vapid import ensure_local_vapid_keys, vapid_keys_check

DEBUG = env.boolean("DEBUG", False)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Generated once under var/keys/; the environment can still pin each of them.
_secret, _ring, _bidx = ensure_local_keys(VAR_DIR / "keys")
SECRET_KEY = env.string("SECRET_KEY", _secret)
FIELD_ENCRYPTION_KEYS = env.string("FIELD_ENCRYPTION_KEYS", _ring)
BLIND_INDEX_KEY = env.string("BLIND_INDEX_KEY", _bidx)
# Web push: a VAPID pair kept under var/keys/ (subscriptions outlive restarts); the environment
# can pin it, and a pinned private key alone is enough (the public key is derived).
_vapid_private, _vapid_public = ensure_local_vapid_keys(VAR_DIR / "keys")
VAPID_PRIVATE_KEY = env.string("VAPID_PRIVATE_KEY", _vapid_private)
VAPID_PUBLIC_KEY = vapid_keys_check(VAPID_PRIVATE_KEY, env.string("VAPID_PUBLIC_KEY", "")).public

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "db.sqlite3",
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tasks run on the worker threads inside `serve`; live events stay in this one process.
HUEY = huey_config(redis_url=None, sqlite_path=str(VAR_DIR / "tasks.sqlite3"))
CHANNEL_LAYERS = channel_layers(None)
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
    }
}

# The demo moves: simulated meters report over the real signed HTTP protocol to this server.
PUBLIC_BASE_URL = env.string("PUBLIC_BASE_URL", f"http://127.0.0.1:{env.integer('PORT', 8000)}")
DEMO_SEED_ALLOWED = True
SERVE_BACKGROUND = [
    "water.meters.devices.simulator.start_simulator_thread",
    "core.tasks.worker.start_worker_threads",
]
