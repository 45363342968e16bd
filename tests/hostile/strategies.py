"""Hostile input for the property tests of tests/hostile, and the bookkeeping that proves a
refusal wrote nothing.

Text: any unicode (control characters, bidi overrides, zero-width and combining marks, lone
surrogates where an HTTP form can carry them as bytes), very long strings, markup, formulas
and SQL; amounts: NaN, sNaN, Infinity, negative, huge, too precise, Dutch and foreign digits.
"""

import contextlib
import os
from decimal import Decimal
from urllib.parse import quote_from_bytes

from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from hypothesis import HealthCheck, Phase, event
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

# The "dev" profile (tests/conftest.py; any run outside CI) tries this many times more.
DEV_FACTOR = 5


def examples(count):
    """Settings for a property of `count` examples in CI (more in the "dev" profile)."""
    factor = 1 if hypothesis_settings.get_current_profile_name() == "ci" else DEV_FACTOR
    # Every property runs its examples in one test function: fixtures are built once, and
    # each example runs in a savepoint that is rolled back (see `example`).
    return hypothesis_settings(
        max_examples=count * factor,
        deadline=None,
        # Explaining a failure reruns it hundreds of times (minutes); the shrunk example and
        # its traceback say enough.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


CONTROL = st.characters(categories=["Cc"])
FORMAT = st.characters(categories=["Cf"])  # bidi overrides, zero-width joiners, BOM
BIDI = st.sampled_from("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
SURROGATE = st.characters(categories=["Cs"])

NASTY = [
    "",
    " ",
    "\n\t\r ",
    "\x00",
    "a\x00b",
    "\u202eevil.exe\u202dtxt",
    "<script>alert(1)</script>",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    '=HYPERLINK("http://x")',
    "'; DROP TABLE budget_fund; --",
    "%(name)s %s {0}",
    "\ufeff\u200b\u00ad",
    "Z\u0351\u0357\u0308\u0310" * 50,
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "ﷺ" * 40,
    "𒐫" * 100,
]


def hostile_text(max_size=300, surrogates=False):
    """Any text a hostile client could type. `surrogates`: lone surrogates too, which only
    reach a view as bytes (see `form_body`), never a service."""
    alphabet = st.one_of(st.characters(), CONTROL, FORMAT, BIDI)
    if surrogates:
        alphabet = st.one_of(alphabet, SURROGATE)
    return st.one_of(
        st.text(alphabet, max_size=max_size),
        st.sampled_from(NASTY),
        # Very long: one character repeated past every max_length of the site.
        st.builds(
            lambda char, count: char * count,
            st.one_of(st.characters(), CONTROL, BIDI),
            st.integers(min_value=100, max_value=20_000),
        ),
    )


def short_text(max_size=40):
    """Hostile text short enough for the shortest field (a telephone number, a name)."""
    return st.one_of(
        st.text(st.one_of(st.characters(), CONTROL, BIDI), max_size=max_size),
        st.sampled_from([text for text in NASTY if len(text) <= max_size]),
    )


SPECIAL_AMOUNTS = [
    "",
    " ",
    "0",
    "-0",
    "0,00",
    "0.001",
    "-1",
    "-1.250,50",
    "NaN",
    "nan",
    "sNaN",
    "-NaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1e3",
    "1E+999999999",
    "1e-999999999",
    "9" * 30,
    "9" * 5000,
    "0." + "0" * 40 + "1",
    "1" + "0" * 4400,
    "9999999.99",
    "10000000.00",
    "1.2.3",
    "1,2,3",
    "€ 750,-",
    "EUR 500",
    "\u0663\u0663",  # Arabic-Indic digits
    "\uff11\uff12",  # full-width digits
    "1\u00a0250,50",
    "1_000",
    "0x10",
    "+ 5",
]


def amount_text():
    """What could be typed into an amount field."""
    return st.one_of(
        st.sampled_from(SPECIAL_AMOUNTS),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        # Decimals with many digits after the point.
        st.integers(0, 30).flatmap(lambda places: st.decimals(places=places)).map(str),
        st.floats().map(repr),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.text("0123456789.,-+eE€ \u00a0EURnaNsIfity_", max_size=40),
        short_text(),
    )


def amount_value():
    """What a service could be handed as an amount: text or a Decimal of any kind."""
    return st.one_of(
        amount_text(),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.sampled_from([Decimal("sNaN"), Decimal("-sNaN"), Decimal("NaN"), Decimal("-0")]),
    )


# --- Sending a form as a hostile client does ------------------------------------------------


def form_body(data):
    """`data` (name → str or list of str) as an application/x-www-form-urlencoded body.

    Lone surrogates go out as the bytes a careless client would send (CESU-8, invalid UTF-8),
    so the view sees what Django makes of broken bytes."""
    parts = []
    for name, values in data.items():
        for value in values if isinstance(values, list) else [values]:
            encoded = str(value).encode("utf-8", "surrogatepass")
            parts.append(f"{quote_from_bytes(name.encode())}={quote_from_bytes(encoded)}")
    return "&".join(parts)


def post_form(client, path, data):
    """POST `data` to `path` as a browser form (with whatever bytes `form_body` makes)."""
    return client.post(path, form_body(data), content_type="application/x-www-form-urlencoded")


def url_part(text):
    """`text` as one path segment of a URL (any byte percent-encoded, "/" too)."""
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="") or "x"


# --- What a refusal must not change --------------------------------------------------------

WATCHED_APPS = ("budget", "contracts", "projects", "auth", "post_office")


def _watched_tables():
    """(label, table) of every table of the watched apps, many-to-many tables included."""
    return [
        (model._meta.label, model._meta.db_table)
        for label in WATCHED_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def row_counts():
    """Rows of every table of the product's apps, the users and groups, and the outbox: in
    one query (a count per table would be sixty round trips per example)."""
    tables = _watched_tables()
    quote = connection.ops.quote_name
    # Table names from the models, quoted: no input reaches this query.
    counts = ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for _label, table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        row = cursor.fetchone()
    return {label: count for (label, _table), count in zip(tables, row, strict=True)}


def media_files():
    """The files in MEDIA_ROOT, by path."""
    root = str(settings.MEDIA_ROOT)
    found = set()
    for folder, _dirs, files in os.walk(root):
        found.update(os.path.join(folder, name) for name in files)
    return found


def state():
    """Everything a refusal must leave as it was: rows, media files, mail sent in memory."""
    return {"rows": row_counts(), "media": media_files(), "mails": len(mail.outbox)}


@contextlib.contextmanager
def example():
    """Run one example in a savepoint that is rolled back, with an empty cache (no rate
    limit counts from an earlier example) and without files it stored."""
    cache.clear()
    before = media_files()
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        for path in media_files() - before:
            os.remove(path)
        del mail.outbox[:]
        cache.clear()


def assert_nothing_written(before):
    """Nothing changed since `before` (a `state()`)."""
    after = state()
    assert after["rows"] == before["rows"], {
        table: (before["rows"][table], count)
        for table, count in after["rows"].items()
        if count != before["rows"][table]
    }
    assert after["media"] == before["media"]
    assert after["mails"] == before["mails"]


def refused_or_done(call, before):
    """Call the service; a ValidationError must have written nothing. Returns the result, or
    None for a refusal."""
    try:
        result = call()
    except ValidationError:
        event("refused")
        assert_nothing_written(before)
        return None
    event("done")
    return result


def no_rate_limits(settings):
    """Switch off every rate limit and lockout, whichever library counts (pytest-django's
    `settings` fixture)."""
    settings.RATELIMIT_ENABLE = False
    settings.AXES_ENABLED = False
