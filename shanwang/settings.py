"""Settings for the Shanwang project portfolio, read from environment variables only.

Every variable has a default that needs no server, so a newcomer can run the app on
SQLite, a filesystem Celery broker and a mail folder under ``var/``. The README lists
each variable. With ``DJANGO_DEBUG`` off the secret key and allowed hosts must be set.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("SHANWANG_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-shanwang-portfolio"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            '(generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))").'
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off "
            "(a comma-separated list, e.g. xm.shanwang.gov.cn,127.0.0.1)."
        )
else:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Headless Chromium prints the monthly briefing to PDF: a path, or a command name on PATH.
CHROMIUM_PATH = env.str("CHROMIUM_PATH", default="chromium")
# Briefing PDFs (projects/briefing/pdf.py): how many prints may run at once on this host,
# how long a request waits for a free print slot and how long a print may take, in seconds.
# The wait and the print together stay below gunicorn's timeout (120 s).
BRIEFING_PDF_CONCURRENCY = env.int("BRIEFING_PDF_CONCURRENCY", default=1)
BRIEFING_PDF_WAIT = 20
BRIEFING_PDF_TIMEOUT = 60
# The only hosts a group-chat robot's webhook may point at (https only): WeCom and DingTalk.
ROBOT_WEBHOOK_HOSTS = env.list(
    "ROBOT_WEBHOOK_HOSTS", default=["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
)

INSTALLED_APPS = [
    "shanwang.admin_site.ShanwangAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "django_tables2",
    "django_filters",
    "django_celery_beat",
    "import_export",
    "simple_history",
    # django-axes, named in Chinese in the admin (shanwang/apps.py).
    "shanwang.apps.AxesConfig",
    "rules.apps.AutodiscoverRulesConfig",
    "shanwang",
    "projects",
    "villages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A database that stays locked gives the "busy, try again" page (503), and a value it
    # cannot take from a crafted query string a 400, not a 500 (shanwang/middleware.py).
    "shanwang.middleware.DatabaseErrorMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed for a phone's slow signal; static files come compressed from
    # WhiteNoise, above, and photos, PDFs and workbooks are sent as they are.
    "shanwang.middleware.PageGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a log-in unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "shanwang.audit.AuditContextMiddleware",
    "shanwang.sessions.SessionLifetimeMiddleware",
    # Last, as django-axes asks: it turns a lockout into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shanwang.urls"
WSGI_APPLICATION = "shanwang.wsgi.application"

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
                "projects.context_processors.unread_notifications",
                "projects.context_processors.demo_data",
                "projects.context_processors.supervision_pages",
            ],
        },
    },
]

# Databases: SQLite under var/ unless DATABASE_URL names a server.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
# A persistent connection the server dropped (a restart, pg_terminate_backend) is checked
# and replaced at the start of the next request instead of failing it.
# https://docs.djangoproject.com/en/5.2/ref/databases/#database-health-checks
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait up to 20 s for the worker or beat instead of failing with "database is locked".
    # A transaction takes the write lock when it begins (BEGIN IMMEDIATE): one that read
    # first could not upgrade its lock while another process writes, and SQLite fails it at
    # once, without waiting.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles a whole-portfolio query for longer than it runs (+100-200 ms
    # at 10,000 projects; 13 s before the figures were bound once per row): off for the
    # app's sessions. https://www.postgresql.org/docs/current/jit-decision.html
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username and IP never reach the password check.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Log-in lockout: 5 failures of one username from one IP lock that pair for 15 minutes;
# another user behind the same IP (a village office's shared line) can still log in.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Sessions: end after 2 hours idle and at the latest 12 hours after log-in, whatever the
# activity. A session is saved (and its cookie renewed) when it changes or, while in use,
# every SESSION_RENEW_INTERVAL (shanwang/sessions.py), not on every request: a page that
# only reads writes nothing, and does not wait while another process writes. A session
# idle for 2 hours has ended; the renewal interval is how much earlier it may end.
SESSION_ENGINE = "shanwang.sessions"
SESSION_COOKIE_AGE = 2 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_INTERVAL = datetime.timedelta(minutes=1)
SESSION_ABSOLUTE_LIFETIME = datetime.timedelta(hours=12)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:dashboard"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: Chinese by default, English selectable.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static files: Bootstrap and other front-end packages come from npm (package-lock.json)
# and are served by the app itself; no CDN is reachable from the town intranet.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    # Only the charts the app draws, bundled at set-up by `make assets` (assets/echarts.js).
    ("vendor/echarts", NODE_MODULES / ".shanwang" / "echarts"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# WhiteNoise (https://whitenoise.readthedocs.io/en/stable/django.html): collectstatic writes
# a Brotli (.br) and a gzip copy of each file, sent to browsers that accept them; names with
# a content hash are sent cacheable for ten years ("immutable"), the others for 60 seconds.
# Source maps, read only by developer tools, stay uncompressed: they are half the bytes, and
# Brotli's quality 11 on them would double collectstatic's time.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploads are served by shanwang.views.media after a permission check; behind nginx,
# set this to an internal location (e.g. /protected-media/) to let nginx send the file.
MEDIA_ACCEL_PREFIX = env.str("DJANGO_MEDIA_ACCEL_PREFIX", default="")
# Site photos (shanwang/photos.py, projects/evidence.py): the font of the caption strip
# drawn under each served photo (a CJK font; found among Debian's fonts when empty), and
# how far from the project's site point a photo may be taken before it is flagged.
PHOTO_CAPTION_FONT = env.str("SHANWANG_PHOTO_CAPTION_FONT", default="")
PHOTO_SITE_RADIUS_M = env.int("SHANWANG_PHOTO_SITE_RADIUS_M", default=1000)
# Documents (批复, 合同, 验收资料; shanwang/documents.py): the largest file accepted.
DOCUMENT_MAX_BYTES = env.int("SHANWANG_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)

# Email: written to var/mail/ unless EMAIL_URL names an SMTP server.
if EMAIL_URL := env.str("EMAIL_URL", default=""):
    globals().update(env.email_url_config(EMAIL_URL))
    if EMAIL_URL.startswith("filemail:"):
        # django-environ drops the leading "/" of filemail:///absolute/path.
        EMAIL_FILE_PATH = "/" + env.email_url_config(EMAIL_URL)["EMAIL_FILE_PATH"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="山王镇项目调度 <noreply@shanwang.local>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when configured, else kombu's filesystem transport under var/celery/,
# so a real worker and beat run without any server.
# https://docs.celeryq.dev/projects/kombu/en/stable/reference/kombu.transport.filesystem.html
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="")
if CELERY_BROKER_URL:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    # The transport lists this folder at start-up and fails if it is missing: the Celery
    # app makes it before a worker starts or a task is sent (shanwang/celery.py).
    _QUEUE_DIR = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_QUEUE_DIR),
        "data_folder_out": str(_QUEUE_DIR),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Where the transport keeps its exchange table (kombu's default is ./control).
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# Security. Production values follow `manage.py check --deploy`; behind nginx the
# proxy sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The body of a request without its files (those are capped by their validators and by
# nginx's client_max_body_size): the longest text field holds 5,000 characters, so
# Django's default of 2.5 MB is ample; a larger body is refused with 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Content-Security-Policy: no inline script anywhere, everything from this origin.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        # The service worker (/sw.js) and the web manifest, both served by the app.
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Logs go to the console for the process manager to collect (systemd's journal, honcho).
# LOG_FORMAT=json (the default with DEBUG off) writes one JSON object per line to stdout,
# see shanwang/jsonlog.py; "plain" (the default with DEBUG on) stays human-readable on stderr.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f'LOG_FORMAT must be "plain" or "json", not "{LOG_FORMAT}".')
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "shanwang.jsonlog.JsonLineFormatter"},
    },
    # Calendar-feed keys travel in URLs ("Not Found: /calendar/<key>.ics"): masked.
    "filters": {"redact_secrets": {"()": "shanwang.log_redaction.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_secrets"],
            "stream": "ext://sys.stdout" if LOG_FORMAT == "json" else "ext://sys.stderr",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Django's own handlers (its console copy with DEBUG on, runserver's request
        # lines) would write what the redacting console handler masks: theirs go too.
        "django": {"level": "INFO"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
if LOG_FORMAT == "json":
    # Celery's worker and beat would otherwise replace these handlers with plain-text ones.
    # https://docs.celeryq.dev/en/stable/userguide/configuration.html#worker-hijack-root-logger
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
