"""The same application sent again within the hour (a double click, a browser's retry, a retry
after an error page) gets the first one's reference: one application, one receipt."""

import datetime
import re
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from post_office.models import Email

from budget import services
from budget.models import InitiativeApplication
from tests.budget.test_applications import submit
from tests.budget.test_apply import RECEIVED_URL, URL
from tests.conftest import require_postgres, run_at_once
from tests.factories import application_fields, application_form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]
# The `fund` of tests/conftest.py, small: € 10.000, at most € 8.000 for initiatives.
FUND_TERMS = {"total": Decimal("10000.00"), "initiatives_ceiling": 8000}


def test_the_same_application_again_returns_the_first(fund, contract):
    first = submit(fund, contract)
    again = submit(fund, contract)

    assert again.pk == first.pk
    assert again.reference == first.reference
    assert (first.is_repeat, again.is_repeat) == (False, True)
    assert InitiativeApplication.objects.count() == 1
    assert len(first.fingerprint) == 64


def test_a_resend_queues_no_second_receipt(fund, contract):
    application = submit(fund, contract)
    queued = Email.objects.count()
    submit(fund, contract)

    assert queued >= 1
    assert Email.objects.count() == queued
    assert Email.objects.filter(to__icontains=application.contact_email).count() == 1


@pytest.mark.parametrize(
    "resent",
    [
        {"title": "  Buurtmoestuin "},
        {"description": "Een moestuin op het\r\nbraakliggende   stuk."},
        {"contact_email": "JDeVries@Example.org"},
        {"amount_requested": "1500"},
    ],
)
def test_white_space_case_of_the_address_and_the_amounts_notation_do_not_matter(
    fund, contract, resent
):
    first = submit(fund, contract)
    assert submit(fund, contract, **resent).pk == first.pk
    assert InitiativeApplication.objects.count() == 1


@pytest.mark.parametrize(
    "changed",
    [
        {"title": "Buurtmoestuin 2"},
        {"description": "Een andere moestuin."},
        {"amount_requested": "1500.01"},
        {"contact_email": "iemand-anders@example.org"},
        {"contact_phone": "023 511 5115"},
        {"wish": None, "fit_explanation": "Past bij het groenplan."},
    ],
)
def test_any_other_difference_makes_another_application(fund, contract, changed):
    first = submit(fund, contract)
    second = submit(fund, contract, **changed)

    assert second.pk != first.pk
    assert not second.is_repeat
    assert InitiativeApplication.objects.count() == 2


def test_after_an_hour_the_same_application_is_a_new_one(fund, contract):
    first = submit(fund, contract)
    InitiativeApplication.objects.filter(pk=first.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(minutes=61)
    )
    second = submit(fund, contract)

    assert second.pk != first.pk
    assert second.reference != first.reference


def test_the_fingerprint_is_keyed_and_kept_out_of_the_history(fund, contract, settings):
    application = submit(fund, contract)
    unkeyed = services.application_fingerprint(fund, application_fields(contract))
    settings.SECRET_KEY = "another-key-for-this-test-only-0123456789-abcdefghijklmnop"
    rekeyed = services.application_fingerprint(fund, application_fields(contract))

    assert rekeyed != unkeyed
    assert not hasattr(application.history.model, "fingerprint")


def test_a_resend_in_the_browser_shows_the_same_reference_and_counts_once(client, fund, wish):
    references = []
    for _attempt in range(6):  # more than the rate limit of 5
        response = client.post(URL, application_form_data(wish))
        assert response.status_code == 302
        page = client.get(RECEIVED_URL)
        references.append(page.context["reference"])
    assert len(set(references)) == 1
    assert page.context["is_repeat"] is True
    assert "data-repeat" in page.content.decode()
    assert InitiativeApplication.objects.count() == 1
    # The resends were not counted: other applications from this address still go through.
    assert client.post(URL, application_form_data(wish, title="Iets anders")).status_code == 302
    assert InitiativeApplication.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_the_same_moment_make_one_application(fund, wish):
    require_postgres()
    barrier = threading.Barrier(2)
    outcomes = []

    def post():
        try:
            client = Client()
            barrier.wait(timeout=20)
            response = client.post(URL, application_form_data(wish))
            page = client.get(RECEIVED_URL).content.decode()
            reference = re.search(r"<strong data-reference>([^<]+)</strong>", page)
            outcomes.append((response.status_code, reference and reference.group(1)))
        finally:
            connection.close()

    run_at_once([post, post])

    assert len(outcomes) == 2
    assert {status for status, _reference in outcomes} == {302}
    references = {reference for _status, reference in outcomes}
    assert len(references) == 1 and None not in references
    assert list(InitiativeApplication.objects.values_list("reference", flat=True)) == [*references]
