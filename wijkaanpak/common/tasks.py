"""The ground floor's background work, where Celery looks for it: delivering the outbox (the
task lives beside the delivery in wijkaanpak.common.mail, which enqueues it)."""

from wijkaanpak.common.mail import send_outbox

__all__ = ["send_outbox"]
