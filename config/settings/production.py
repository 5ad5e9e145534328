"""Production: every value comes from the environment through config.env."""

from __future__ import annotations

import dj_database_url

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.base import SECURE_CSP, channel_layers, huey_config
from core.notifications.vapid import vapid_keys_check

DEBUG = False
SECRET_KEY = env.string("SECRET_KEY")
ALLOWED_HOSTS = env.listing("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.listing("CSRF_TRUSTED_ORIGINS")
FIELD_ENCRYPTION_KEYS = env.string("FIELD_ENCRYPTION_KEYS")
BLIND_INDEX_KEY = env.string("BLIND_INDEX_KEY")
JWT_KEYS_DIR = env.path("JWT_KEYS_DIR", env.BASE_DIR / "var" / "keys" / "jwt")
JWT_AUTO_CREATE_KEY = False
SMS_BACKEND = env.string("SMS_BACKEND", "twilio")
PAYMENTS_SANDBOX = env.boolean("PAYMENTS_SANDBOX", False)
# Web push: the VAPID pair from `manage.py generate_vapid_keys`; the public key may be left out
# (it is derived) but must match when given. Replacing the pair orphans every subscription.
VAPID_PRIVATE_KEY = env.string("VAPID_PRIVATE_KEY")
VAPID_PUBLIC_KEY = vapid_keys_check(VAPID_PRIVATE_KEY, env.string("VAPID_PUBLIC_KEY", "")).public

DATABASES = {
    "default": dj_database_url.parse(
        env.string("DATABASE_URL"), conn_max_age=0, conn_health_checks=True
    )
}
DATABASES["default"].setdefault("OPTIONS", {}).update(
    {
        # Fail fast when PostgreSQL is unreachable instead of holding a worker (and /readyz).
        "connect_timeout": env.integer("DB_CONNECT_TIMEOUT", 5),
        "pool": {
            "min_size": env.integer("DB_POOL_MIN", 2),
            "max_size": env.integer("DB_POOL_MAX", 10),
            "timeout": env.integer("DB_POOL_TIMEOUT", 10),
        },
    }
)
_replica = env.optional("DATABASE_REPLICA_URL")
if _replica:
    DATABASES["replica"] = dj_database_url.parse(_replica, conn_max_age=0)
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = env.integer(
        "DB_CONNECT_TIMEOUT", 5
    )
    DATABASE_ROUTERS = ["core.ops.db_router.ReplicaRouter"]

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.string("REDIS_URL"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
HUEY = huey_config(redis_url=env.string("REDIS_URL"), sqlite_path="")
CHANNEL_LAYERS = channel_layers(env.string("REDIS_URL"))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CSP = {**SECURE_CSP, "upgrade-insecure-requests": True}

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env.string("EMAIL_HOST", "localhost"),
            "port": env.integer("EMAIL_PORT", 587),
            "username": env.string("EMAIL_HOST_USER", ""),
            "password": env.string("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env.boolean("EMAIL_USE_TLS", True),
            "timeout": env.integer("EMAIL_TIMEOUT", 10),
        },
    }
}
STATIC_ROOT = env.path("STATIC_ROOT", env.BASE_DIR / "var" / "static")
MEDIA_ROOT = env.path("MEDIA_ROOT", env.BASE_DIR / "var" / "media")

if SENTRY_DSN:  # noqa: F405
    from core.ops.sentry import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=env.string("SENTRY_ENVIRONMENT", "production"))  # noqa: F405
