"""The pilot-data file and its command, as the three apps' pilot-data tests use them."""

import contextlib
import copy
import json
from io import StringIO

from django.apps import apps
from django.core.management import call_command
from django.utils import translation

from wijkaanpak.common import pilot


def load_pilot(*args, language=None):
    """Run `manage.py load_pilot_data` with `args`; its output. `language` (e.g. "en" for the
    source strings) overrides the site's language for the run."""
    out = StringIO()
    speaking = translation.override(language) if language else contextlib.nullcontext()
    with speaking:
        call_command("load_pilot_data", *args, stdout=out)
    return out.getvalue()


def row_counts():
    """Rows of every table: models, many-to-many tables and simple_history's tables."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def pilot_data():
    """The pilot's data file, parsed: a fresh copy to change for a test."""
    return json.loads(pilot.DEFAULT_PILOT_FILE.read_text(encoding="utf-8"))


PROJECT_PARTS = ("projects", "progress_updates", "reporting_rounds", "final_evaluations")


def without_projects(data):
    """`data` without its projects, their updates and the round. With no project, no wish is
    answered: each is marked as not taken up, so the contracts can still be signed."""
    data = {key: copy.deepcopy(value) for key, value in data.items() if key not in PROJECT_PARTS}
    for contract in data["contracts"]:
        for wish in contract["wishes"]:
            wish["not_taken_up_reason"] = "Nog geen project."
    return data
