"""The permission matrix (tests/access_policy.md): every URL pattern × every persona, GET on
the pilot data, and the outcome the policy file expects.

`pytest tests/access/test_matrix.py --record-access-policy` rewrites the file from the
current behaviour instead of comparing; review its diff before committing it.
"""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import transaction
from django.test import Client, override_settings

from tests.access import matrix
from tests.access.arguments import QUERIES, arguments_for, prepare
from tests.access.matrix import Row
from tests.access.personas import PERSONAS, WIJK_A, WIJK_B, create_personas, log_in

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("module_pilot_media", "quiet_refusals"),
]


@pytest.fixture(scope="module")
def world(_pilot_loaded, django_db_blocker, pilot_media):
    """The module's pilot (tests/conftest.py) with the personas and what the URLs take,
    added in a savepoint rolled back after the module."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=pilot_media,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        users = create_personas()
        yield prepare(users)
        transaction.set_rollback(True)


def request_every_cell(world, timings=None):
    """{Row: {persona: outcome}} for every URL pattern and persona, as the code answers now;
    `timings`, a dict, gets the seconds each row took."""
    rows = matrix.url_rows()
    urls = {}
    for row in rows:
        url = matrix.url_for(row, arguments_for(row, world))
        query = QUERIES.get(row.name)
        urls[row] = f"{url}?{query}" if query else url
    table = {row: {} for row in rows}
    timings = {} if timings is None else timings
    for persona in PERSONAS:
        client = Client(raise_request_exception=False)  # a 500 is an answer to record
        user = world.users[persona]
        for row in rows:
            # Logged in as the persona for each request, whatever the one before did.
            if user is not None and client.session.get(SESSION_KEY) != str(user.pk):
                log_in(client, user)
            started = time.monotonic()
            response = client.get(urls[row])
            if response.streaming:
                # Reading a streamed file to the end closes it.
                b"".join(response.streaming_content)
            timings[row] = timings.get(row, 0) + time.monotonic() - started
            table[row][persona] = matrix.outcome(response)
    return table


def test_every_url_for_every_persona(world, request, settings):
    # As in a deployment: security.txt names a contact (without one it is a 404 for everyone).
    settings.SECURITY_CONTACT = "mailto:security@wijkaanpak.example"
    started = time.monotonic()
    timings = {}
    table = request_every_cell(world, timings)
    seconds = time.monotonic() - started
    cells = len(table) * len(PERSONAS)
    slowest = sorted(timings.items(), key=lambda item: -item[1])[:5]
    print(
        f"\npermission matrix: {len(table)} URLs × {len(PERSONAS)} personas in {seconds:.1f} s;"
        " slowest rows: " + ", ".join(f"{row.pattern} {t:.1f} s" for row, t in slowest)
    )
    if request.config.getoption("--record-access-policy"):
        matrix.POLICY_FILE.write_text(
            matrix.render(table, {"wijk_a": WIJK_A, "wijk_b": WIJK_B}), encoding="utf-8"
        )
        pytest.skip(f"recorded {cells} cells in {matrix.POLICY_FILE}")
    text = matrix.POLICY_FILE.read_text(encoding="utf-8")
    expected = matrix.parse(text)
    got = {row.key: cells for row, cells in table.items()}
    header = matrix.HEADER.format(wijk_a=WIJK_A, wijk_b=WIJK_B)
    problems = [] if text.startswith(header) else ["the file's header is not HEADER: record it"]
    problems += matrix.differences(expected, got)
    assert not problems, f"{len(problems)} difference(s) from {matrix.POLICY_FILE.name}:\n" + (
        "\n".join(problems)
    )


def test_every_row_key_is_unique():
    keys = [row.key for row in matrix.url_rows()]
    assert len(keys) == len(set(keys))


def test_the_file_reads_back_as_written_and_every_difference_is_named():
    rows = [Row("wijken/<slug:slug>/", "neighbourhood_detail"), Row("admin/(?P<url>a|b)$", "")]
    table = {row: dict.fromkeys(PERSONAS, "200") for row in rows}
    table[rows[1]]["anonymous"] = matrix.LOGIN
    text = matrix.render(table, {"wijk_a": WIJK_A, "wijk_b": WIJK_B})
    expected = matrix.parse(text)
    got = {row.key: dict(cells) for row, cells in table.items()}

    assert expected == got
    assert matrix.differences(expected, got) == []
    got[rows[0].key]["team-B"] = "403"
    got[("projecten/nieuw/", "new")] = dict.fromkeys(PERSONAS, "200")
    del got[rows[1].key]
    assert matrix.differences(expected, got) == [
        "no row in the policy for the URL pattern 'projecten/nieuw/' (name 'new')",
        "a row of the policy has no URL pattern: 'admin/(?P<url>a|b)$' (name '')",
        "wijken/<slug:slug>/ (neighbourhood_detail), team-B: expected 200, got 403",
    ]
