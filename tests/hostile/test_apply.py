"""Hostile input to the residents' pages: the application form (both steps) and the status
link. The only outcomes are the form with its errors, or success; a refusal writes nothing,
and no input gives a 500."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from budget import services
from budget.models import InitiativeApplication
from tests.factories import application_fields, application_form_data
from tests.hostile.strategies import (
    amount_text,
    assert_nothing_written,
    example,
    examples,
    hostile_text,
    no_rate_limits,
    post_form,
    short_text,
    state,
    url_part,
)

# Examples per property in CI (the "dev" profile runs DEV_FACTOR times as many).
STEP_ONE_EXAMPLES = 25
APPLICATION_EXAMPLES = 80
STATUS_LINK_EXAMPLES = 25

APPLY = reverse("budget:apply")
RECEIVED = reverse("budget:apply_received")

# Primary keys as a form could post them: digits that int() refuses, huge ones, signs.
PRIMARY_KEYS = st.one_of(
    st.sampled_from(["", "0", "-1", "1.0", "1e3", "²", "¹²", "٣", "１", "9" * 30, "9" * 5000]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    short_text(),
)


@pytest.fixture
def hostile_client(settings):
    no_rate_limits(settings)
    return Client(raise_request_exception=False)


@pytest.fixture
def wish(fund, project):
    """A wish of a signed (public) contract, while the fund takes applications."""
    return project.contract.wishes.first()


@given(wijk=hostile_text(surrogates=True))
@examples(STEP_ONE_EXAMPLES)
def test_step_one_takes_any_neighbourhood(hostile_client, wish, wijk):
    """Step one (a GET form) answers any ?wijk= with the form or step two, never a 500."""
    with example():
        before = state()
        response = hostile_client.get(APPLY + "?wijk=" + url_part(wijk))
        assert response.status_code == 200
        assert_nothing_written(before)


TEXT_FIELDS = [
    "title",
    "description",
    "fit_explanation",
    "own_contribution",
    "other_budgets_tried",
    "cost_breakdown",
    "contact_name",
]

APPLICATION_OVERRIDES = st.fixed_dictionaries(
    {},
    optional={
        **{name: hostile_text(surrogates=True) for name in TEXT_FIELDS},
        "amount_requested": amount_text(),
        "contact_email": st.one_of(
            hostile_text(surrogates=True),
            st.emails().map(str),
            st.builds(lambda text: f"{text}@example.org", short_text()),
        ),
        "contact_phone": short_text(),
        "neighbourhood": PRIMARY_KEYS,
        "wish": PRIMARY_KEYS,
        "project": PRIMARY_KEYS,
        "no_other_budget": st.sampled_from(["", "on", "off", "0", "false", "\x00"]),
        "website": st.one_of(st.just(""), short_text()),
    },
)


@given(
    overrides=APPLICATION_OVERRIDES,
    missing=st.sets(st.sampled_from([*TEXT_FIELDS, "amount_requested", "contact_email"])),
)
@examples(APPLICATION_EXAMPLES)
def test_application_is_registered_or_refused_on_the_form(hostile_client, wish, overrides, missing):
    """Step two, posted with hostile values in any of its fields (and fields left out): the
    form with errors and nothing written, or the confirmation with one application
    registered (or the honeypot's pretended success, with nothing written)."""
    data = application_form_data(wish, **overrides)
    for name in missing:
        data.pop(name, None)
    with example():
        before = state()
        response = post_form(hostile_client, APPLY, data)
        assert response.status_code in (200, 302), response.status_code
        applications = InitiativeApplication.objects.count()
        event(f"status {response.status_code}")
        if str(data.get("website", "")).strip():
            # The honeypot: refused quietly (a pretended success, or the form), nothing saved.
            assert_nothing_written(before)
        elif response.status_code == 200:
            assert response.context["form"].errors
            assert_nothing_written(before)
        else:
            assert response["Location"] == RECEIVED
            assert applications == before["rows"]["budget.InitiativeApplication"] + 1
            assert hostile_client.get(RECEIVED).status_code == 200


@pytest.fixture
def application(fund, project):
    """A registered application and the path of its status link."""
    application = services.submit_application(fund, **application_fields(project.contract))
    path = reverse(
        "budget:status",
        kwargs={"reference": application.reference, "token": application.status_token},
    )
    return application, path


@given(
    reference=st.one_of(hostile_text(surrogates=True), st.none()),
    token=st.one_of(hostile_text(surrogates=True), st.none()),
)
@examples(STATUS_LINK_EXAMPLES)
def test_status_link_answers_404_to_any_wrong_link(hostile_client, application, reference, token):
    """Any reference and secret (None: the real one) gives the status page when both are
    right and the same 404 otherwise; a wrong link writes nothing."""
    application, _path = application
    real_token = _path.rstrip("/").rsplit("/", 1)[1]
    right = reference is None and token is None
    reference = application.reference if reference is None else url_part(reference)
    token = real_token if token is None else url_part(token)
    path = f"/initiatieven/status/{reference}/{token}/"
    with example():
        before = state()
        response = hostile_client.get(path)
        if right:
            assert response.status_code == 200
        else:
            assert response.status_code == 404
        assert_nothing_written(before)
