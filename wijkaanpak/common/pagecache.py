"""The cache of public pages: whole HTML pages for anonymous visitors, per language, dropped as
soon as anything they show changes.

- **What is cached.** Views marked with :func:`public_page` (in the URLconfs), for a GET or
  HEAD by a visitor who is not logged in and has no message waiting, when the answer is a 200
  that sets no cookie. Everything else passes untouched: a logged-in user never gets nor fills
  a cached page, so what only staff or a team may see (drafts, internal and hidden updates)
  never enters an entry.
- **The key** holds the content version, the language, the scheme and host, the path with its
  query string and today's date (pages say "late" and pick the current fund by the date).
- **The content version** is a random token in the cache "pages". Every SQL statement that
  writes to a table of a watched app (:func:`watch_tables`, called by the site's AppConfig)
  replaces it: model saves and deletes, queryset updates, bulk creates, cascades and raw SQL
  alike, so no write path can be forgotten. Inside a transaction the token is replaced at the
  write and again when the transaction commits, so a page rendered from the data before the
  commit lands under a token that is already dead.
- **Headers.** A public page says ``Cache-Control: public, max-age=0, must-revalidate``
  (settings.PAGE_CACHE_CONTROL): a browser or proxy may keep it but asks again every time,
  and ConditionalGetMiddleware answers 304 when the ETag (the body's hash, so per language)
  still matches. Such a page does not vary by Cookie: a request with a session or another
  language is answered by this server on revalidation. Answers to a logged-in user that set no
  Cache-Control of their own get ``private, no-store``; other answers that set or vary by a
  cookie (forms with a CSRF token) get ``private, no-cache``.
- **Compression.** :class:`PublicGZipMiddleware` compresses public pages only. A compressed
  page that holds a secret (a CSRF token, a status link) and reflects the visitor's input could
  give the secret away through its length (BREACH); a public page holds none. A proxy in front
  may compress the rest if it applies the same rule.
"""

import hashlib
import logging
import re
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.middleware.http import ConditionalGetMiddleware as DjangoConditionalGetMiddleware
from django.utils import timezone
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

CACHE_ALIAS = "pages"
VERSION_KEY = "content-version"
# The headers a view sets that a cached page keeps. The rest (security headers, CSP,
# Content-Language, Cache-Control, ETag, Vary) the middleware sets again on every answer, from
# the settings and the request of that moment.
STORED_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "X-Content-Type-Options",
    "X-Robots-Tag",
    "Referrer-Policy",
    "X-Wijkaanpak-Source",
)
HIT_HEADER = "X-Page-Cache"
# Documents say where their bytes came from; from this cache nothing is rendered.
SOURCE_HEADER = "X-Wijkaanpak-Source"
# Compressed: text. PDFs are compressed inside already.
COMPRESSED_TYPES = ("text/", "application/atom+xml", "application/json")


def _cache():
    return caches[CACHE_ALIAS]


def public_page(view):
    """Mark a view whose answer to an anonymous GET is the same for every visitor."""
    view.public_page = True
    return view


# --- The content version ----------------------------------------------------------------------


def current_version():
    """The token that names the current state of everything public pages show."""
    cache = _cache()
    version = cache.get(VERSION_KEY)
    if version is None:
        # Never a number used before: a version lost from the cache (evicted, restarted) must
        # not bring back entries stored under an older one.
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def _new_version():
    try:
        _cache().set(VERSION_KEY, uuid.uuid4().hex, None)
    except Exception:
        # A cache server that is down must not refuse the write; it serves no pages either.
        logger.exception("The content version of the public pages could not be replaced")


def content_changed(using="default"):
    """Drop every cached page: now, and again when the current transaction commits."""
    _new_version()
    connection = connections[using]
    if connection.in_atomic_block and not any(
        func is _new_version for _sids, func, _robust in connection.run_on_commit
    ):
        transaction.on_commit(_new_version, using=using)


# The table an INSERT, UPDATE or DELETE writes to; TRUNCATE empties several.
_WRITE = re.compile(
    r"\s*(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+[\"`]?(\w+)",
    re.IGNORECASE,
)
_watched_tables = frozenset()


def _watch_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    match = _WRITE.match(sql)
    if (match and match[1] in _watched_tables) or sql.lstrip()[:8].upper() == "TRUNCATE":
        content_changed(context["connection"].alias)
    return result


def _install(connection, **kwargs):
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def watch_tables(tables):
    """Replace the content version on every write to one of `tables` (names of DB tables)."""
    global _watched_tables
    _watched_tables = frozenset(tables)
    connection_created.connect(_install, dispatch_uid="wijkaanpak.pagecache.install")
    for connection in connections.all(initialized_only=True):
        _install(connection)


# --- The middleware ---------------------------------------------------------------------------


def _key(request, version):
    place = "\n".join(
        [
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            timezone.localdate().isoformat(),
        ]
    )
    digest = hashlib.sha256(place.encode()).hexdigest()
    return f"page:{version}:{request.LANGUAGE_CODE}:{digest}"


def _no_messages(request):
    storage = getattr(request, "_messages", None)
    return storage is None or len(storage) == 0


def _strip_vary_cookie(response):
    if not response.has_header("Vary"):
        return
    fields = [f.strip() for f in response["Vary"].split(",") if f.strip().lower() != "cookie"]
    if fields:
        response["Vary"] = ", ".join(fields)
    else:
        del response["Vary"]


class PageCacheMiddleware:
    """Serve and keep public pages (see the module's docstring), and say how to cache answers.

    It sits before the session, CSRF and message middleware (so it sees every cookie they set)
    and after GZip and ConditionalGet (so it keeps the plain body, and 304s come from it).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not (
            getattr(view_func, "public_page", False)
            and request.method in ("GET", "HEAD")
            and not request.user.is_authenticated
            and _no_messages(request)
        ):
            return None
        try:
            key = _key(request, current_version())
            entry = _cache().get(key)
        except Exception:
            logger.warning("Page cache unavailable; %s served without it", request.path)
            return None
        if entry is None:
            request.page_cache_key = key
            return None
        content, headers = entry
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        if response.has_header(SOURCE_HEADER):
            response[SOURCE_HEADER] = "cache"
        response[HIT_HEADER] = "hit"
        request.page_cache_public = True
        return response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "page_cache_key", None)
        if key is not None and self._storable(request, response):
            headers = {name: response[name] for name in STORED_HEADERS if name in response}
            try:
                _cache().set(key, (response.content, headers), settings.PAGE_CACHE_SECONDS)
            except Exception:
                logger.warning("Page cache unavailable; %s not stored", request.path)
            response[HIT_HEADER] = "miss"
            request.page_cache_public = True
        if getattr(request, "page_cache_public", False):
            response["Cache-Control"] = settings.PAGE_CACHE_CONTROL
            _strip_vary_cookie(response)
        elif not response.has_header("Cache-Control"):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                patch_cache_control(response, private=True, no_store=True)
            elif response.cookies or "cookie" in response.get("Vary", "").lower():
                patch_cache_control(response, private=True, no_cache=True)
        return response

    @staticmethod
    def _storable(request, response):
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not response.has_header("Cache-Control")
            and not request.user.is_authenticated
            and _no_messages(request)
        )


class PublicGZipMiddleware(GZipMiddleware):
    """Django's GZip, for the public pages of :class:`PageCacheMiddleware` only (BREACH)."""

    def process_response(self, request, response):
        if not getattr(request, "page_cache_public", False) or not response.get(
            "Content-Type", ""
        ).startswith(COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)


class ConditionalGetMiddleware(DjangoConditionalGetMiddleware):
    """Django's ETag and 304, for successful answers only: an error page (a damaged archived
    file's 503, a 404) gets no ETag, so nothing keeps or revalidates it as if it were the
    document."""

    def needs_etag(self, response):
        return response.status_code == 200 and super().needs_etag(response)
