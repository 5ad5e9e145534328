"""Test settings: SQLite by default; PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set."""

from __future__ import annotations

import dj_database_url

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR, channel_layers, huey_config

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdefghij"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Fixed test keys (base64 of 32 bytes); never used outside the test suite.
FIELD_ENCRYPTION_KEYS = "t1:dGVzdC1rZXktb25lLTMyLWJ5dGVzLWxvbmctISEhISE="
BLIND_INDEX_KEY = "dGVzdC1ibGluZC1pbmRleC1rZXktMzItYnl0ZXMtISE="
JWT_KEYS_DIR = VAR_DIR / "test-keys" / "jwt"
VAPID_PRIVATE_KEY = "9QpruRbVJliVU_Kr3CVXFv15xm_QlOsfsdCU55iR7XI"  # noqa: S105 - test-only key
VAPID_PUBLIC_KEY = (
    "BJpbF9vq2FiM4z_KO5YNsou-Q9biIk_khgeApVVW-ZZ_e09QARbrGjadDGwiNNQpxk7UzqumxIZE13NDkx3uisQ"
)

_database_url = env.optional("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "test.sqlite3"),  # the test runner uses an in-memory copy
        }
    }

_redis_url = env.optional("REDIS_URL")
if _redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Tasks run inline unless a test asks for a real queue (a worker subprocess sets this to 0).
HUEY = huey_config(
    redis_url=_redis_url,
    sqlite_path=str(VAR_DIR / "test-tasks.sqlite3"),
    immediate=env.boolean("HUEY_IMMEDIATE", True),
)
CHANNEL_LAYERS = channel_layers(_redis_url)
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# ServeStatic serves from STATIC_ROOT; tests find static files through the finders instead.
STATIC_ROOT = VAR_DIR / "test-static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = True

DEMO_SEED_ALLOWED = True
