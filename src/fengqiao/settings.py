"""The one settings module. Every value comes from the environment (see docs/configuration.md)."""

from __future__ import annotations

import ipaddress
import re
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy

from fengqiao import env
from fengqiao.field.storage import storage_setting as _evidence_storage

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(env.string("FENGQIAO_HOME", str(SRC_DIR.parent.parent))).resolve()
VAR_DIR = Path(env.string("FENGQIAO_VAR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    configured = env.string("SECRET_KEY")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = env.boolean("DEBUG", False)
ALLOWED_HOSTS = env.csv_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.csv_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "fengqiao.core",
    "fengqiao.accounts",
    "fengqiao.registry",
    "fengqiao.exchange",
    "fengqiao.notifications",
    "fengqiao.incidents",
    "fengqiao.disputes",
    "fengqiao.cases",
    "fengqiao.antifraud",
    "fengqiao.tracking",
    "fengqiao.vehicles",
    "fengqiao.estates",
    "fengqiao.command",
    "fengqiao.desk",
    "fengqiao.lawstudy",
    "fengqiao.reports",
    "fengqiao.push",
    "fengqiao.field",
    "fengqiao.demo",
]

MIDDLEWARE = [
    "fengqiao.core.middleware.RequestIdMiddleware",
    "fengqiao.core.middleware.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fengqiao.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fengqiao.core.rls.StationScopeMiddleware",
    "fengqiao.accounts.middleware.IdleTimeoutMiddleware",
    "fengqiao.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fengqiao.core.middleware.CurrentActorMiddleware",
    "fengqiao.core.idempotency.OnceMiddleware",
]

ROOT_URLCONF = "fengqiao.urls"
WSGI_APPLICATION = "fengqiao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fengqiao.core.context_processors.shell",
            ],
        },
    }
]

DATABASE_URL = env.string("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fengqiao.db'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env.integer("DB_CONN_MAX_AGE", 60, minimum=0)
    )
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # persistent on SQLite too (one connection per server thread, WAL): opening a connection and
    # running its PRAGMAs per request cost more than many pages' own queries (issue 26)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend plus the station scope of row-level security, set per transaction (core/rls.py).
    DATABASES["default"]["ENGINE"] = "fengqiao.core.postgresql"
    # Behind PgBouncer in transaction mode no session state may outlive a transaction: no WITH HOLD
    # cursors (Django's server-side cursors outside a transaction). Prepared statements are already
    # off (Django's default prepare_threshold=None); docs/deploy.md.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.boolean("DATABASE_POOLED", False)
# The owner role's URL, used by `fengqiao migrate` (and the test suite's template database); the
# processes themselves connect with DATABASE_URL as the application role (docs/deploy.md).
MIGRATE_DATABASE_URL = env.string("MIGRATE_DATABASE_URL", "")
# The application role: `migrate` grants it row access to every table (never DDL, never ownership).
DATABASE_APP_ROLE = env.string("DATABASE_APP_ROLE", "")
# A streaming read replica (docs/deploy.md, core/replica.py): only the reads marked with
# using_replica() (reports, dashboards, rankings, exports) go there, and only while it is up and
# its replay lags less than REPLICA_MAX_LAG_SECONDS (checked at most every REPLICA_CHECK_SECONDS).
REPLICA_DATABASE_URL = env.string("REPLICA_DATABASE_URL", "")
REPLICA_MAX_LAG_SECONDS = env.integer("REPLICA_MAX_LAG_SECONDS", 30, minimum=0)
REPLICA_CHECK_SECONDS = env.integer("REPLICA_CHECK_SECONDS", 5, minimum=0)
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL, conn_max_age=env.integer("DB_CONN_MAX_AGE", 60, minimum=0)
    )
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # The replica is read as the application role too: the station scope is set per transaction.
    DATABASES["replica"]["ENGINE"] = "fengqiao.core.postgresql"
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # the test database has no replica
DATABASE_ROUTERS = ["fengqiao.core.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: this many failures for one username (or one address) within the window lock it.
LOGIN_MAX_FAILURES = env.integer("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env.integer("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# Wrong TOTP codes for one user within the same window before the second factor is locked too.
TOTP_MAX_FAILURES = env.integer("TOTP_MAX_FAILURES", 5, minimum=1)
# A session idle this long is signed out.
SESSION_IDLE_MINUTES = env.integer("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "fengqiao.core.errors.csrf_failure"  # JSON under /api/
SECURE_COOKIES = env.boolean("SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.boolean("BEHIND_TLS_PROXY", False) else None
)
# Leaders must enrol a TOTP second factor when this is on.
REQUIRE_TOTP_FOR_LEADERS = env.boolean("REQUIRE_TOTP_FOR_LEADERS", False)
# Reverse proxies (IPs or CIDRs, e.g. 127.0.0.1,10.1.2.0/24) whose X-Forwarded-For and X-Request-ID are
# believed (docs/deploy.md). Empty: the peer's address is the client's, whatever the headers say.
TRUSTED_PROXIES = env.csv_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise env.ImproperEnv(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network ({exc})"
        ) from exc
# API tokens (docs/security.md): the life of a new token in days, and the longest a user may choose.
API_TOKEN_DAYS = env.integer("API_TOKEN_DAYS", 90, minimum=1)
API_TOKEN_MAX_DAYS = env.integer("API_TOKEN_MAX_DAYS", 365, minimum=1)
if API_TOKEN_DAYS > API_TOKEN_MAX_DAYS:
    raise env.ImproperEnv(
        f"API_TOKEN_DAYS={API_TOKEN_DAYS} is above API_TOKEN_MAX_DAYS={API_TOKEN_MAX_DAYS}"
    )

# Searches of people by an ID number or phone (full or partial; registry/number_search.py): per user,
# at most NUMBER_SEARCH_LIMIT in NUMBER_SEARCH_WINDOW_SECONDS and NUMBER_SEARCH_DAILY_LIMIT in 24 hours
# (an exact search confirms a whole number; a masked one has ~10^4 candidates). Each is recorded in
# the personal-data view log. Queries of fewer than NUMBER_SEARCH_MIN_DIGITS digits are not counted.
NUMBER_SEARCH_LIMIT = env.integer("NUMBER_SEARCH_LIMIT", 30, minimum=1)
NUMBER_SEARCH_WINDOW_SECONDS = env.integer("NUMBER_SEARCH_WINDOW_SECONDS", 300, minimum=1)
NUMBER_SEARCH_DAILY_LIMIT = env.integer("NUMBER_SEARCH_DAILY_LIMIT", 400, minimum=1)
NUMBER_SEARCH_MIN_DIGITS = env.integer("NUMBER_SEARCH_MIN_DIGITS", 4, minimum=1)

LANGUAGE_CODE = "zh-hans"
# The empty choice of the filter bars reads 全部 (forms read 请选择: core.forms.use_chinese_empty_labels).
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("全部")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [SRC_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

# Uploads: the stated limit for registry imports (bytes).
IMPORT_MAX_BYTES = env.integer("IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
IMPORT_MAX_ROWS = env.integer("IMPORT_MAX_ROWS", 200_000, minimum=1)
# Uploaded spreadsheets hold personal data: deleted this many days after upload (the job record stays).
IMPORT_FILE_RETENTION_DAYS = env.integer("IMPORT_FILE_RETENTION_DAYS", 30, minimum=1)
# An import shown as running with no progress for this many minutes is shown as interrupted (its worker
# died) and can be re-run or abandoned. Longer than the longest commit (one transaction, no progress).
IMPORT_STALE_MINUTES = env.integer("IMPORT_STALE_MINUTES", 30, minimum=1)
# Exports longer than this many rows are written by a background job with a progress bar.
EXPORT_INLINE_ROWS = env.integer("EXPORT_INLINE_ROWS", 5000, minimum=0)
EXPORT_FILE_RETENTION_DAYS = env.integer("EXPORT_FILE_RETENTION_DAYS", 7, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# One-time create tokens (forms) and API Idempotency-Keys are kept this many days, then purged.
FORM_TOKEN_DAYS = env.integer("FORM_TOKEN_DAYS", 7, minimum=1)

# 移动警务 (docs/field.md). Evidence taken at the scene: the largest file per kind (bytes) and how many
# days each kind is kept after it was taken (then the file is deleted, the record of it stays).
EVIDENCE_MAX_BYTES = {
    "photo": env.integer("EVIDENCE_MAX_PHOTO_BYTES", 15 * 1024 * 1024, minimum=1024),
    "audio": env.integer("EVIDENCE_MAX_AUDIO_BYTES", 30 * 1024 * 1024, minimum=1024),
    "video": env.integer("EVIDENCE_MAX_VIDEO_BYTES", 100 * 1024 * 1024, minimum=1024),
    "document": env.integer("EVIDENCE_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024, minimum=1024),
}
EVIDENCE_RETENTION_DAYS = {
    "photo": env.integer("EVIDENCE_KEEP_PHOTO_DAYS", 3 * 365, minimum=1),
    "audio": env.integer("EVIDENCE_KEEP_AUDIO_DAYS", 3 * 365, minimum=1),
    "video": env.integer("EVIDENCE_KEEP_VIDEO_DAYS", 365, minimum=1),
    "document": env.integer("EVIDENCE_KEEP_DOCUMENT_DAYS", 5 * 365, minimum=1),
}
# Where evidence files are kept: disk (MEDIA_ROOT/evidence/, the default) or an S3-compatible store
# (EVIDENCE_STORAGE=s3, EVIDENCE_S3_*; field/storage.py). Never served by URL: the scoped view streams it.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": _evidence_storage(),
}
# 到场 is proposed when the phone is within this many metres of the incident.
FIELD_ARRIVAL_RADIUS_M = env.integer("FIELD_ARRIVAL_RADIUS_M", 100, minimum=5)
# On-shift officers' phone positions are kept this many days (nothing is stored off shift).
FIELD_POSITION_KEEP_DAYS = env.integer("FIELD_POSITION_KEEP_DAYS", 30, minimum=1)
# Web Push (VAPID). The key pair is made on first use into FENGQIAO_VAR/vapid_private.pem unless a
# file is given; the subject is the contact a push service may write to.
VAPID_PRIVATE_KEY_FILE = env.string("VAPID_PRIVATE_KEY_FILE")
VAPID_SUBJECT = env.string("VAPID_SUBJECT", "mailto:admin@fengqiao.invalid")
# The navigation link's URL scheme ({lat}, {lon}, {label}); `geo:` opens the phone's own map app.
FIELD_NAVIGATION_URL = env.string("FIELD_NAVIGATION_URL", "geo:{lat},{lon}?q={lat},{lon}({label})")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fengqiao.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "fengqiao.core.openapi.ErrorAutoSchema",
    "DEFAULT_THROTTLE_RATES": {"anon": "30/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fengqiao 枫桥 API",
    "DESCRIPTION": "派出所日常工作平台接口。Token auth: `Authorization: Token <key>`.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for the time units used by several fields of the time-limit rules and clocks.
    "ENUM_NAME_OVERRIDES": {
        "TimeUnitEnum": "fengqiao.core.choices.TimeUnit",
        "DisputeLevelEnum": "fengqiao.disputes.choices.Level",
        "DisputeSourceEnum": "fengqiao.disputes.choices.Source",
        "IncidentSourceEnum": "fengqiao.incidents.choices.Source",
        "IncidentOutcomeEnum": "fengqiao.incidents.choices.Outcome",
        "FraudOutcomeEnum": "fengqiao.antifraud.choices.Outcome",
        "DisputePartyRoleEnum": "fengqiao.disputes.choices.PartyRole",
        "FieldUnitStatusEnum": "fengqiao.field.choices.UnitStatus",
        "FieldUnitKindEnum": "fengqiao.field.choices.UnitKind",
        "ClockStateEnum": "fengqiao.core.choices.ClockState",
        "FieldSyncStateEnum": "fengqiao.field.choices.SyncState",
    },
    # Swagger UI and Redoc served from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Hundreds of operations: tags start folded (drawing them all took Swagger UI seconds), with a filter box.
    "SWAGGER_UI_SETTINGS": {"docExpansion": "none", "filter": True, "deepLinking": True},
    # The schema describes a police system's endpoints: only signed-in users (session or token) read it.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

HUEY_REDIS_URL = env.string("HUEY_REDIS_URL")
HUEY_IMMEDIATE = env.boolean("HUEY_IMMEDIATE", False)
# utc=False: periodic tasks' crontab times are the station's clock (Asia/Shanghai, which Django sets
# as the process time zone): the weekly summary at 17:00 on Friday means 17:00 in Sichuan, not UTC.
if HUEY_REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": "fengqiao",
        "url": HUEY_REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "utc": False,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "fengqiao",
        "filename": str(VAR_DIR / "huey.db"),
        "immediate": HUEY_IMMEDIATE,
        "utc": False,
    }

EMAIL_BACKEND = env.string("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.string("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "fengqiao@localhost")


# Notifications (docs/deploy.md lists every variable). Channels are on only when configured.
def _notify_level(name: str, default: str) -> str | None:
    value = env.string(name, default).strip().lower()
    if value not in {"info", "yellow", "orange", "red", "none"}:
        raise env.ImproperEnv(f"{name}={value!r} must be one of info, yellow, orange, red, none")
    return None if value == "none" else value


def _notify_choice(name: str, default: str, allowed: set[str]) -> str:
    value = env.string(name, default).strip().lower()
    if value not in allowed:
        raise env.ImproperEnv(f"{name}={value!r} must be one of {', '.join(sorted(allowed))}")
    return value


NOTIFY_EMAIL_ENABLED = env.boolean("NOTIFY_EMAIL_ENABLED", False)
NOTIFY_EMAIL_MIN_LEVEL = _notify_level("NOTIFY_EMAIL_MIN_LEVEL", "orange")
NOTIFY_WEBHOOK_URL = env.string("NOTIFY_WEBHOOK_URL", "")
NOTIFY_WEBHOOK_SECRET = env.string("NOTIFY_WEBHOOK_SECRET", "")
NOTIFY_WEBHOOK_MIN_LEVEL = _notify_level("NOTIFY_WEBHOOK_MIN_LEVEL", "orange")
SMS_GATEWAY_URL = env.string("SMS_GATEWAY_URL", "")
# No gateway: write the text of residents' SMS (booking codes) to the log instead. For `make demo` and
# a trial desk only, never in production (the log would hold the codes).
SMS_LOG_UNSENT = env.boolean("SMS_LOG_UNSENT", False)
SMS_GATEWAY_TOKEN = env.string("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_METHOD = _notify_choice("SMS_GATEWAY_METHOD", "post", {"get", "post"}).upper()
SMS_GATEWAY_FORMAT = _notify_choice("SMS_GATEWAY_FORMAT", "json", {"json", "form"})
SMS_GATEWAY_FIELDS = env.string("SMS_GATEWAY_FIELDS", "phone=phone,text=text,sign=sign")
if not re.fullmatch(r"\s*((phone|text|sign)(=[\w.-]+)?\s*(,\s*|$))*", SMS_GATEWAY_FIELDS):
    raise env.ImproperEnv(
        f"SMS_GATEWAY_FIELDS={SMS_GATEWAY_FIELDS!r}: use ours=theirs pairs, ours one of phone, text, sign"
    )
SMS_GATEWAY_SIGN = env.string("SMS_GATEWAY_SIGN", "枫桥")
SMS_MIN_LEVEL = _notify_level("SMS_MIN_LEVEL", "red")
NOTIFY_URGENT_CHANNELS = env.csv_list("NOTIFY_URGENT_CHANNELS", ["sms", "webhook"])
if not set(NOTIFY_URGENT_CHANNELS) <= {"email", "webhook", "sms"}:
    raise env.ImproperEnv(
        f"NOTIFY_URGENT_CHANNELS={NOTIFY_URGENT_CHANNELS!r} may name only email, webhook, sms"
    )
NOTIFY_MAX_ATTEMPTS = env.integer("NOTIFY_MAX_ATTEMPTS", 6, minimum=1)
NOTIFY_RETRY_BASE_SECONDS = env.integer("NOTIFY_RETRY_BASE_SECONDS", 30, minimum=0)
NOTIFY_RETRY_CAP_SECONDS = env.integer("NOTIFY_RETRY_CAP_SECONDS", 3600, minimum=1)
NOTIFY_HTTP_TIMEOUT = env.integer("NOTIFY_HTTP_TIMEOUT", 10, minimum=1)
NOTIFY_SITE_URL = env.string("NOTIFY_SITE_URL", "").rstrip("/")
# Live push (server-sent events): each open tab holds one web thread while its stream is open.
NOTIFY_STREAM_SECONDS = env.integer("NOTIFY_STREAM_SECONDS", 300, minimum=5)
NOTIFY_STREAM_POLL_MS = env.integer("NOTIFY_STREAM_POLL_MS", 1000, minimum=100)
NOTIFY_STREAM_HEARTBEAT_SECONDS = env.integer("NOTIFY_STREAM_HEARTBEAT_SECONDS", 15, minimum=1)
# Streams one web process serves at once; beyond it a tab is told to retry in 30 s, so open tabs never take
# every thread (default: 3/4 of WEB_THREADS, the gthread threads per worker of `fengqiao serve`).
NOTIFY_STREAM_MAX_PER_PROCESS = env.integer(
    "NOTIFY_STREAM_MAX_PER_PROCESS",
    max(1, env.integer("WEB_THREADS", 24, minimum=1) * 3 // 4),
    minimum=0,
)

# The push tier (docs/deploy.md "Live push"): `fengqiao push serve`, one server-sent-events connection per tab.
# Fan-out through Redis pub/sub when a Redis URL is set (default: the job queue's), else each push process
# polls the outbox table once per PUSH_POLL_MS for all its tabs.
PUSH_REDIS_URL = env.string("PUSH_REDIS_URL", HUEY_REDIS_URL)
PUSH_CHANNEL = env.string("PUSH_CHANNEL", "fengqiao:push")
PUSH_POLL_MS = env.integer("PUSH_POLL_MS", 200, minimum=20)
PUSH_SWEEP_SECONDS = env.integer("PUSH_SWEEP_SECONDS", 5, minimum=1)
PUSH_RETENTION_HOURS = env.integer("PUSH_RETENTION_HOURS", 24, minimum=1)
PUSH_HEARTBEAT_SECONDS = env.integer("PUSH_HEARTBEAT_SECONDS", 20, minimum=1)
PUSH_STREAM_SECONDS = env.integer("PUSH_STREAM_SECONDS", 900, minimum=10)
PUSH_MAX_BUFFER_KB = env.integer("PUSH_MAX_BUFFER_KB", 256, minimum=8)
PUSH_MAP_SECONDS = env.integer("PUSH_MAP_SECONDS", 5, minimum=1)
PUSH_HOST = env.string("PUSH_HOST", "127.0.0.1")
PUSH_PORT = env.integer("PUSH_PORT", 8001, minimum=0)
PUSH_PROCESSES = env.integer("PUSH_PROCESSES", 1, minimum=1)
# Where pages connect: a path behind the same nginx (default), or a full URL / ":port" (the demo).
PUSH_URL = env.string("PUSH_URL", "/push/")
# Origins allowed to open a stream from another origin (the demo's web port); empty = same origin only.
PUSH_ALLOWED_ORIGINS = env.csv_list("PUSH_ALLOWED_ORIGINS", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Map tiles: a tile server the station can reach (e.g. an intranet tile cache). Default: the offline
# base map drawn by the app from its own geography (core/tiles.py); "off": boundaries only.
MAP_TILE_URL = env.string("MAP_TILE_URL", "/core/tiles/{z}/{x}/{y}.png")
# Rivers and roads of the offline base map (core/basemap.py): a GeoJSON file; `fengqiao demo` writes
# the demo area's to FENGQIAO_VAR/base_map.geojson.
MAP_FEATURES_FILE = env.string("MAP_FEATURES_FILE", "")
if MAP_TILE_URL.strip().lower() in ("off", "none", "0"):
    MAP_TILE_URL = ""
MAP_CENTER = (29.2090, 103.9470)  # 玉津镇, 犍为县
# Seconds a process keeps the holiday entries (节假日安排) of a year chinesecalendar does not know (docs/workflow.md).
CALENDAR_CACHE_SECONDS = env.integer("CALENDAR_CACHE_SECONDS", 60, minimum=0)
# 综合指挥室 (docs/command.md): minutes before an unacknowledged alert goes to the 带班所领导; how near
# its contact deadline an unreached fraud warning is put on the wall; the wall's window for alerts.
COMMAND_ALERT_ESCALATE_MINUTES = env.integer("COMMAND_ALERT_ESCALATE_MINUTES", 10, minimum=1)
COMMAND_FRAUD_DUE_MINUTES = env.integer("COMMAND_FRAUD_DUE_MINUTES", 15, minimum=1)
COMMAND_WALL_HOURS = env.integer("COMMAND_WALL_HOURS", 24, minimum=1)
CALLBACK_MAX_ATTEMPTS = env.integer(
    "CALLBACK_MAX_ATTEMPTS", 3, minimum=1
)  # unanswered calls before 未联系上
# The CJK TrueType font embedded in every PDF (调解协议书, reports); docs/configuration.md.
PDF_CJK_FONT = env.string("PDF_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CALLBACK_BASIC_WEIGHT = env.string(
    "CALLBACK_BASIC_WEIGHT", "0.5"
)  # weight of 基本满意 in the callback satisfaction rate (0–1, docs/incidents.md)
# 户籍室一门通办 public booking pages (docs/desk.md): rate limits and the SMS code.
DESK_PUBLIC_PER_MINUTE = env.integer(
    "DESK_PUBLIC_PER_MINUTE", 10, minimum=1
)  # bookings/cancellations per address per minute
DESK_PUBLIC_PER_HOUR = env.integer("DESK_PUBLIC_PER_HOUR", 60, minimum=1)
DESK_SMS_RESEND_SECONDS = env.integer(
    "DESK_SMS_RESEND_SECONDS", 60, minimum=0
)  # one code per phone per this many seconds
DESK_SMS_PER_PHONE_HOUR = env.integer("DESK_SMS_PER_PHONE_HOUR", 5, minimum=1)
DESK_SMS_PER_IP_HOUR = env.integer("DESK_SMS_PER_IP_HOUR", 20, minimum=1)
DESK_SMS_CODE_SECONDS = env.integer(
    "DESK_SMS_CODE_SECONDS", 300, minimum=60
)  # an SMS code expires after this
DESK_SMS_MAX_ATTEMPTS = env.integer(
    "DESK_SMS_MAX_ATTEMPTS", 5, minimum=1
)  # wrong codes before a code (or a cancellation) is dead
# 法规学习 (docs/lawstudy.md): the sign-in QR code's life, lateness, reminders.
LAWSTUDY_QR_SECONDS = env.integer("LAWSTUDY_QR_SECONDS", 90, minimum=15)
LAWSTUDY_LATE_MINUTES = env.integer("LAWSTUDY_LATE_MINUTES", 10, minimum=0)
LAWSTUDY_REMIND_HOURS = env.integer("LAWSTUDY_REMIND_HOURS", 24, minimum=1)
# Hosts a study material may link to (exact, or *.example.cn for its subdomains); other links are refused.
LAWSTUDY_LINK_HOSTS = env.csv_list(
    "LAWSTUDY_LINK_HOSTS",
    [
        "flk.npc.gov.cn",
        "www.npc.gov.cn",
        "www.gov.cn",
        "www.mps.gov.cn",
        "www.court.gov.cn",
        "www.spp.gov.cn",
        "www.moj.gov.cn",
    ],
)
