"""The projects' background work: the daily reminders for late reports."""

from celery import shared_task
from django.core.management import call_command


@shared_task
def send_report_reminders():
    """Remind the teams whose round report is late (daily, from beat)."""
    call_command("send_report_reminders")
