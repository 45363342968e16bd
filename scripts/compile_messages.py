"""Compile every locale/*/LC_MESSAGES/django.po and djangojs.po, and the corrections of
Django's admin in locale/admin/, into .mo files with polib.

Django reads the compiled .mo files, which are committed, so running the site needs no GNU
gettext. `make messages` runs this after `makemessages`.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    problems = 0
    catalogs = [*(ROOT / "locale").glob("*/LC_MESSAGES/django*.po")]
    catalogs += (ROOT / "locale" / "admin").glob("*/LC_MESSAGES/django.po")
    for po_path in sorted(catalogs):
        catalog = polib.pofile(str(po_path))
        untranslated = catalog.untranslated_entries() + catalog.fuzzy_entries()
        for entry in untranslated:
            print(f"{po_path}: not translated: {entry.msgid!r}", file=sys.stderr)
        problems += len(untranslated)
        catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"{po_path.relative_to(ROOT)}: {catalog.percent_translated()}% translated")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
