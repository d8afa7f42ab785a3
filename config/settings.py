"""The one settings module of DanhGia, driven by the environment.

Defaults make a fresh clone run at once: SQLite, eager background tasks, debug on. Production
sets ``DJANGO_ENV=production`` (debug off, HTTPS-only cookies, HSTS, SSL redirect behind the
proxy), ``SECRET_KEY`` (or ``SECRET_KEY_FILE``), ``ALLOWED_HOSTS``, ``DATABASE_URL``
(PostgreSQL) and ``CELERY_BROKER_URL`` (Redis); see docs/operations.md. Production passes
``manage.py check --deploy --fail-level WARNING`` (tests/test_settings_production.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DJANGO_ENV = env("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DEBUG must be False when DJANGO_ENV=production")
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG=False")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "staff",
    "scoring",
    "evaluation",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Each user's scope (staff.access) is resolved once per request and shared by the view,
    # the navigation and the services.
    "staff.access.scope_cache_middleware",
    # Gives request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "staff.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite by default so that a clone runs at once; PostgreSQL when DATABASE_URL is set.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
# A read replica of the primary (streaming replication), when DATABASE_REPLICA_URL is set:
# dashboards and exports read from it, everything else uses the primary (config/db_router.py,
# docs/scaling.md). Tests never create it: it mirrors the test database of "default".
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0)),
        "TEST": {"MIRROR": "default"},
    }
# PostgreSQL plans a query with eight joins (an evaluation with its period, person, agency, unit,
# …) in 8 ms and runs it in 0.5 ms. Server-side binding lets psycopg prepare a statement the
# third time a connection runs it, and PostgreSQL then reuses the plan (docs/performance.md).
# Turn it off (DB_PREPARED_STATEMENTS=0) behind a pooler in transaction mode older than
# PgBouncer 1.21, which cannot carry prepared statements.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
for _database in DATABASES.values():
    if DB_PREPARED_STATEMENTS and _database["ENGINE"] == "django.db.backends.postgresql":
        _database.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
DATABASE_ROUTERS = ["config.db_router.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The standard templates and rule sets ship as fixtures, loaded version by version by
# `manage.py load_standard_rules` (plain loaddata over a published version is refused).
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Argon2id first (memory-hard), with OWASP's parameters (staff/hashers.py); older hashes are
# upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "staff.hashers.OwaspArgon2PasswordHasher",  # also reads (and upgrades) Django's argon2
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# django-axes first: it refuses a locked-out sign-in before any password is checked. It needs
# the request, which the login view and DRF pass; a call without one (a script) is refused.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Lockout after 5 failures of ONE username from ONE address, for 15 minutes: an agency behind
# one NAT address does not lock itself out, and a guesser cannot lock a colleague out from
# elsewhere. The address is the one the access log records (staff.accesslog.client_ip).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)  # the lockout page says 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_CLIENT_IP_CALLABLE = "staff.accesslog.client_ip"
# Behind the reverse proxy: the request header (as in request.META) carrying the client address,
# e.g. HTTP_X_REAL_IP; it must be one the proxy overwrites. Empty: REMOTE_ADDR.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", "")

# Two-factor sign-in (django-otp): TOTP apps show this issuer; approvers must use it.
OTP_TOTP_ISSUER = "DanhGia"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first, English second; the province works in Indochina time.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))

STATICFILES_DIRS = [BASE_DIR / "static"]
# plotly.js comes from the installed plotly package (dashboards/staticfiles.py), never a CDN.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "dashboards.staticfiles.PlotlyFinder",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
}

SPECTACULAR_SETTINGS = {
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.exceptions.document_error_responses",
    ],
    "TITLE": "DanhGia API",
    "DESCRIPTION": "Đánh giá, xếp loại CBCCVC hằng tháng / Monthly evaluation of civil servants",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI comes from the app's own static files: the province's network is closed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several fields share one choice set (levels, statuses): name each set once.
    "ENUM_NAME_OVERRIDES": {
        "RatingLevelEnum": "scoring.models.RatingLevel",
        "RuleSetStatusEnum": "scoring.models.Status",
        "EvaluationStatusEnum": "evaluation.models.Status",
        "PeriodStatusEnum": "evaluation.models.PeriodStatus",
        "AppealStatusEnum": "evaluation.models.AppealStatus",
        "RestructuringKindEnum": "staff.models.RestructuringKind",
    },
}

# Background jobs: Celery with Redis in production; eager (in-process) when no broker is set.
# Cache: Redis when CACHE_URL is set (shared by every app server), else per process. It holds
# the open month's province-wide indicators for DASHBOARD_OPEN_PERIOD_SECONDS (0 = no cache).
CACHE_URL = env("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
DASHBOARD_OPEN_PERIOD_SECONDS = env_int("DASHBOARD_OPEN_PERIOD_SECONDS", 120)
# The approval board shows every unit at once up to this many people in the agency, and one
# unit at a time (with the list of units) above it: 5,875 rows took 1.5 s to render.
APPROVAL_BOARD_ALL_UNITS_UP_TO = env_int("APPROVAL_BOARD_ALL_UNITS_UP_TO", 300)

CELERY_BROKER_URL = env("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", "")
CELERY_TIMEZONE = TIME_ZONE
# Three queues so a long export never delays the month's opening or closing: run one worker per
# queue (docs/scaling.md). Anything not routed here (e-mails, the daily job) uses "celery".
CELERY_TASK_ROUTES = {
    "evaluation.tasks.run_period_job": {"queue": "jobs"},
    "staff.tasks.run_import_job": {"queue": "jobs"},
    "dashboards.tasks.run_export": {"queue": "exports"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "danhgia@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# --- security headers (every environment) and HTTPS-only settings (production) --------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)  # a working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sessions live in the database; with a shared cache (CACHE_URL) each request reads its session
# from Redis and only writes go to both ("cached_db"): one query fewer on every request. A
# per-process cache must not hold sessions: a sign-out in one worker would not reach another.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHE_URL
    else "django.contrib.sessions.backends.db"
)

# Content-Security-Policy (django-csp): scripts only from the app's own static files — no CDN,
# no inline script. Styles allow inline attributes (the Django admin uses them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

if PRODUCTION:
    # Behind the reverse proxy that terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
