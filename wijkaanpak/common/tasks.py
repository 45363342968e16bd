"""The ground floor's background work: delivering the outbox."""

from celery import shared_task

from wijkaanpak.common import mail


@shared_task
def send_outbox():
    """Deliver the outbox: enqueued when a mail is queued, and by beat every minute for the
    retries. Another run that holds the delivery lock sends this one's mails too."""
    mail.deliver_outbox()
