"""Settings shared by every mode. Mode modules (embedded, production, test) extend this."""

from __future__ import annotations

from datetime import timedelta

from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config import env
from core.ops.logging import logging_config

BASE_DIR = env.BASE_DIR
VAR_DIR = env.path("VAR_DIR", BASE_DIR / "var")

DEBUG = False
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_prometheus",
    "huey.contrib.djhuey",
    "channels",
    "core.tenancy",
    "core.accounts",
    "core.audit",
    "core.crypto",
    "core.api",
    "core.web",
    "core.ops",
    "core.tasks",
    "core.notifications",
    "core.realtime",
    "core.payments",
    "water.registry",
    "water.tariffs",
    "water.meters",
    "water.billing",
    "water.valves",
    "water.topups",
    "water.portal",
    "roadside",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.ops.middleware.RequestIdMiddleware",
    "core.ops.middleware.AccessLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.web.middleware.SecurityHeadersMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.accounts.middleware.SessionPolicyMiddleware",
    "core.web.middleware.PortalErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"


def huey_config(
    *, redis_url: str | None, sqlite_path: str, immediate: bool = False
) -> dict[str, object]:
    """Huey: Redis when a URL is given (production), else a SQLite file (embedded)."""
    connection: dict[str, object]
    if redis_url:
        huey_class, connection = "huey.RedisHuey", {"url": redis_url}
    else:
        huey_class, connection = "huey.SqliteHuey", {"filename": sqlite_path}
    return {
        "name": "platform",
        "huey_class": huey_class,
        "immediate": immediate,
        "utc": True,
        "connection": connection,
        "consumer": {
            "workers": env.integer("WORKER_THREADS", 4),
            "worker_type": "thread",
            "scheduler_interval": 1,
        },
    }


def channel_layers(redis_url: str | None) -> dict[str, dict[str, object]]:
    """channels-redis when a URL is given, so any process reaches any socket; else in-memory."""
    if redis_url:
        return {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [redis_url], "prefix": "platform-live", "expiry": 30},
            }
        }
    return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


# Product demo data, run in order by `seed_demo` after the core's tenants and logins.
DEMO_SEEDERS: list[str] = ["water.demo.seed"]
DEMO_SEED_ALLOWED = False
# Periodic jobs: the only schedule, run by the task workers (`manage.py worker`, or the
# worker threads inside the embedded `serve`). (name, cron in UTC, "command:<name>" or a
# dotted function). Every job is safe to run twice; one scheduler enqueues each minute.
PERIODIC_TASKS: list[tuple[str, str, str]] = [
    ("sweep-devices", "* * * * *", "command:sweep_devices"),
    ("enforce-credit-rules", "* * * * *", "command:enforce_credit_rules"),
    # 18:10 UTC is 01:10 WIB: each client's closed month is billed once (idempotent daily).
    ("bill-month-end", "10 18 * * *", "command:bill_month_end"),
    ("prune-scheduler-ticks", "17 3 * * *", "core.tasks.services.scheduler_ticks_prune"),
    # Deliveries still queued after 15 minutes (a lost queue) go out again.
    (
        "requeue-stale-deliveries",
        "*/5 * * * *",
        "core.notifications.services.deliveries_requeue_stale",
    ),
    ("prune-live-events", "*/10 * * * *", "core.realtime.services.prune_live_events"),
    # Payments left open by lost notifications are asked about, settled or expired.
    ("reconcile-payments", "*/5 * * * *", "core.payments.services.payments_reconcile"),
]
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.web.context_processors.platform",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:landing"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "core.accounts.validators.CharacterClassValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour; tokens are also single-use

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("id", _("Bahasa Indonesia")), ("es", _("Español"))]
# The IndoWater apps share one catalogue in src/water/locale (water itself is not an app).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "src" / "water" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "servestatic.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Sessions: HttpOnly, SameSite=Lax; staff sessions also expire on idle and absolute limits.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_ENGINE = "django.contrib.sessions.backends.db"
STAFF_SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
STAFF_SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag, not the cookie

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(self), payment=(self), usb=()"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Rate limits: "<count>/<seconds>". Route-specific limits are declared beside the route.
RATE_LIMIT_DEFAULT = env.string("RATE_LIMIT_DEFAULT", "100/900")
RATE_LIMIT_LOGIN = env.string("RATE_LIMIT_LOGIN", "5/60")
RATE_LIMIT_REGISTER = env.string("RATE_LIMIT_REGISTER", "10/3600")  # new accounts per IP
LOGIN_FAILURE_ALERT_THRESHOLD = env.integer("LOGIN_FAILURE_ALERT_THRESHOLD", 5)

# JWT access tokens (RS256) and opaque refresh tokens.
JWT_ISSUER = env.string("JWT_ISSUER", "https://platform.local")
JWT_AUDIENCE = env.string("JWT_AUDIENCE", "platform-api")
JWT_ACCESS_TTL = timedelta(minutes=15)
JWT_REFRESH_TTL = timedelta(days=30)
JWT_KEY_OVERLAP = timedelta(hours=1)
JWT_KEYS_DIR = env.path("JWT_KEYS_DIR", VAR_DIR / "keys" / "jwt")
JWT_AUTO_CREATE_KEY = True  # production: keys come from `rotate_jwt_keys` on a shared volume

# Field encryption: key ring "kid:base64key,..." (first is active) and a blind-index key.
FIELD_ENCRYPTION_KEYS = env.string("FIELD_ENCRYPTION_KEYS", "")
BLIND_INDEX_KEY = env.string("BLIND_INDEX_KEY", "")

MFA_ISSUER = env.string("MFA_ISSUER", "IndoWater · RoadSide+")
MFA_RECOVERY_CODES = 10

DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "no-reply@platform.local")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PUBLIC_BASE_URL = env.string("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

# SMS: "twilio" (the Programmable Messaging REST API) or "file" (messages written under var/sms).
SMS_BACKEND = env.string("SMS_BACKEND", "file")
SMS_FILE_PATH = VAR_DIR / "sms"
TWILIO_ACCOUNT_SID = env.string("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env.string("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM = env.string("TWILIO_FROM", "")  # an E.164 number or a Messaging Service SID
TWILIO_API_BASE = env.string("TWILIO_API_BASE", "https://api.twilio.com")
# Web push (VAPID): base64url keys; the embedded mode generates a pair under var/keys.
VAPID_PRIVATE_KEY = env.string("VAPID_PRIVATE_KEY", "")
VAPID_PUBLIC_KEY = env.string("VAPID_PUBLIC_KEY", "")
VAPID_SUBJECT = env.string("VAPID_SUBJECT", "mailto:operations@platform.local")
# Browsers' push services we will send to (host or parent domain); anything else is refused
# at subscription time, so a crafted endpoint cannot make the server call inside the network.
PUSH_SERVICE_HOSTS: list[str] = [
    "fcm.googleapis.com",  # Chrome, Edge, Android
    "push.services.mozilla.com",  # Firefox
    "push.apple.com",  # Safari, iOS home-screen apps
    "notify.windows.com",  # legacy Edge
]
PUSH_INSECURE_HOSTS: list[str] = []  # http:// endpoints allowed for these hosts (tests only)

# Payments: the in-app sandbox gateway (a hosted pay / fail / expire page) is for demos and
# the embedded mode; production switches it off unless PAYMENTS_SANDBOX=1.
PAYMENTS_SANDBOX = env.boolean("PAYMENTS_SANDBOX", True)
PAYMENTS_INQUIRY_AFTER = timedelta(minutes=env.integer("PAYMENTS_INQUIRY_AFTER_MINUTES", 15))
PAYMENTS_EXPIRY_GRACE = timedelta(minutes=env.integer("PAYMENTS_EXPIRY_GRACE_MINUTES", 60))

MQTT_URL = env.optional("MQTT_URL")
METRICS_TOKEN = env.optional("METRICS_TOKEN")
# Set for several worker processes: prometheus_client writes samples there, /metrics sums them.
PROMETHEUS_MULTIPROC_DIR = env.optional("PROMETHEUS_MULTIPROC_DIR")
SENTRY_DSN = env.optional("SENTRY_DSN")

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = logging_config(level=env.string("LOG_LEVEL", "INFO"))
TRUSTED_PROXY_COUNT = env.integer("TRUSTED_PROXY_COUNT", 0)
ADMIN_URL = env.string("ADMIN_URL", "admin/")
