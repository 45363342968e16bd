"""The Celery app: background work (the outbox, signing sets, reminders, periodic jobs).

Configured from Django's settings, every name with the CELERY_ prefix (see "Background work"
in settings.py and README.md); the tasks are the `tasks` modules of the installed apps. A worker
runs as `celery -A wijkaanpak worker`, the periodic jobs as `celery -A wijkaanpak beat`. Without
a broker (neither CELERY_BROKER_URL nor REDIS_URL) every task runs at once in the process that
asks for it, so the site needs no worker to work.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wijkaanpak.settings")

app = Celery("wijkaanpak")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
