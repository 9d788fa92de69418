"""Countersign settings: one file, everything that varies comes from the environment.

With no DATABASE_URL / CELERY_BROKER_URL the project runs on embedded defaults
(SQLite and kombu's filesystem transport) so that ``make demo`` needs no server.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from reviewapp.lib.env import (
    envbool,
    envchoice,
    envfloat,
    envint,
    envlist,
    envstr,
    is_redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = Path(envstr("COUNTERSIGN_STATE_DIR", str(BASE_DIR / ".demo")))

DEBUG = envbool("DEBUG", "False")
SECRET_KEY = envstr("SECRET_KEY") or (
    "insecure-dev-key-only-for-local-demo" if DEBUG or not envstr("ALLOWED_HOSTS") else None
)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when ALLOWED_HOSTS is set")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "reviewapp",
]

MIDDLEWARE = [
    # /healthz and /metrics, before host checks, HTTPS redirects and sign-in.
    "reviewapp.observability.endpoints.OperationsEndpointsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The collected static files, served by the web process itself (no proxy config).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Idle and absolute session limits, then the second factor (reviewapp/sign_in.py).
    "reviewapp.sign_in.SessionLimitsMiddleware",
    "reviewapp.sign_in.SecondFactorRequiredMiddleware",
    # After authentication: a signed-in user's chosen language wins over the browser's.
    "reviewapp.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "reviewapp.api.middleware.JsonBodyOnlyMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside CSP: the product's own error pages, a patient's never Django's debug page.
    "reviewapp.middleware.ErrorPagesMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reviewapp.urls"
WSGI_APPLICATION = "reviewapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reviewapp.context_processors.roles_context",
            ]
        },
    }
]

# The embedded defaults keep their files here; created only when they are used.
if not envstr("DATABASE_URL") or not envstr("CELERY_BROKER_URL"):
    for folder in ("broker", "broker-control"):
        (STATE_DIR / folder).mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL") or f"sqlite:///{STATE_DIR / 'db.sqlite3'}",
        # Kept open between requests: a new PostgreSQL connection costs about
        # as much as drawing the whole queue page.
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's SQLite: the worker's task threads write at once (two requests drafted
    # in one batch store their candidates together). Each transaction takes the write
    # lock when it begins and waits for it, instead of failing "database is locked"
    # when a read inside it turns into a write. WAL: readers (the web server's pages)
    # never block the writer, nor it them, so the lock is held only while writing.
    # What still waits past the timeout is retried (reviewapp/lib/db_retry.py).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out username and IP before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "reviewapp.auth_backend.SingleQueryModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", "15"))
# A username from one address: a guesser elsewhere cannot lock a clinician out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# ... the real client's address, behind the proxy too (TRUSTED_PROXY_COUNT below).
AXES_CLIENT_IP_CALLABLE = "reviewapp.lib.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "queue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fi", "Suomi")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Days and weeks (analytics, exports) are cut at this zone's midnight: a Finnish site sets
# TIME_ZONE=Europe/Helsinki. Times are stored in UTC whatever it is.
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# The absolute limit; the idle limit is enforced by reviewapp.sign_in.
SESSION_COOKIE_AGE = envint("SESSION_MAX_HOURS", "12") * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Production is where ALLOWED_HOSTS comes from the environment and DEBUG is off:
# there, cookies are HTTPS-only and plain HTTP is redirected (each can be turned
# off by its own variable, e.g. behind a proxy that already redirects).
PRODUCTION = bool(envstr("ALLOWED_HOSTS")) and not DEBUG
_secure = "true" if PRODUCTION else "false"
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", _secure)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", _secure)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", _secure)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _secure)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", _secure)
if envbool("BEHIND_TLS_PROXY", "false"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp): scripts, styles and images from this site only;
# the pages have no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Patient text never goes to logs: loggers get IDs and states only, and the
# default error e-mails (which include request bodies) are not configured.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "reviewapp.lib.json_logs.JsonLogFormatter"},
    },
    # On the handler, not on loggers: a logger's filter misses records of its
    # children (django.security.csrf logs the path of a refused chat POST).
    "filters": {
        "redact_path_secrets": {"()": "reviewapp.lib.log_redaction.RedactPathSecrets"},
        "withhold_exception_text": {"()": "reviewapp.lib.log_redaction.WithholdExceptionText"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # "json" in the compose stack: one object per line (reviewapp/lib/json_logs.py).
            "formatter": envchoice("LOG_FORMAT", "plain", ("plain", "json")),
            "filters": ["redact_path_secrets", "withhold_exception_text"],
        }
    },
    "loggers": {
        # The dev server's access log goes through the same (redacting) handler.
        "django.server": {"handlers": ["console"], "propagate": False},
        # Django configures its own logging first (django.utils.log.DEFAULT_LOGGING):
        # with DEBUG on, its "django" logger writes every record through a console
        # handler of its own, unredacted, and again through ours. Naming the logger
        # here removes its handlers; records go up to the root's (redacting) handler
        # only. INFO as Django has it: SQL with its parameters (DEBUG) stays out.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Every successful login would log a line; lockouts are audited anyway.
        "axes": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# --- Audit log (reviewapp/audit.py, reviewapp/audit_anchors.py, docs/security.md) ---
# The audit chain's HMAC key, kept out of the database (set it, or AUDIT_CHAIN_KEY_FILE,
# to a long random value): whoever can write the database cannot re-link an edited event
# without it. Keep it for good: events verify only with the key they were written with.
# Unset, it is derived from SECRET_KEY: a warning (countersign.W003), an error in production
# (countersign.E004).
AUDIT_CHAIN_KEY = envstr("AUDIT_CHAIN_KEY", "")
# The chain's head (event count, last id and MAC) is appended to this file at every
# interval (beat) and POSTed to the webhook if one is set: verify_audit finds events
# removed from the end of the chain, which the chain alone cannot show.
AUDIT_ANCHOR_FILE = envstr("AUDIT_ANCHOR_FILE", str(STATE_DIR / "audit-anchors.jsonl"))
AUDIT_ANCHOR_WEBHOOK_URL = envstr("AUDIT_ANCHOR_WEBHOOK_URL", "")
AUDIT_ANCHOR_INTERVAL_SECONDS = envint("AUDIT_ANCHOR_INTERVAL_SECONDS", "300")

# --- Celery ---------------------------------------------------------------
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = STATE_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(STATE_DIR / "broker-control"),
    }
else:
    # The broker must redeliver an unacknowledged task only after the task's
    # hard time limit, or a slow generation would run twice at once.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", "3600"),
        "socket_connect_timeout": 2,
        # A broker that accepts connections but never answers (hung, or cut off)
        # must fail a publish as fast as one that refuses them: a patient's POST
        # waits on it (tests/test_faults.py, the hung-broker case).
        "socket_timeout": 2,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A patient's POST must not hang while the broker is down: publishing fails
# fast, the message is already committed, and the sweeper enqueues it later.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Workers keep the logging configured above (redaction included) instead of
# Celery replacing the root logger's handlers with its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_DEFAULT_QUEUE = "maintenance"
CELERY_TASK_TIME_LIMIT = envint("GENERATION_TIME_LIMIT", "600")
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
SWEEP_INTERVAL_SECONDS = envint("SWEEP_INTERVAL_SECONDS", "60")
CELERY_BEAT_SCHEDULE = {
    "sweep-stale-draft-requests": {
        "task": "worker.tasks.sweep_stale_requests",
        "schedule": SWEEP_INTERVAL_SECONDS,
    },
    "anchor-audit-chain": {
        "task": "worker.tasks.anchor_audit_chain",
        "schedule": AUDIT_ANCHOR_INTERVAL_SECONDS,
    },
}

# --- Observability ------------------------------------------------------------
# Where every process adds to the recorded counters and histograms
# (reviewapp/observability/store.py): the broker's Redis unless another is named;
# none with the demo's filesystem broker (then /metrics shows the gauges only).
METRICS_REDIS_URL = envstr("METRICS_REDIS_URL") or (
    CELERY_BROKER_URL if is_redis_url(CELERY_BROKER_URL) else ""
)
# Prometheus sends it as a bearer token; /metrics answers nobody while it is unset.
METRICS_TOKEN = envstr("METRICS_TOKEN", "")

# --- Rate limits and the client address (docs/security.md) ----------------------
# How many proxies in front of the web process append to X-Forwarded-For: the
# client's address is that many entries from its right (reviewapp/lib/client_address.py).
# 0: REMOTE_ADDR is the client. The compose stack's TLS proxy makes it 1.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "0")
# Where every web process counts (reviewapp/lib/rate_limit.py): the broker's Redis
# unless another is named; Django's cache, per process, with the demo's filesystem broker.
RATE_LIMIT_REDIS_URL = envstr("RATE_LIMIT_REDIS_URL") or (
    CELERY_BROKER_URL if is_redis_url(CELERY_BROKER_URL) else ""
)
# Requests allowed per window before 429 (0 switches a limit off).
RATE_LIMITS = {
    "MESSAGES_PER_MINUTE": envint("RATE_LIMIT_MESSAGES_PER_MINUTE", "10"),
    "MESSAGES_PER_HOUR": envint("RATE_LIMIT_MESSAGES_PER_HOUR", "100"),
    # Per address (an IPv6 /64): patient requests other than messages (pages, their
    # polling every 4 s, the API's reads, new conversations). Generous: a clinic's
    # Wi-Fi or a mobile carrier puts many patients behind one address (600: 40 open
    # chats); messages count per conversation only, never here.
    "ADDRESS_PER_MINUTE": envint("RATE_LIMIT_ADDRESS_PER_MINUTE", "600"),
    "NEW_CONVERSATIONS_PER_HOUR": envint("RATE_LIMIT_NEW_CONVERSATIONS_PER_HOUR", "30"),
}

# --- Countersign ------------------------------------------------------------
COUNTERSIGN = {
    "CANDIDATES_PER_REQUEST": envint("CANDIDATES_PER_REQUEST", "3"),
    # Blind comparisons: decisive preferences (a win for one version) needed before
    # a win rate is called significant, however narrow its interval.
    "COMPARISON_MIN_DECISIVE": envint("COMPARISON_MIN_DECISIVE", "30"),
    "CLAIM_LEASE_SECONDS": envint("CLAIM_LEASE_SECONDS", "600"),
    # A request still queued or generating this long after its last attempt
    # started is presumed lost (broker outage, killed worker) and re-enqueued.
    # Longer than the task time limit, so a generation still running is never
    # taken for lost (checked by countersign.E002).
    "STALE_REQUEST_SECONDS": envint("STALE_REQUEST_SECONDS", str(CELERY_TASK_TIME_LIMIT + 60)),
    "MAX_GENERATION_ATTEMPTS": envint("MAX_GENERATION_ATTEMPTS", "5"),
    "MAX_MESSAGE_CHARS": envint("MAX_MESSAGE_CHARS", "4000"),
    # A request waits at most this long for batch-mates before generation starts.
    "BATCH_WINDOW_MS": envint("BATCH_WINDOW_MS", "50"),
    # Rows (request x candidates) in one generate call; bounded by GPU memory.
    "MAX_BATCH_ROWS": envint("MAX_BATCH_ROWS", "48"),
    "HEARTBEAT_SECONDS": envint("HEARTBEAT_SECONDS", "30"),
    # On SIGTERM a worker lets a running draft finish for at most this long, then
    # hands it back to the queue for another worker (worker/shutdown.py).
    "WORKER_SHUTDOWN_SECONDS": envint("WORKER_SHUTDOWN_SECONDS", "15"),
    "MODEL_CACHE_DIR": envstr("MODEL_CACHE_DIR", str(BASE_DIR / ".cache" / "models")),
    # Export snapshots and the adapters trained on them, one folder each.
    "EXPORT_ROOT": envstr("EXPORT_ROOT", str(STATE_DIR / "exports")),
    "ADAPTER_ROOT": envstr("ADAPTER_ROOT", str(STATE_DIR / "adapters")),
    # Service-level targets: minutes from a patient's message to a released reply.
    "SLA_MINUTES": {
        "crisis": envint("SLA_MINUTES_CRISIS", "15"),
        "elevated": envint("SLA_MINUTES_ELEVATED", "60"),
        "none": envint("SLA_MINUTES_NONE", "240"),
    },
    # Optional 1-5 scores a reviewer may give; an empty list switches rubrics off.
    "RUBRIC_ITEMS": envlist("RUBRIC_ITEMS", "empathy,safety,accuracy,cultural_fit"),
    # Rows on a queue page: the most urgent first, filters narrow the rest.
    "QUEUE_PAGE_SIZE": envint("QUEUE_PAGE_SIZE", "30"),
    # An open review page renews its lease this often (well inside the lease).
    "LEASE_RENEW_SECONDS": envint("LEASE_RENEW_SECONDS", "60"),
    # ... but for no longer than this from the claim; then the clinician claims again.
    "LEASE_MAX_HOLD_SECONDS": envint("LEASE_MAX_HOLD_SECONDS", "3600"),
    "ANNOTATION_MAX_ITEMS": envint("ANNOTATION_MAX_ITEMS", "5000"),
    # --- safety ---
    # A screen slower than this answers "elevated" (fail safe) instead of waiting.
    "RISK_SCREEN_TIMEOUT_MS": envint("RISK_SCREEN_TIMEOUT_MS", "200"),
    # A conversation screened elevated or crisis keeps that level this long.
    "RISK_CARRY_HOURS": envint("RISK_CARRY_HOURS", "24"),
    # The learned layer of the screen, built by `manage.py train_risk_model`
    # (`make demo` and `make test` build it; the Docker image builds it too).
    "RISK_MODEL_DIR": envstr("RISK_MODEL_DIR", str(BASE_DIR / ".cache" / "risk-model")),
    # Whether train_risk_model adds the reviewers' risk verdicts (de-identified)
    # to its training split: a site opts in once its clinicians' verdicts are trusted.
    "RISK_TRAIN_ON_CORRECTIONS": envbool("RISK_TRAIN_ON_CORRECTIONS", "false"),
    # The worker's second opinion before drafting (docs/risk-screen.md): "" (off),
    # "classifier" (a sequence-classification model at RISK_SECOND_OPINION_MODEL
    # with labels none/elevated/crisis) or "rubric" (the drafting model asked the
    # C-SSRS screener questions). It can only raise a level.
    "RISK_SECOND_OPINION": envchoice("RISK_SECOND_OPINION", "", ("", "classifier", "rubric")),
    "RISK_SECOND_OPINION_MODEL": envstr("RISK_SECOND_OPINION_MODEL", ""),
    # The probability at which the second opinion's level counts.
    "RISK_SECOND_OPINION_THRESHOLD": envfloat("RISK_SECOND_OPINION_THRESHOLD", "0.5"),
    # Releasing a reply to a crisis message needs a second clinician's sign-off.
    "CRISIS_SECOND_SIGNOFF": envbool("CRISIS_SECOND_SIGNOFF", "true"),
    # Who is told at once about a crisis message: e-mail addresses and a webhook.
    "ON_CALL_EMAILS": envlist("ON_CALL_EMAILS", ""),
    "CRISIS_WEBHOOK_URL": envstr("CRISIS_WEBHOOK_URL", ""),
    # A JSON file replacing the built-in crisis protocol and resources per locale.
    "CRISIS_PROTOCOL_FILE": envstr("CRISIS_PROTOCOL_FILE", ""),
    "MAX_ALERT_ATTEMPTS": envint("MAX_ALERT_ATTEMPTS", "10"),
    # A crisis in a conversation paged for this recently is recorded as covered by
    # that alert instead of paging again (one flooding patient, one page).
    "CRISIS_ALERT_DEDUPE_MINUTES": envint("CRISIS_ALERT_DEDUPE_MINUTES", "30"),
    # --- services ---
    # Conversations with no service named go to this one (created when first needed).
    "DEFAULT_SERVICE": envstr("DEFAULT_SERVICE", "main"),
    # How long break-glass access to another service's conversation lasts.
    "BREAK_GLASS_HOURS": envint("BREAK_GLASS_HOURS", "4"),
    # --- sign-in ---
    # A session with no page asked for this long ends; polling does not count.
    "SESSION_IDLE_MINUTES": envint("SESSION_IDLE_MINUTES", "15"),
    "SESSION_MAX_HOURS": envint("SESSION_MAX_HOURS", "12"),
    # Whether a user may enrol their own authenticator at first login. In production
    # an administrator issues it (manage.py enrolauthenticator): otherwise whoever
    # first holds a password would enrol the second factor too.
    "SECOND_FACTOR_SELF_ENROL": envbool(
        "SECOND_FACTOR_SELF_ENROL", "false" if PRODUCTION else "true"
    ),
    # Links in notifications point here.
    "SITE_URL": envstr("SITE_URL", "http://127.0.0.1:8000"),
}

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "countersign@localhost")
