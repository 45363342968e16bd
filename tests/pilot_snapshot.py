"""The pilot, loaded once per test session and copied in wherever a test needs it.

`load_pilot_data` runs about 5,000 queries through the services (3 s with its PDFs
remembered, tests/pdf_memo.py), and each module that reads the pilot loaded it again, as did
each browser test, whose live server needs it committed. On PostgreSQL the first load of a
session (of a pytest-xdist worker) is kept instead: every table's rows as `COPY` gives them,
and the archived files of its media folder. Putting the pilot in place again empties the
tables and copies the rows back (a few hundred milliseconds), so the database holds exactly
what the load left, ids, history and archived files included.

Every table, because the pilot is the whole site's state: what migrations made (standard
sections, groups, permissions) is part of it too, so a browser test after a flush gets the same
database as a module that reads the pilot. The ledger's constraint triggers (budget, deferred
here to the end of the copy) check the rows as when they were written; the foreign keys are
Django's deferred ones. On SQLite (local runs) the pilot is loaded each time, as before.

The tests of the loading itself (`test_pilot_data` modules, `make run`'s command) call
`load_pilot_data`, never this.
"""

import io
import shutil

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction


class PilotSnapshot:
    """The pilot of this test session; `put_in_place` loads it the first time, copies it after."""

    def __init__(self, folder):
        self.folder = folder  # the archived files of the first load
        self.rows = None  # [(table, the rows as COPY ... TO STDOUT gave them)]

    def put_in_place(self, media_root):
        """Make the database hold the pilot and `media_root` its archived files, in the
        caller's transaction (committed by the caller, or rolled back with it)."""
        if connection.vendor != "postgresql" or self._holds_site_data():
            # No COPY on SQLite; and emptying the tables would lose a module fixture's rows.
            call_command("load_pilot_data", stdout=io.StringIO())
            return
        with transaction.atomic():
            if self.rows is None:
                call_command("load_pilot_data", stdout=io.StringIO())
                self._keep(media_root)
            else:
                self._copy_back(media_root)

    @staticmethod
    def _holds_site_data():
        """Whether the database holds more than migrations made: wijken, partners or users
        (of a module fixture, say), which emptying the tables would take away."""
        from django.contrib.auth import get_user_model

        from contracts.models import Neighbourhood, Partner

        return any(model.objects.exists() for model in (Neighbourhood, Partner, get_user_model()))

    def _tables(self):
        return sorted(
            connection.introspection.django_table_names(only_existing=True, include_views=False)
        )

    def _keep(self, media_root):
        rows = []
        with connection.cursor() as cursor:
            for table in self._tables():
                data = io.BytesIO()
                cursor.copy_expert(f"COPY {connection.ops.quote_name(table)} TO STDOUT", data)
                rows.append((table, data.getvalue()))
        self.rows = rows
        shutil.copytree(media_root, self.folder, dirs_exist_ok=True)

    def _copy_back(self, media_root):
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE contype = 't' AND condeferrable "
                "AND NOT condeferred"
            )
            checked_at_once = ", ".join(quote(name) for (name,) in cursor.fetchall())
            cursor.execute(
                "TRUNCATE " + ", ".join(quote(table) for table in self._tables()) + " CASCADE"
            )
            if checked_at_once:
                cursor.execute(f"SET CONSTRAINTS {checked_at_once} DEFERRED")
            for table, data in self.rows:
                if data:
                    cursor.copy_expert(f"COPY {quote(table)} FROM STDIN", io.BytesIO(data))
            models = apps.get_models(include_auto_created=True)
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
            if checked_at_once:
                # Back to their own mode, checking every row copied in now.
                cursor.execute(f"SET CONSTRAINTS {checked_at_once} IMMEDIATE")
        shutil.copytree(self.folder, media_root, dirs_exist_ok=True)
