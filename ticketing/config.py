"""Configuration read from the environment (see shared INTERFACE.md)."""

from __future__ import annotations

import os
import secrets
import time

from .domain.calendar import DEFAULT_WEEKLY_HOURS


def env_bool(name: str, default: bool) -> bool:
    """Booleans accept true/false/1/0 (and yes/no)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    """Production-leaning defaults; every value can come from the environment."""

    ENV_NAME = os.environ.get("APP_ENV", os.environ.get("FLASK_ENV", "development"))
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: instance folder SQLite
    #: hide_parameters: SQL errors in logs never carry the values (personal data); no
    #: pool_pre_ping: see DB_PING_IDLE_SECONDS
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
    #: a pooled connection unused this long is pinged before use (ticketing/dbpool.py)
    DB_PING_IDLE_SECONDS = float(os.environ.get("DB_PING_IDLE_SECONDS", "10"))
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Jakarta")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR")  # None: instance/uploads
    #: where `make run`'s mail catcher writes (development only); None: instance/devmail
    DEV_MAIL_DIR = os.environ.get("DEV_MAIL_DIR")
    # url_for outside a request (mail sent by the scheduler) needs a server name.
    SERVER_NAME = os.environ.get("SERVER_NAME")
    #: None: http://127.0.0.1:$PORT (the development server's address; see finalize)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Dinas Koperasi dan UKM Kota Palembang <diskopukm2020@gmail.com>"
    )
    MAIL_TIMEOUT = env_int("MAIL_TIMEOUT", 20)
    #: the domain after '@' in our Message-IDs
    MAIL_MESSAGE_ID_DOMAIN = os.environ.get("MAIL_MESSAGE_ID_DOMAIN", "diskopukm.palembang.go.id")
    COMPLAINT_EMAIL = "diskopukm2020@gmail.com"
    #: who hears of a security problem found in the desk (/.well-known/security.txt, RFC 9116):
    #: a mailto: or https: URI; the office's mailbox unless the operator names another
    SECURITY_CONTACT = os.environ.get("SECURITY_CONTACT", "mailto:diskopukm2020@gmail.com")

    IMAP_HOST = os.environ.get("IMAP_HOST", "imap.gmail.com")
    IMAP_PORT = env_int("IMAP_PORT", 993)
    IMAP_SSL = env_bool("IMAP_SSL", True)
    IMAP_USER = os.environ.get("IMAP_USER")
    IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD")
    IMAP_FOLDER = os.environ.get("IMAP_FOLDER", "INBOX")
    #: where a message goes once stored (Gmail: a label), or when it could not be handled
    IMAP_PROCESSED_FOLDER = os.environ.get("IMAP_PROCESSED_FOLDER", "processed")
    IMAP_FAILED_FOLDER = os.environ.get("IMAP_FAILED_FOLDER", "failed")
    IMAP_TIMEOUT = env_int("IMAP_TIMEOUT", 60)
    #: larger inbound messages are not downloaded; the sender is told (Gmail's own limit)
    MAIL_MAX_INBOUND_BYTES = env_int("MAIL_MAX_INBOUND_BYTES", 25 * 1024 * 1024)
    #: automatic mails (acknowledgements) per sender per hour, RFC 3834
    MAIL_AUTO_REPLY_PER_HOUR = env_int("MAIL_AUTO_REPLY_PER_HOUR", 3)
    #: more addresses of ours, comma-separated: never acknowledged, never a requester
    MAIL_OWN_ADDRESSES = os.environ.get("MAIL_OWN_ADDRESSES", "")
    #: a message claimed by a worker that died is taken over after this many minutes
    MAIL_CLAIM_STALE_MINUTES = env_int("MAIL_CLAIM_STALE_MINUTES", 10)
    #: seconds one message may take to parse; a message over it is kept as `failed`
    MAIL_PARSE_BUDGET_SECONDS = float(os.environ.get("MAIL_PARSE_BUDGET_SECONDS", "20"))
    #: `mail ingest FILE...` parses the next messages in a helper process while it writes
    #: the current ones (services.parse_ahead); off: everything in the one process
    MAIL_PARSE_AHEAD = env_bool("MAIL_PARSE_AHEAD", True)
    #: claims of one message that never finished (the worker hung or died on it) before it
    #: is kept as `failed` instead of being taken over again
    MAIL_MAX_PROCESS_ATTEMPTS = env_int("MAIL_MAX_PROCESS_ATTEMPTS", 3)
    #: attachments stored per mail (like the web form's MAX_ATTACHMENTS); the rest stay in
    #: the raw mail and are listed to staff
    MAIL_MAX_ATTACHMENTS = env_int("MAIL_MAX_ATTACHMENTS", 5)
    #: authserv-ids (comma-separated) whose Authentication-Results we trust, e.g. the
    #: receiving provider's "mx.google.com": mail from a staff address counts as staff only
    #: with DKIM or SPF pass for its domain there
    MAIL_TRUSTED_AUTHSERV_IDS = os.environ.get("MAIL_TRUSTED_AUTHSERV_IDS", "mx.google.com")

    # Working-time calendar (WIB), Mon-Thu 07.30-16.00, Fri 07.30-16.30; admins may override
    # per weekday in the database. Weekday 0 = Monday.
    OFFICE_HOURS = dict(DEFAULT_WEEKLY_HOURS)
    DEFAULT_TARGET_DAYS = 2  # requests with no service yet (triage)
    #: a reopened ("belum dipahami") request gets this share of the target as a new window
    REOPEN_WINDOW_FRACTION = float(os.environ.get("REOPEN_WINDOW_FRACTION", "0.5"))
    #: SLA defaults (a service may override the first two): reminder at this % of the target,
    #: level 2 this many working days past due
    SLA_WARNING_PERCENT = env_int("SLA_WARNING_PERCENT", 75)
    SLA_LEVEL2_DAYS = float(os.environ.get("SLA_LEVEL2_DAYS", "1"))
    #: daily digest to ketua tim and kabid, office time (WIB) on working days
    SLA_DIGEST_TIME = os.environ.get("SLA_DIGEST_TIME", "07:30")
    #: answered (selesai) tickets with no reply are closed after this many working days
    AUTO_CLOSE_WORKING_DAYS = float(os.environ.get("AUTO_CLOSE_WORKING_DAYS", "5"))
    #: an IKM is published only from this many survey respondents (below: "belum cukup
    #: responden"); a handful of answers is no index of a service
    IKM_MIN_RESPONDENTS = int(os.environ.get("IKM_MIN_RESPONDENTS", "30"))

    MAX_ATTACHMENTS = 5
    MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
    MAX_CONTENT_LENGTH = 5 * 10 * 1024 * 1024 + 1024 * 1024  # five full uploads plus the form

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    #: Flask-Limiter's X-RateLimit-* headers on every limited response cost two round trips
    #: to its store (Redis in production) per request; the desk sends them, with
    #: Retry-After, on a refusal only (headers.rate_limit_headers)
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "diskopukm")
    #: a limiter's Redis that hangs holds a request this long per try, not the system's
    #: minutes (the intake limit then lets the request through: ticketing/ratelimit.py)
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    INTAKE_RATE_LIMIT = os.environ.get("INTAKE_RATE_LIMIT", "10 per hour;3 per minute")
    #: the public form sent back sooner than this after it was shown is held as automated
    FORM_MIN_FILL_SECONDS = float(os.environ.get("FORM_MIN_FILL_SECONDS", "2"))
    #: per client address, on the login form's POST
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;60 per hour")
    #: wrong passwords in a row before an account is locked, and for how long
    LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)

    #: a mail the SMTP server cannot take is retried (capped exponential backoff) this long,
    #: counted from its first failed attempt, then `failed` (admin page, `mail requeue`)
    OUTBOX_RETRY_HOURS = float(os.environ.get("OUTBOX_RETRY_HOURS", "72"))
    OUTBOX_BACKOFF_CAP_MINUTES = env_int("OUTBOX_BACKOFF_CAP_MINUTES", 60)
    #: the WhatsApp outbox and media downloads still count attempts (not mail any more)
    OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_BATCH = env_int("OUTBOX_BATCH", 50)
    #: personal data of closed requests is anonymised after this many years (0: never)
    RETENTION_TICKET_YEARS = env_int("RETENTION_TICKET_YEARS", 5)
    #: raw inbound mail, outbox bodies and WhatsApp payloads are purged after this many
    #: months (0: never); mail still failed or waiting is kept for review
    RETENTION_MAIL_MONTHS = env_int("RETENTION_MAIL_MONTHS", 12)
    #: rows of each kind per retention run (the daily job catches up over several days)
    RETENTION_BATCH = env_int("RETENTION_BATCH", 500)
    #: GET /healthz calls a job late when it has not succeeded for twice its interval plus this
    HEALTH_GRACE_MINUTES = env_int("HEALTH_GRACE_MINUTES", 3)
    #: the supervisors' board and the admin pages show a red banner after this long without
    #: any scheduler job starting
    SCHEDULER_STALE_MINUTES = env_int("SCHEDULER_STALE_MINUTES", 5)

    # WhatsApp Business Cloud API (issue 11). The channel is on only when the first four are
    # set; WHATSAPP_DISPLAY_NUMBER alone shows the office's number on the public site.
    WHATSAPP_PHONE_NUMBER_ID = os.environ.get("WHATSAPP_PHONE_NUMBER_ID")
    WHATSAPP_ACCESS_TOKEN = os.environ.get("WHATSAPP_ACCESS_TOKEN")
    WHATSAPP_APP_SECRET = os.environ.get("WHATSAPP_APP_SECRET")
    WHATSAPP_VERIFY_TOKEN = os.environ.get("WHATSAPP_VERIFY_TOKEN")
    WHATSAPP_GRAPH_URL = os.environ.get("WHATSAPP_GRAPH_URL", "https://graph.facebook.com")
    WHATSAPP_API_VERSION = os.environ.get("WHATSAPP_API_VERSION", "v21.0")
    #: the number citizens write to, as shown on the site (e.g. +62 812-0000-0000)
    WHATSAPP_DISPLAY_NUMBER = os.environ.get("WHATSAPP_DISPLAY_NUMBER")
    #: approved message template sent outside the 24-hour window; body parameters
    #: {{1}} ticket code, {{2}} tracking link (see README)
    WHATSAPP_TEMPLATE_UPDATE = os.environ.get("WHATSAPP_TEMPLATE_UPDATE")
    #: template for the acknowledgement of a web request that gave only a phone number
    #: (same parameters); WHATSAPP_TEMPLATE_UPDATE when unset
    WHATSAPP_TEMPLATE_ACK = os.environ.get("WHATSAPP_TEMPLATE_ACK")
    WHATSAPP_TEMPLATE_LANGUAGE = os.environ.get("WHATSAPP_TEMPLATE_LANGUAGE", "id")
    #: a message from a number with a ticket active within this many hours joins that ticket
    WHATSAPP_THREAD_HOURS = env_int("WHATSAPP_THREAD_HOURS", 72)
    #: messages this close together form one request with one acknowledgement
    WHATSAPP_BURST_SECONDS = env_int("WHATSAPP_BURST_SECONDS", 120)
    WHATSAPP_TIMEOUT = env_int("WHATSAPP_TIMEOUT", 20)

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Jakarta")
    LANGUAGES = ("id", "en")

    WTF_CSRF_TIME_LIMIT = None  # a citizen may take a long time to type on a phone
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: None: true when APP_ENV=production (see finalize), else false
    SESSION_COOKIE_SECURE = (env_bool("SESSION_COOKIE_SECURE", False)
                             if os.environ.get("SESSION_COOKIE_SECURE") else None)
    #: a staff session ends after this long without a request, and this long after login
    SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 120)
    SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
    #: reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none)
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
    #: JSON request bodies larger than this are refused (413) before parsing
    JSON_MAX_BYTES = env_int("JSON_MAX_BYTES", 256 * 1024)


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    ENV_NAME = "testing"
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - the tests' own key
    FORM_MIN_FILL_SECONDS = 0.0  # tests that check the minimum fill time set it themselves
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 1  # nothing listens: tests that send mail start a real SMTP server
    MAIL_SUPPRESS_SEND = False  # Flask-Mail would otherwise fake sending under TESTING
    PUBLIC_BASE_URL = "http://localhost"
    #: cheap password hashing (the default costs 0.2 s per hash; tests hash hundreds)
    ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    #: many tests travel in time after logging in; the session tests set the real limits
    SESSION_IDLE_MINUTES = 10 * 365 * 24 * 60
    SESSION_MAX_HOURS = 10 * 365 * 24


def finalize(config: dict, instance_path: str | None = None) -> None:
    """Fill secrets and derived values; refuse insecure production settings."""
    if config.get("SESSION_COOKIE_SECURE") is None:
        # Production is served over HTTPS: the session cookie never travels in clear text.
        config["SESSION_COOKIE_SECURE"] = config.get("ENV_NAME") == "production"
    if not config.get("SECRET_KEY"):
        if config.get("ENV_NAME") == "production":
            raise RuntimeError("SECRET_KEY wajib di-set di lingkungan produksi (production).")
        # Development: generated once into the instance folder (never committed) and shared by
        # the web app, the scheduler and `flask seed`, so links mailed before a restart work.
        config["SECRET_KEY"] = (development_secret_key(instance_path) if instance_path
                                else secrets.token_hex(32))
    if not config.get("PUBLIC_BASE_URL"):
        config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{os.environ.get('PORT') or 5000}"


def development_secret_key(instance_path: str) -> str:
    """The key in `instance/secret_key`, created (mode 0600) by the first process to need it."""
    path = os.path.join(instance_path, "secret_key")
    os.makedirs(instance_path, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
    for _ in range(50):  # another process may be between creating and writing the file
        with open(path) as existing:
            key = existing.read().strip()
        if key:
            return key
        time.sleep(0.02)
    raise RuntimeError(f"{path} is empty: delete it and start again")
