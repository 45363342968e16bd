"""The budget's background work: the retention period of the privacy statement, applied."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def erase_expired_personal_data():
    """Erase the personal data whose retention period has passed (daily, from beat)."""
    call_command("erase_expired_personal_data")
