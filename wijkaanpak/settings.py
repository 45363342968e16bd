"""Settings for Wijkaanpak.

One module, driven by environment variables (see the configuration table in README.md).
Bad values are refused at start-up with a message that names the variable.
"""

import datetime
import re
from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from wijkaanpak.common.env import SettingPath, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=true for local development)."
        )
    # Development only: a fixed key is harmless because DEBUG is on.
    SECRET_KEY = "django-insecure-development-key-wijkaanpak-do-not-use-in-production"  # noqa: S105
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters and not insecure.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
for origin in CSRF_TRUSTED_ORIGINS:
    if not origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS: {origin!r} must start with http:// or https://."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # List filters chosen by autocomplete, for lists whose sidebar would name every wijk.
    "admin_auto_filters",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "csp",
    "django_ratelimit",
    # Logins: lockout after failed attempts, and the second factor (see Authentication below).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "maykin_2fa",
    "wijkaanpak",
    # Before post_office: the ground floor's send_queued_mail (with backoff) replaces
    # post_office's.
    "wijkaanpak.common",
    "post_office",
    "contracts",
    "projects",
    "budget",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "wijkaanpak.common.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "maykin_2fa.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions end after 30 idle minutes, portal sessions after 8 hours.
    "wijkaanpak.common.middleware.IdleSessionMiddleware",
    # Before anything reads request.POST/FILES (CSRF's process_view and the views run later).
    "wijkaanpak.common.middleware.RequestBodyLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a locked-out login into the lockout page (wijkaanpak.logins).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wijkaanpak.urls"
WSGI_APPLICATION = "wijkaanpak.wsgi.application"

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
                "wijkaanpak.common.context_processors.site",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] not in (
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL or SQLite.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    # Staff accounts (and superusers) need at least STAFF_PASSWORD_MIN_LENGTH characters.
    {"NAME": "wijkaanpak.common.passwords.StaffMinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
STAFF_PASSWORD_MIN_LENGTH = 12
LOGIN_URL = "projects:login"

# django-axes checks every login first: after AXES_FAILURE_LIMIT failures for one user name from
# one client address, that pair is locked out for AXES_COOLOFF_TIME (counted from the last
# attempt), on /team/inloggen/ and /admin/login/ alike; the right password does not log in
# meanwhile. The lockout page is wijkaanpak.logins.lockout_response; superusers unlock in the
# admin (Login lockouts). Every failure and lockout is logged by the "axes" loggers.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", default=15))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= datetime.timedelta(0):
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be at least 1.")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "wijkaanpak.common.client.client_ip"
AXES_LOCKOUT_CALLABLE = "wijkaanpak.logins.lockout_response"
AXES_RESET_ON_SUCCESS = True
# The admin for attempts is the site's own (wijkaanpak.common.admin.logins: Dutch, superusers only).
AXES_ENABLE_ADMIN = False
# Every attempt with its form data would be kept; the failures are enough.
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["password", "auth-password", "token", "otp_token"]
# No banner on every start (it would open the output of every management command); failures
# and lockouts are still logged by the "axes" logger.
AXES_VERBOSE = False

# The second factor (maykin-2fa on django-two-factor-auth and django-otp): every staff account
# enrols a TOTP app (with backup codes) at its first login to /admin/ and gives a code at every
# later one. With DEBUG on (make run) the code is skipped so developers can click around: the
# admin then counts a password login as verified. Team members may enable it in the portal.
MAYKIN_2FA_ALLOW_MFA_BYPASS_BACKENDS = (
    ["django.contrib.auth.backends.ModelBackend"] if DEBUG else []
)
TWO_FACTOR_PATCH_ADMIN = False
TWO_FACTOR_REMEMBER_COOKIE_AGE = None
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", default="Wijkaanpak")
LOGIN_REDIRECT_URL = "admin:index"

# Idle sessions end (wijkaanpak.common.middleware.IdleSessionMiddleware): a staff session after
# STAFF_SESSION_IDLE_MINUTES without a request, a portal (non-staff) one after
# PORTAL_SESSION_IDLE_HOURS. The browser's cookie lasts no longer than the session.
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", default=30)
PORTAL_SESSION_IDLE_HOURS = env_int("PORTAL_SESSION_IDLE_HOURS", default=8)
if STAFF_SESSION_IDLE_MINUTES < 1 or PORTAL_SESSION_IDLE_HOURS < 1:
    raise ImproperlyConfigured(
        "STAFF_SESSION_IDLE_MINUTES and PORTAL_SESSION_IDLE_HOURS must be at least 1."
    )
SESSION_COOKIE_AGE = PORTAL_SESSION_IDLE_HOURS * 3600

# --- Language and time ------------------------------------------------------------------------

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
# The site's catalogue first (makemessages writes it); then locale/admin, kept by hand, which
# corrects Django's own Dutch for the admin ("de contract" becomes "Toegevoegd: contract …").
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "admin"]
USE_I18N = True
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media files -------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Protected files of MEDIA_ROOT (attachments, archived PDFs, scans) are sent by
# django-sendfile2 once a view has checked the visitor (wijkaanpak.common.files). "simple": the
# app sends them; "nginx": the app answers with X-Accel-Redirect to SENDFILE_URL, the internal
# location of deploy/nginx/wijkaanpak.conf over the same folder, and nginx sends the bytes.
_SENDFILE_BACKENDS = {
    "simple": "django_sendfile.backends.simple",
    "nginx": "django_sendfile.backends.nginx",
}
_sendfile_backend = env_str("SENDFILE_BACKEND", default="simple")
if _sendfile_backend not in _SENDFILE_BACKENDS:
    raise ImproperlyConfigured("SENDFILE_BACKEND must be simple or nginx.")
SENDFILE_BACKEND = _SENDFILE_BACKENDS[_sendfile_backend]
SENDFILE_ROOT = SettingPath("MEDIA_ROOT")
SENDFILE_URL = "/protected-media"
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

# --- Cache ------------------------------------------------------------------------------------
# "default": rendered PDFs of unsigned contracts and leaflets (keyed by their HTML). Per process
# in memory unless REDIS_URL names a Redis server that all processes and servers share.
# "ratelimit": the rate limits' counters (see Security), which must be shared by every process:
# Redis when REDIS_URL is set, else a table in the database (wijkaanpak.common.cache, whose
# increment locks the row; the table is made by `migrate`, migration common.0001).

REDIS_URL = env_str("REDIS_URL", default="")
RATELIMIT_CACHE_TABLE = "wijkaanpak_ratelimit_cache"
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 200},
        }
    ),
    "ratelimit": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "ratelimit",
        }
        if REDIS_URL
        else {
            "BACKEND": "wijkaanpak.common.cache.DatabaseCache",
            "LOCATION": RATELIMIT_CACHE_TABLE,
            # Above this many rows a write first deletes the expired ones (past windows), and
            # only then, if still above, a third of the live counters: far more clients in
            # one window than this site sees, yet a table small enough to count quickly.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    ),
}

# --- Public page cache and HTTP caching ---------------------------------------------------------
# Whole public pages for anonymous visitors, per language, dropped at every write to what they
# show (wijkaanpak.common.pagecache; README "Caching"). Shared by every process through Redis
# when REDIS_URL is set; else each process keeps its own pages and content version in memory
# (right for `make run`, one process; a deployment with several processes sets REDIS_URL).
CACHES["pages"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "pages",
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
)
# How long a page is kept at most; any write drops it at once anyway.
PAGE_CACHE_SECONDS = 24 * 3600
# Browsers and proxies may keep a public page but ask again each time (ETag, 304).
PAGE_CACHE_CONTROL = "public, max-age=0, must-revalidate"
# GZip outermost: it compresses the final HTML of public pages only, which hold no CSRF token
# or other secret (BREACH); ConditionalGet hashes the plain body for the ETag; the page cache
# sees every cookie the session, CSRF and message middleware set.
MIDDLEWARE = [
    "wijkaanpak.common.pagecache.PublicGZipMiddleware",
    "wijkaanpak.common.pagecache.ConditionalGetMiddleware",
    "wijkaanpak.common.pagecache.PageCacheMiddleware",
    *MIDDLEWARE,
]

# --- Forms ------------------------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# A request whose body is larger is refused with 413 before anything reads it (see
# wijkaanpak.common.middleware.RequestBodyLimitMiddleware): room for the largest upload (a scan of
# at most 25 MB) and its form. Django's own limits (DATA_UPLOAD_MAX_MEMORY_SIZE) still bound
# the form fields besides files.
MAX_REQUEST_BODY_MB = env_int("MAX_REQUEST_BODY_MB", default=30)
if MAX_REQUEST_BODY_MB < 1:
    raise ImproperlyConfigured("MAX_REQUEST_BODY_MB must be at least 1 (megabytes).")
MAX_REQUEST_BODY_BYTES = MAX_REQUEST_BODY_MB * 1024 * 1024

# The largest single file the site takes (a scan of the signed pages, 25 MB). While an upload
# streams in, wijkaanpak.common.uploads.SizeLimitUploadHandler keeps no more of one file than
# this and hands the form a "too large" file in its place, which the app's own (smaller or
# equal) limit refuses with a message. Django's own handlers keep what passes, as always. (A
# request body above MAX_REQUEST_BODY_MB is refused before any of this.)
MAX_UPLOAD_FILE_MB = env_int("MAX_UPLOAD_FILE_MB", default=25)
if MAX_UPLOAD_FILE_MB < 1:
    raise ImproperlyConfigured("MAX_UPLOAD_FILE_MB must be at least 1 (megabytes).")
MAX_UPLOAD_FILE_BYTES = MAX_UPLOAD_FILE_MB * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "wijkaanpak.common.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- E-mail -----------------------------------------------------------------------------------

# Every mail goes into the outbox (django-post-office, see wijkaanpak/common/mail.py), in the
# transaction of the change that causes it; `manage.py send_queued_mail` delivers it through
# the server named by EMAIL_URL, e.g. smtp://user:password@host:587/?tls=True (console://
# prints, memory:// keeps mail in memory for tests). Production refuses to start without it:
# otherwise reset links and applicants' addresses would silently go to the console.
EMAIL_URL = env_str("EMAIL_URL", default="")
if not EMAIL_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "EMAIL_URL must be set when DEBUG is off, for example "
            "smtp://user:password@mail.example:587/?tls=True (set DEBUG=true for development)."
        )
    EMAIL_URL = "console://"
try:
    _email = dj_email_url.parse(EMAIL_URL)
except ValueError as exc:
    raise ImproperlyConfigured(f"EMAIL_URL is not a valid e-mail URL: {exc}") from exc
if "EMAIL_BACKEND" not in _email:
    raise ImproperlyConfigured(
        "EMAIL_URL must start with smtp://, submission://, smtps://, console://, file://, "
        "memory:// or dummy://."
    )
EMAIL_HOST = _email["EMAIL_HOST"] or "localhost"
EMAIL_PORT = _email["EMAIL_PORT"] or 25
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"] or ""
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"] or ""
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
# A hanging mail server must not hang the queue: give up a connection after 30 s.
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"] or 30
if _email["EMAIL_FILE_PATH"]:
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
# Django's own mail (password reset) is queued too; post_office delivers with the real one.
EMAIL_BACKEND = "wijkaanpak.common.mail.OutboxBackend"
POST_OFFICE = {
    "BACKENDS": {"default": _email["EMAIL_BACKEND"]},
    "DEFAULT_PRIORITY": "medium",
    # A failed delivery is tried again later, up to MAX_RETRIES times. post_office itself waits
    # a fixed RETRY_INTERVAL; the site's send_queued_mail then stretches it to an exponential
    # backoff (MAIL_RETRY_FIRST doubling up to MAIL_RETRY_MAX): 5, 10, 20, 40, 80 minutes,
    # then every 2 hours, so 30 attempts ride out about two days' outage. Then the mail is
    # "failed" in the admin, where staff requeue it; it is never deleted.
    "MAX_RETRIES": 30,
    "RETRY_INTERVAL": datetime.timedelta(minutes=5),
    # Log every attempt (sent and failed): the admin shows the error of each failed one.
    "LOG_LEVEL": 2,
    "MESSAGE_ID_ENABLED": True,
}
MAIL_RETRY_FIRST = datetime.timedelta(minutes=5)
MAIL_RETRY_MAX = datetime.timedelta(hours=2)
# /healthz reports the outbox as failing when a mail has waited longer than this.
OUTBOX_MAX_WAIT_MINUTES = env_int("OUTBOX_MAX_WAIT_MINUTES", default=60)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="wijkaanpak@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background work (Celery) ----------------------------------------------------------------
# Tasks (wijkaanpak/celery.py; the apps' tasks.py) go to the broker CELERY_BROKER_URL, by default
# REDIS_URL, and a worker (`celery -A wijkaanpak worker`) runs them; `celery -A wijkaanpak beat`
# enqueues the periodic jobs below. With neither URL set there is no broker: every task runs at
# once in the process that asks for it (eager), so `make run` and the tests need no worker. No
# result backend: no caller waits for a task's return value; what a task did is in the database
# (the outbox's states, the contracts' statuses), and a failure is logged by the worker.
from celery.schedules import crontab  # noqa: E402  (kept in this block)

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", default="") or REDIS_URL
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# A task is taken off the queue once done, not when it starts: a worker that dies mid-task
# leaves it for another. Every task is safe to run twice (the outbox sends under a lock).
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # Failed mails are due again after their backoff, and a mail whose task was lost is not.
    "outbox": {"task": "wijkaanpak.common.tasks.send_outbox", "schedule": 60.0},
    # Daily, at night and before the working day (CELERY_TIMEZONE).
    "report-reminders": {
        "task": "projects.tasks.send_report_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "retention": {
        "task": "budget.tasks.erase_expired_personal_data",
        "schedule": crontab(hour=3, minute=15),
    },
    "archive-verification": {
        "task": "contracts.tasks.verify_archive",
        "schedule": crontab(hour=4, minute=15),
    },
}

# --- Security ---------------------------------------------------------------------------------

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe the health check over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
# Both bind more than this site (every subdomain; browsers' built-in lists, for months after
# the header goes): only a deployment that chose them gets them.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies of our own stand in front of the application servers. The client's
# address is then the entry of X-Forwarded-For that the first of them wrote (see
# wijkaanpak.common.client); with 0, the header is ignored and REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)

# Rate limits (django-ratelimit, wijkaanpak.common.ratelimits), per client address as above, in
# the shared cache "ratelimit". A rate is "<number>/<period>", the period s, m, h or d with an
# optional multiple ("30/10m"). A limited request changes nothing and gets a Dutch message.
RATELIMIT_USE_CACHE = "ratelimit"
# For django-ratelimit's own key "ip" too: the address client_ip trusts, never the raw header.
RATELIMIT_IP_META_KEY = "wijkaanpak.common.client.client_ip"
RATELIMIT_CACHE_PREFIX = "rl:"
_RATE = re.compile(r"[1-9][0-9]*/[0-9]*[smhd]")


def _env_rate(name, default):
    value = env_str(name, default=default)
    if not _RATE.fullmatch(value):
        raise ImproperlyConfigured(
            f"{name} must be a rate such as 5/h or 30/10m (a number, a slash, a period in "
            f"s, m, h or d), not {value!r}."
        )
    return value


# New initiative applications (a resend of the same one does not count).
RATELIMIT_APPLICATIONS = _env_rate("RATELIMIT_APPLICATIONS", "5/h")
# Status links that lead nowhere: far more than mistyping, far too few to guess a secret.
RATELIMIT_WRONG_STATUS_LINKS = _env_rate("RATELIMIT_WRONG_STATUS_LINKS", "20/h")
# Requests for a password reset link on the team portal.
RATELIMIT_PASSWORD_RESETS = _env_rate("RATELIMIT_PASSWORD_RESETS", "5/h")
# PDFs rendered anew for one client (contract, leaflet, midterm review, addendum, decision
# letter); PDFs from the cache or the archive do not count.
RATELIMIT_PDF_RENDERS = _env_rate("RATELIMIT_PDF_RENDERS", "30/10m")
# django-ratelimit's own check (W001) knows only memcached and django-redis as supported
# caches. Ours are Django's own RedisCache (an atomic INCR) and wijkaanpak.common.cache (an
# increment under a row lock); the check common.E001 (wijkaanpak.common.checks) allows
# exactly these two and refuses any other, so W001 says nothing that check does not. E003,
# for a per-process or non-atomic cache, stays on.
# security.W005 and W021 ask every site for HSTS includeSubDomains and preload. Both are a
# choice for the whole domain (often the municipality's, with subdomains this site does not
# run), hard to take back, so they are off unless SECURE_HSTS_INCLUDE_SUBDOMAINS and
# SECURE_HSTS_PRELOAD turn them on; the checks would only repeat that choice. HSTS itself
# (security.W004, SECURE_HSTS_SECONDS) stays checked.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "security.W005", "security.W021"]

# Permissions-Policy (django-permissions-policy): the site uses none of these browser features,
# so no page, and nothing injected into one, may ask for them.
PERMISSIONS_POLICY = {
    "camera": [],
    "microphone": [],
    "geolocation": [],
    "payment": [],
}

# /.well-known/security.txt (RFC 9116): where to report a vulnerability, and until when that
# holds. SECURITY_TXT_EXPIRES is a date (YYYY-MM-DD); the check common.W001 warns when it
# has passed or is less than a month away, so a deployment renews it instead of a build faking
# a new one.
# SECURITY_CONTACT: a mailto:, https: or tel: URI (a bare e-mail address gets mailto:); by
# default mailto:CONTACT_EMAIL (see Product). Without either, security.txt is a 404.
SECURITY_CONTACT = env_str("SECURITY_CONTACT", default="")
SECURITY_TXT_EXPIRES = env_str("SECURITY_TXT_EXPIRES", default="2027-06-30")
try:
    SECURITY_TXT_EXPIRES_DATE = datetime.date.fromisoformat(SECURITY_TXT_EXPIRES)
except ValueError:
    raise ImproperlyConfigured(
        f"SECURITY_TXT_EXPIRES must be a date such as 2027-06-30, not {SECURITY_TXT_EXPIRES!r}."
    ) from None

# No inline scripts or styles anywhere: every script and stylesheet is a file of our own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports every rendering step at INFO level.
    "loggers": {
        "weasyprint.progress": {"level": "WARNING"},
        # Failed logins and lockouts (django-axes): every failure is logged at INFO, a lockout
        # at WARNING, whatever LOG_LEVEL says.
        "axes": {"level": "INFO"},
    },
}

# --- Product ----------------------------------------------------------------------------------

# The name of the municipality running the site; shown in the header and statements.
MUNICIPALITY_NAME = env_str("MUNICIPALITY_NAME", default="Gemeente Haarlem")
# The address of the site as people reach it, for links in e-mail (no trailing slash).
SITE_URL = env_str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("SITE_URL must start with http:// or https://.")
# Where residents report accessibility problems and privacy questions; the statements name it.
CONTACT_EMAIL = env_str("CONTACT_EMAIL", default="")
if not SECURITY_CONTACT and CONTACT_EMAIL:
    SECURITY_CONTACT = f"mailto:{CONTACT_EMAIL}"
elif SECURITY_CONTACT and not SECURITY_CONTACT.startswith(("mailto:", "https://", "tel:")):
    if "@" not in SECURITY_CONTACT or ":" in SECURITY_CONTACT:
        raise ImproperlyConfigured(
            "SECURITY_CONTACT must be an e-mail address or a mailto:, https:// or tel: URI."
        )
    SECURITY_CONTACT = f"mailto:{SECURITY_CONTACT}"
# Whom residents and applicants call with questions about the neighbourhood approach, and the
# number: the leaflet's "Questions?" box and the decision letter name them.
CONTACT_PERSON = env_str("CONTACT_PERSON", default="Bureau Regie in de Wijken")
CONTACT_PHONE = env_str("CONTACT_PHONE", default="14 023")
if len(CONTACT_PERSON) > 80 or len(CONTACT_PHONE) > 30:
    raise ImproperlyConfigured(
        "CONTACT_PERSON may be at most 80 characters and CONTACT_PHONE at most 30: the "
        "leaflet prints them in a small box."
    )
# The decision letter on an initiative application: whom the applicant asks about it (the
# contact above unless the letter has its own), and where an objection (bezwaar, Algemene wet
# bestuursrecht) is sent.
DECISION_CONTACT_NAME = env_str("DECISION_CONTACT_NAME", default=CONTACT_PERSON)
DECISION_CONTACT_PHONE = env_str("DECISION_CONTACT_PHONE", default=CONTACT_PHONE)
DECISION_CONTACT_EMAIL = env_str("DECISION_CONTACT_EMAIL", default=CONTACT_EMAIL)
OBJECTION_ADDRESSEE = env_str(
    "OBJECTION_ADDRESSEE", default="het college van burgemeester en wethouders van Haarlem"
)
OBJECTION_ADDRESS = env_str("OBJECTION_ADDRESS", default="Postbus 511, 2003 PB Haarlem")
