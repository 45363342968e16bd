"""The applicant's status page behind the secret link of the receipt mail."""

import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from budget import personal_data, services
from budget.choices import ApplicationStatus, Criterion
from budget.models import InitiativeApplication
from tests.factories import UserFactory, application_fields, application_form_data

pytestmark = pytest.mark.usefixtures("empty_cache")


def status_url(reference, token):
    return reverse("budget:status", kwargs={"reference": reference, "token": token})


@pytest.fixture
def applied(fund, wish):
    """A new application and the secret of its link."""
    application = services.submit_application(fund, **application_fields(wish.contract))
    return application, application.status_token


@pytest.fixture
def manager(db):
    return UserFactory(username="beoordelaar", is_staff=True)


def decide(application, manager, decision, **kwargs):
    application = services.start_review(application, user=manager)
    for criterion in Criterion:
        services.review_criterion(application, criterion, met=True, user=manager)
    return services.decide(application, decision, user=manager, **kwargs)


def test_only_a_hash_of_the_secret_is_stored(applied):
    application, token = applied
    application.refresh_from_db()

    assert len(token) >= 32
    assert application.status_token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = InitiativeApplication.objects.filter(pk=application.pk).values().get()
    assert token not in {str(value) for value in stored.values()}
    history = application.history.model.objects.filter(id=application.pk).values().first()
    assert "status_token_hash" not in history


def test_the_right_link_shows_the_status_and_what_happens_next(client, applied):
    application, token = applied

    response = client.get(status_url(application.reference, token))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="submitted"' in html
    assert application.reference in html
    assert application.title in html
    received = timezone.localdate(application.submitted_at)
    assert f"{received.day} {_dutch_month(received)} {received.year}" in html
    assert "data-next-step" in html and 'data-date="due"' in html
    # Never the applicant's contact data, never cached, indexed or passed on.
    assert application.contact_name not in html
    assert application.contact_email not in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def _dutch_month(day):
    return [
        "januari", "februari", "maart", "april", "mei", "juni", "juli",
        "augustus", "september", "oktober", "november", "december",
    ][day.month - 1]  # fmt: skip


@pytest.mark.parametrize(
    "link",
    [
        lambda reference, token: (reference, token[:-1] + ("A" if token[-1] != "A" else "B")),
        lambda reference, token: (reference, "x"),
        lambda reference, token: ("IA-1999-0001", token),
        lambda reference, token: ("bestaat-niet", "x"),
    ],
)
def test_a_wrong_link_is_a_neutral_404(client, applied, link):
    application, token = applied

    response = client.get(status_url(*link(application.reference, token)))

    assert response.status_code == 404
    assert application.title not in response.content.decode()


def test_many_wrong_links_are_stopped_for_a_while(client, applied, settings):
    settings.RATELIMIT_WRONG_STATUS_LINKS = "20/h"
    application, token = applied
    for attempt in range(20):
        assert client.get(status_url(application.reference, f"fout-{attempt}")).status_code == 404

    response = client.get(status_url(application.reference, token))

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert application.title not in response.content.decode()
    # Another address is not affected.
    assert (
        client.get(status_url(application.reference, token), REMOTE_ADDR="192.0.2.9").status_code
        == 200
    )


def test_a_partial_grant_shows_the_decision_the_amount_and_the_date(client, applied, manager):
    application, token = applied
    decide(application, manager, ApplicationStatus.PARTLY_GRANTED, amount="1000", reason="Minder.")

    html = client.get(status_url(application.reference, token)).content.decode()

    assert 'data-decision="partly_granted"' in html
    assert "€ 1.000,00" in html.replace("\xa0", " ")
    assert 'data-date="decided"' in html
    assert 'data-amount="paid"' in html
    assert "Minder." in html
    assert 'data-date="due"' not in html


def test_a_refusal_shows_its_reason(client, applied, manager):
    application, token = applied
    decide(application, manager, ApplicationStatus.REFUSED, reason="Een ander budget betaalt dit.")

    html = client.get(status_url(application.reference, token)).content.decode()

    assert 'data-decision="refused"' in html
    assert "Een ander budget betaalt dit." in html
    assert 'data-amount="granted"' not in html


def test_the_receipt_mail_carries_the_link_and_the_confirmation_shows_it_once(
    client, fund, wish, deliver_mail
):
    response = client.post(reverse("budget:apply"), application_form_data(wish))
    assert response.status_code == 302
    application = InitiativeApplication.objects.get()

    [receipt] = [m for m in deliver_mail() if m.to == [application.contact_email]]
    link = next(line for line in receipt.body.splitlines() if "/initiatieven/status/" in line)
    path = link[link.index("/initiatieven/status/") :].strip()
    assert client.get(path).status_code == 200

    page = client.get(reverse("budget:apply_received")).content.decode()
    assert f'href="{path}"' in page
    again = client.get(reverse("budget:apply_received")).content.decode()
    assert "/initiatieven/status/" not in again


def test_erasing_the_personal_data_ends_the_link(client, applied, manager):
    application, token = applied
    application = decide(application, manager, ApplicationStatus.GRANTED)

    erased = personal_data.erase_expired_personal_data(
        now=application.decided_at + datetime.timedelta(days=2 * 366 + 1)
    )

    assert [a.pk for a in erased] == [application.pk]
    application.refresh_from_db()
    assert application.status_token_hash == ""
    assert client.get(status_url(application.reference, token)).status_code == 404
