"""Dutch is complete: every source string is translated, and the compiled file is current."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import django
import polib
import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCE_DIRS = ["wijkaanpak", "contracts", "projects", "budget", "templates"]


def translated(catalog):
    """Every translated message of a .po or .mo catalogue (the header left out)."""
    return {
        (entry.msgctxt, entry.msgid): (
            entry.msgstr,
            tuple(sorted((int(n), text) for n, text in entry.msgstr_plural.items())),
        )
        for entry in catalog
        if entry.msgid
        and not getattr(entry, "obsolete", False)
        and (entry.msgstr or any(entry.msgstr_plural.values()))
    }


def test_the_dutch_catalogue_has_no_open_or_fuzzy_entries():
    catalog = polib.pofile(str(PO))
    assert catalog.untranslated_entries() == []
    assert catalog.fuzzy_entries() == []
    assert len(catalog.translated_entries()) > 50


def test_the_compiled_catalogue_matches_the_source():
    assert translated(polib.mofile(str(MO))) == translated(polib.pofile(str(PO)))


@pytest.mark.slow
def test_every_string_in_the_code_is_in_the_dutch_catalogue(tmp_path):
    require(shutil.which("xgettext"), "GNU gettext is missing (scripts/system-packages.sh)")
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", tmp_path)
    (tmp_path / "locale" / "nl" / "LC_MESSAGES").mkdir(parents=True)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "nl", "--no-location"],
        cwd=tmp_path,
        env={"DEBUG": "true", "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    extracted = polib.pofile(str(tmp_path / "locale" / "nl" / "LC_MESSAGES" / "django.po"))
    known = translated(polib.pofile(str(PO)))
    missing = sorted(
        entry.msgid for entry in extracted if (entry.msgctxt, entry.msgid) not in known
    )
    assert missing == []


def test_every_string_of_the_admins_javascript_is_dutch(client, editor_user):
    """The admin's scripts (the wish picker, the calendar) speak Dutch: Django's own Dutch
    catalogue lacks some of their strings, which locale/nl/LC_MESSAGES/djangojs.po adds."""
    scripts = Path(django.__file__).parent / "contrib" / "admin" / "static" / "admin" / "js"
    msgids = {
        match.group(1)
        for path in scripts.glob("*.js")
        for match in re.finditer(r"\bn?gettext\('((?:[^'\\]|\\.)*)'", path.read_text())
    }
    assert "Choose all %s" in msgids
    client.force_login(editor_user)

    response = client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="nl")

    dutch = re.search(r"const newcatalog = (\{.*?\});", response.content.decode(), re.S)
    assert dutch is not None
    translations = json.loads(dutch.group(1))
    missing = sorted(msgid for msgid in msgids if msgid not in translations)
    assert missing == []


@pytest.mark.parametrize(
    "po",
    [PO.with_name("djangojs.po"), ROOT / "locale" / "admin" / "nl" / "LC_MESSAGES" / "django.po"],
    ids=["javascript", "admin corrections"],
)
def test_the_catalogues_kept_by_hand_are_compiled(po):
    assert translated(polib.pofile(str(po))) == translated(polib.mofile(str(po.with_suffix(".mo"))))


def test_the_admin_speaks_dutch_without_wrong_articles(client, editor_user, db):
    """Django's own Dutch says "De contract … is met succes toegevoegd"; locale/admin corrects
    it, article-free, and says "Partij toevoegen" instead of "Nog een Partij toevoegen"."""
    from django.contrib.messages import get_messages
    from django.urls import reverse

    from tests.contracts.test_admin import add_form_data
    from tests.factories import NeighbourhoodFactory

    client.force_login(editor_user)
    neighbourhood = NeighbourhoodFactory()
    add = reverse("admin:contracts_contract_add")
    data = add_form_data(
        neighbourhood,
        title="Wijkcontract Noord",
        period_start="2010-01-01",
        period_end="2012-01-01",
    )

    page = client.get(add, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    response = client.post(add, data, HTTP_ACCEPT_LANGUAGE="nl")

    assert "Partij toevoegen" in page and "Nog een Partij" not in page
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    assert any(
        text.startswith("Toegevoegd: contract ‘") and "Wijkcontract Noord</a>’." in text
        for text in texts
    )
    assert not any(text.startswith("De contract") for text in texts)
