"""System checks of the ground floor's settings (registered in CommonConfig.ready)."""

import datetime

from django.conf import settings
from django.core import checks

# Caches that count each request exactly once, from any process (see wijkaanpak.common.cache).
SHARED_ATOMIC_CACHES = {
    "django.core.cache.backends.redis.RedisCache",
    "wijkaanpak.common.cache.DatabaseCache",
}
# security.txt should be renewed before it expires (RFC 9116 asks for less than a year ahead).
RENEW_BEFORE = datetime.timedelta(days=30)


@checks.register(checks.Tags.caches)
def ratelimit_cache(app_configs, **kwargs):
    alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    backend = settings.CACHES.get(alias, {}).get("BACKEND")
    if backend in SHARED_ATOMIC_CACHES:
        return []
    return [
        checks.Error(
            f"The rate limits' cache {alias!r} uses {backend}, which is not shared by every "
            "process or does not count atomically.",
            hint="Use Django's RedisCache (set REDIS_URL) or "
            "wijkaanpak.common.cache.DatabaseCache.",
            id="common.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def security_txt_expiry(app_configs, **kwargs):
    expires = settings.SECURITY_TXT_EXPIRES_DATE
    today = datetime.date.today()
    if expires - today >= RENEW_BEFORE:
        return []
    state = "has expired" if expires < today else "expires within a month"
    return [
        checks.Warning(
            f"/.well-known/security.txt {state} (SECURITY_TXT_EXPIRES={expires.isoformat()}).",
            hint="Check the contact in it and set SECURITY_TXT_EXPIRES to a date less than a "
            "year ahead.",
            id="common.W001",
        )
    ]
