"""A fund takes applications only within its period; the demo's example period."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from post_office.models import Email

from budget import selectors, services
from budget.demo import ensure_demo_fund, is_demo_fund
from budget.models import Fund, InitiativeApplication
from tests.factories import (
    PILOT_PERIOD,
    application_fields,
    application_form_data,
    fund_with_categories,
    open_period,
)

URL = reverse("budget:apply")

pytestmark = pytest.mark.usefixtures("empty_cache")


@pytest.fixture
def pilot_fund(db):
    """The pilot's fund: its period ended on 2 October 2009."""
    return fund_with_categories(name="Wijkaanpak 2007–2009", **PILOT_PERIOD)


def test_an_ended_fund_shows_why_instead_of_the_form(client, pilot_fund, wish):
    for query in ({}, {"wijk": wish.contract.neighbourhood.slug}):
        response = client.get(URL, query)

        assert response.status_code == 200
        html = response.content.decode()
        assert 'data-fund-closed="fund_closed"' in html
        assert "2 oktober 2009" in html
        assert '<form class="application-form"' not in html
        assert "neighbourhood-choice-form" not in html


def test_an_ended_fund_refuses_a_post_and_saves_nothing(client, pilot_fund, wish):
    response = client.post(URL, application_form_data(wish))

    assert response.status_code == 200
    assert 'data-fund-closed="fund_closed"' in response.content.decode()
    assert not InitiativeApplication.objects.exists()
    assert not Email.objects.exists()


def test_a_fund_that_has_not_begun_says_when_it_opens(client, wish):
    today = timezone.localdate()
    fund_with_categories(
        period_start=today + datetime.timedelta(days=10),
        period_end=today + datetime.timedelta(days=400),
    )

    response = client.get(URL)

    assert 'data-fund-closed="fund_not_open_yet"' in response.content.decode()
    assert client.post(URL, application_form_data(wish)).status_code == 200
    assert not InitiativeApplication.objects.exists()


def test_the_service_refuses_an_ended_fund(pilot_fund, wish):
    with pytest.raises(ValidationError) as excinfo:
        services.submit_application(pilot_fund, **application_fields(wish.contract))

    assert excinfo.value.code == "fund_closed"
    assert not InitiativeApplication.objects.exists()


def test_the_last_day_of_the_period_still_counts(wish):
    today = timezone.localdate()
    fund = fund_with_categories(period_start=today - datetime.timedelta(days=30), period_end=today)

    application = services.submit_application(fund, **application_fields(wish.contract))

    assert application.fund == fund


def test_the_open_fund_takes_applications_while_a_later_one_waits(client, wish):
    today = timezone.localdate()
    open_fund = fund_with_categories(name="Nu", **open_period())
    fund_with_categories(
        name="Straks",
        period_start=today + datetime.timedelta(days=400),
        period_end=today + datetime.timedelta(days=800),
    )

    assert selectors.fund_for_applications(today) == open_fund
    assert client.post(URL, application_form_data(wish)).status_code == 302
    assert InitiativeApplication.objects.get().fund == open_fund


# --- The demo's example period ----------------------------------------------------------------


def test_the_example_period_is_open_today_and_made_once(pilot_fund):
    today = timezone.localdate()

    fund, created = ensure_demo_fund(today)
    again, created_again = ensure_demo_fund(today)

    assert created and not created_again
    assert again == fund
    assert fund.is_illustrative and is_demo_fund(fund)
    assert fund.takes_applications_on(today)
    assert not is_demo_fund(pilot_fund)
    assert services.available_for_initiatives(fund) > 0


def test_the_example_period_takes_an_application_labelled_as_example(client, pilot_fund, wish):
    ensure_demo_fund(timezone.localdate())

    form = client.get(URL, {"wijk": wish.contract.neighbourhood.slug})
    assert 'data-notice="illustrative"' in form.content.decode()
    assert '<form class="application-form"' in form.content.decode()

    response = client.post(URL, application_form_data(wish))

    assert response.status_code == 302
    application = InitiativeApplication.objects.get()
    assert is_demo_fund(application.fund)
    assert application.is_illustrative


def test_the_public_account_labels_the_example_period_and_keeps_the_pilots(client, pilot_fund):
    demo, _created = ensure_demo_fund(timezone.localdate())

    current = client.get(reverse("budget:account"))
    earlier = client.get(reverse("budget:account"), {"periode": pilot_fund.pk})

    html = current.content.decode()
    assert f'data-fund="{demo.pk}"' in html
    assert 'data-notice="illustrative"' in html
    assert f'href="{reverse("budget:account")}?periode={pilot_fund.pk}"' in html
    assert f'data-fund="{pilot_fund.pk}"' in earlier.content.decode()
    assert "voorbeeldperiode" not in earlier.content.decode().split('<h2 id="fonds">')[1][:200]
    assert client.get(reverse("budget:account"), {"periode": "999999"}).status_code == 404
    assert client.get(reverse("budget:account"), {"periode": "x"}).status_code == 404


def test_create_demo_accounts_opens_the_example_period(db, settings):
    settings.DEBUG = True
    out = io.StringIO()

    call_command("create_demo_accounts", stdout=out)
    call_command("create_demo_accounts", stdout=io.StringIO())

    fund = Fund.objects.get()
    assert is_demo_fund(fund)
    assert fund.takes_applications_on(timezone.localdate())
    assert fund.name in out.getvalue()
